namespace HvSim.GuestOs.Linux;

/// <summary>What goes on a new process's stack; input to <see cref="InitialStack.Build"/>.</summary>
public sealed record InitialStackSpec
{
    /// <summary>Linux's default: strings may take a quarter of the 8 MiB stack rlimit (execve fails with E2BIG beyond).</summary>
    public const int DefaultMaxStringBytes = 2 * 1024 * 1024;

    /// <summary>One past the highest stack byte; 16-byte aligned (Linux uses a page boundary).</summary>
    public required ulong StackTop { get; init; }

    /// <summary>argv; argv[0] is conventionally the program name. Strings are stored as UTF-8.</summary>
    public required IReadOnlyList<string> Argv { get; init; }

    public IReadOnlyList<string> Envp { get; init; } = [];

    /// <summary>
    /// The auxiliary vector in order, without the terminating AT_NULL (the builder appends it).
    /// The values of AT_RANDOM, AT_PLATFORM and AT_EXECFN entries are ignored and replaced by the
    /// addresses of the bytes the builder places on the stack.
    /// </summary>
    public required IReadOnlyList<AuxvEntry> Auxv { get; init; }

    /// <summary>The path passed to execve, which AT_EXECFN points at (not necessarily argv[0]).</summary>
    public required string ExecFn { get; init; }

    /// <summary>The 16 bytes AT_RANDOM points at (glibc seeds its stack protector and pointer guard from them).</summary>
    public required ReadOnlyMemory<byte> RandomBytes { get; init; }

    /// <summary>The AT_PLATFORM string; null places none (then the auxv must not contain AT_PLATFORM).</summary>
    public string? Platform { get; init; } = "x86_64";

    /// <summary>Upper bound on the argv, envp and exec-name strings together, NULs included.</summary>
    public int MaxStringBytes { get; init; } = DefaultMaxStringBytes;
}

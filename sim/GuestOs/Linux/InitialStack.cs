using System.Buffers.Binary;
using System.Text;

namespace HvSim.GuestOs.Linux;

/// <summary>
/// Builds the initial process stack the way Linux's execve does on x86-64 (fs/exec.c copies the
/// strings, fs/binfmt_elf.c create_elf_tables lays out the rest), minus stack randomisation.
/// From the top down:
/// <code>
///   top-8     8 zero bytes (bprm->p starts one pointer below the top)
///             exec-name string            (AT_EXECFN)
///             argv[0..] then envp[0..] strings, ascending, each NUL-terminated
///             padding down to 16 bytes    (arch_align_stack)
///             platform string "x86_64"    (AT_PLATFORM)
///             16 random bytes             (AT_RANDOM, directly below the platform string)
///             padding so that rsp ends 16-byte aligned
///             auxv pairs ..., AT_NULL 0
///             envp pointers, NULL
///             argv pointers, NULL
///   rsp ->    argc
/// </code>
/// Checked against what a native static glibc program sees (setarch -R, so no randomisation):
/// same order, same gaps, same alignment.
/// </summary>
public static class InitialStack
{
    private const int WordSize = 8;
    private const int RandomByteCount = 16;

    /// <exception cref="ArgumentException">The spec is inconsistent, or the strings exceed <see cref="InitialStackSpec.MaxStringBytes"/>.</exception>
    public static InitialStackImage Build(InitialStackSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Validate(spec);

        // Linux 5.18+ never starts a program with argc == 0: it substitutes a single empty
        // argv[0], because too much code assumes argv[0] exists.
        IReadOnlyList<string> argv = spec.Argv.Count == 0 ? [string.Empty] : spec.Argv;
        byte[][] argvBytes = [.. argv.Select((s, i) => CString(s, $"argv[{i}]"))];
        byte[][] envpBytes = [.. spec.Envp.Select((s, i) => CString(s, $"envp[{i}]"))];
        byte[] execFn = CString(spec.ExecFn, "the exec file name");
        byte[]? platform = spec.Platform is null ? null : CString(spec.Platform, "the platform string");

        long stringBytes = argvBytes.Sum(b => (long)b.Length) + envpBytes.Sum(b => (long)b.Length) + execFn.Length;
        if (stringBytes > spec.MaxStringBytes)
        {
            throw new ArgumentException(
                $"argument list too long: argv, environment and program name need {stringBytes} bytes, the limit is {spec.MaxStringBytes}");
        }

        // Place everything by address first, from the top down, then write it all at once.
        ulong top = spec.StackTop;
        ulong fixedBytes = WordSize + (ulong)stringBytes + 15 + (ulong)(platform?.Length ?? 0) + RandomByteCount;
        if (top < fixedBytes)
        {
            throw new ArgumentException($"stack top 0x{top:x} is too low for {fixedBytes} bytes of strings");
        }

        ulong p = top - WordSize;
        ulong execFnAddress = p -= (ulong)execFn.Length;
        ulong stringsAddress = p -= (ulong)(stringBytes - execFn.Length);
        p &= ~15UL;
        ulong? platformAddress = platform is null ? null : p -= (ulong)platform.Length;
        ulong randomAddress = p -= RandomByteCount;

        List<AuxvEntry> auxv = ResolveAuxv(spec.Auxv, randomAddress, platformAddress, execFnAddress);
        int argc = argvBytes.Length;
        int envc = envpBytes.Length;
        ulong words = (ulong)(auxv.Count * 2) + (ulong)(argc + 1) + (ulong)(envc + 1) + 1;
        if (words * WordSize > p)
        {
            throw new ArgumentException($"stack top 0x{top:x} is too low for an initial stack of {words * WordSize} bytes");
        }

        ulong sp = (p - (words * WordSize)) & ~15UL;

        byte[] image = new byte[top - sp];
        var writer = new StackWriter(image, sp);
        ulong cursor = stringsAddress;
        var argvPointers = new ulong[argc];
        for (int i = 0; i < argc; i++)
        {
            argvPointers[i] = cursor;
            cursor = writer.Bytes(cursor, argvBytes[i]);
        }

        var envpPointers = new ulong[envc];
        for (int i = 0; i < envc; i++)
        {
            envpPointers[i] = cursor;
            cursor = writer.Bytes(cursor, envpBytes[i]);
        }

        writer.Bytes(execFnAddress, execFn);
        if (platform is not null && platformAddress is { } platformAt)
        {
            writer.Bytes(platformAt, platform);
        }

        writer.Bytes(randomAddress, spec.RandomBytes.Span);

        cursor = writer.Word(sp, (ulong)argc);
        foreach (ulong pointer in argvPointers)
        {
            cursor = writer.Word(cursor, pointer);
        }

        cursor = writer.Word(cursor, 0);
        foreach (ulong pointer in envpPointers)
        {
            cursor = writer.Word(cursor, pointer);
        }

        cursor = writer.Word(cursor, 0);
        foreach (AuxvEntry entry in auxv)
        {
            cursor = writer.Word(cursor, (ulong)entry.Type);
            cursor = writer.Word(cursor, entry.Value);
        }

        return new InitialStackImage(sp, top, image, argc, envc, auxv, randomAddress, platformAddress, execFnAddress, stringsAddress);
    }

    private static void Validate(InitialStackSpec spec)
    {
        if (spec.StackTop % 16 != 0)
        {
            throw new ArgumentException($"stack top 0x{spec.StackTop:x} is not 16-byte aligned");
        }

        if (spec.RandomBytes.Length != RandomByteCount)
        {
            throw new ArgumentException($"AT_RANDOM needs exactly {RandomByteCount} bytes, got {spec.RandomBytes.Length}");
        }

        if (spec.Auxv.Any(e => e.Type == AuxvType.AT_NULL))
        {
            throw new ArgumentException("the auxv must not contain AT_NULL; the builder terminates it");
        }

        if (spec.Platform is null && spec.Auxv.Any(e => e.Type == AuxvType.AT_PLATFORM))
        {
            throw new ArgumentException("the auxv has AT_PLATFORM but no platform string was given");
        }
    }

    private static List<AuxvEntry> ResolveAuxv(IReadOnlyList<AuxvEntry> auxv, ulong random, ulong? platform, ulong execFn)
    {
        var resolved = new List<AuxvEntry>(auxv.Count + 1);
        foreach (AuxvEntry entry in auxv)
        {
            ulong value = entry.Type switch
            {
                AuxvType.AT_RANDOM => random,
                AuxvType.AT_PLATFORM => platform ?? 0,
                AuxvType.AT_EXECFN => execFn,
                _ => entry.Value,
            };
            resolved.Add(entry with { Value = value });
        }

        resolved.Add(new AuxvEntry(AuxvType.AT_NULL, 0));
        return resolved;
    }

    private static byte[] CString(string value, string what)
    {
        if (value.Contains('\0'))
        {
            throw new ArgumentException($"{what} contains a NUL character");
        }

        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }

    // Writes into the image by guest address; returns the address just past what it wrote.
    private readonly struct StackWriter(byte[] image, ulong baseAddress)
    {
        public ulong Bytes(ulong address, ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(image.AsSpan(checked((int)(address - baseAddress))));
            return address + (ulong)bytes.Length;
        }

        public ulong Word(ulong address, ulong value)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(checked((int)(address - baseAddress))), value);
            return address + WordSize;
        }
    }
}

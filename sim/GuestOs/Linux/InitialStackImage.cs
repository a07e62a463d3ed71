namespace HvSim.GuestOs.Linux;

/// <summary>
/// A built initial stack: copy <see cref="Bytes"/> to guest memory at <see cref="StackPointer"/>
/// (it ends exactly at <see cref="Top"/>), set rsp to <see cref="StackPointer"/> and jump to the
/// entry point. The address properties say where each part landed, for the loader and for tests.
/// </summary>
public sealed class InitialStackImage
{
    internal InitialStackImage(
        ulong stackPointer,
        ulong top,
        byte[] bytes,
        int argc,
        int envc,
        IReadOnlyList<AuxvEntry> auxv,
        ulong randomAddress,
        ulong? platformAddress,
        ulong execFnAddress,
        ulong stringsAddress)
    {
        StackPointer = stackPointer;
        Top = top;
        Bytes = bytes;
        Argc = argc;
        Envc = envc;
        Auxv = auxv;
        RandomAddress = randomAddress;
        PlatformAddress = platformAddress;
        ExecFnAddress = execFnAddress;
        StringsAddress = stringsAddress;
    }

    /// <summary>The initial rsp: 16-byte aligned, pointing at argc.</summary>
    public ulong StackPointer { get; }

    public ulong Top { get; }

    /// <summary>The stack contents for [StackPointer, Top).</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    public int Argc { get; }

    public int Envc { get; }

    /// <summary>The auxiliary vector as written, addresses resolved, ending with AT_NULL.</summary>
    public IReadOnlyList<AuxvEntry> Auxv { get; }

    public ulong ArgvAddress => StackPointer + 8;

    public ulong EnvpAddress => ArgvAddress + (((ulong)Argc + 1) * 8);

    public ulong AuxvAddress => EnvpAddress + (((ulong)Envc + 1) * 8);

    /// <summary>Where the 16 AT_RANDOM bytes are.</summary>
    public ulong RandomAddress { get; }

    /// <summary>Where the AT_PLATFORM string is, if one was placed.</summary>
    public ulong? PlatformAddress { get; }

    /// <summary>Where the AT_EXECFN string is.</summary>
    public ulong ExecFnAddress { get; }

    /// <summary>Where argv[0]'s string starts; the argv then envp strings follow contiguously.</summary>
    public ulong StringsAddress { get; }
}

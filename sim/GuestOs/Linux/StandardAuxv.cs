namespace HvSim.GuestOs.Linux;

/// <summary>The facts about a new process that its auxiliary vector reports.</summary>
public sealed record ProcessAuxvInfo
{
    /// <summary>AT_PHDR: where the program headers are in memory (load bias included).</summary>
    public required ulong ProgramHeaderAddress { get; init; }

    public required int ProgramHeaderEntrySize { get; init; }

    public required int ProgramHeaderCount { get; init; }

    /// <summary>AT_ENTRY: the program's entry point (load bias included).</summary>
    public required ulong Entry { get; init; }

    /// <summary>AT_BASE: the interpreter's load address; 0 for a static program.</summary>
    public ulong InterpreterBase { get; init; }

    /// <summary>AT_HWCAP: on x86 the CPUID.1:EDX feature bits.</summary>
    public ulong HardwareCapabilities { get; init; }

    /// <summary>AT_HWCAP2: x86 bit 1 (HWCAP2_FSGSBASE) says user code may use wrfsbase and friends.</summary>
    public ulong HardwareCapabilities2 { get; init; }

    public ulong PageSize { get; init; } = 4096;

    /// <summary>AT_CLKTCK: the times() tick rate (USER_HZ, 100 on every Linux build).</summary>
    public ulong ClockTicksPerSecond { get; init; } = 100;

    public uint Uid { get; init; }

    public uint EffectiveUid { get; init; }

    public uint Gid { get; init; }

    public uint EffectiveGid { get; init; }

    public bool Secure { get; init; }

    /// <summary>AT_MINSIGSTKSZ: bytes the kernel needs for a signal frame; omitted when null.</summary>
    public ulong? MinSignalStackSize { get; init; }
}

/// <summary>
/// The auxiliary vector an x86-64 Linux kernel gives a static program, in create_elf_tables'
/// order (a native static binary showed exactly this order, apart from AT_SYSINFO_EHDR, which
/// needs a vDSO HvSim does not map, and AT_RSEQ_*, which only matter if rseq is implemented).
/// </summary>
public static class StandardAuxv
{
    /// <summary>
    /// The entries without the AT_NULL terminator; AT_RANDOM, AT_EXECFN and AT_PLATFORM carry 0
    /// and are filled in by <see cref="InitialStack.Build"/>.
    /// </summary>
    public static IReadOnlyList<AuxvEntry> Create(ProcessAuxvInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var auxv = new List<AuxvEntry>();
        if (info.MinSignalStackSize is { } minSigStack)
        {
            auxv.Add(new(AuxvType.AT_MINSIGSTKSZ, minSigStack));
        }

        auxv.Add(new(AuxvType.AT_HWCAP, info.HardwareCapabilities));
        auxv.Add(new(AuxvType.AT_PAGESZ, info.PageSize));
        auxv.Add(new(AuxvType.AT_CLKTCK, info.ClockTicksPerSecond));
        auxv.Add(new(AuxvType.AT_PHDR, info.ProgramHeaderAddress));
        auxv.Add(new(AuxvType.AT_PHENT, (ulong)info.ProgramHeaderEntrySize));
        auxv.Add(new(AuxvType.AT_PHNUM, (ulong)info.ProgramHeaderCount));
        auxv.Add(new(AuxvType.AT_BASE, info.InterpreterBase));
        auxv.Add(new(AuxvType.AT_FLAGS, 0));
        auxv.Add(new(AuxvType.AT_ENTRY, info.Entry));
        auxv.Add(new(AuxvType.AT_UID, info.Uid));
        auxv.Add(new(AuxvType.AT_EUID, info.EffectiveUid));
        auxv.Add(new(AuxvType.AT_GID, info.Gid));
        auxv.Add(new(AuxvType.AT_EGID, info.EffectiveGid));
        auxv.Add(new(AuxvType.AT_SECURE, info.Secure ? 1UL : 0UL));
        auxv.Add(new(AuxvType.AT_RANDOM, 0));
        auxv.Add(new(AuxvType.AT_HWCAP2, info.HardwareCapabilities2));
        auxv.Add(new(AuxvType.AT_EXECFN, 0));
        auxv.Add(new(AuxvType.AT_PLATFORM, 0));
        return auxv;
    }
}

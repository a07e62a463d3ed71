namespace HvSim.GuestOs.Elf;

/// <summary>
/// A parsed and validated static x86-64 ELF64 executable: what the loader needs to map it and
/// to fill the auxiliary vector. Construct with <see cref="Parse"/>. All addresses are link-time
/// addresses; when <see cref="RequiresLoadBias"/> is true (static-pie) the loader adds its bias
/// to every one of them (entry, segments, TLS, program header address).
/// </summary>
public sealed class ElfImage
{
    /// <summary>
    /// End of the x86-64 user address space with 4-level paging (Linux TASK_SIZE_MAX,
    /// 2^47 - 4096). No segment may reach past it.
    /// </summary>
    public const ulong UserAddressLimit = 0x7fff_ffff_f000;

    /// <summary>
    /// Where Linux puts a position-independent executable when address-space randomisation is
    /// off (ELF_ET_DYN_BASE, 2/3 of TASK_SIZE, page aligned). A loader may use it as the bias.
    /// </summary>
    public const ulong DefaultPieBase = 0x5555_5555_4000;

    internal ElfImage(
        ElfFileType fileType,
        ulong entry,
        IReadOnlyList<ElfSegment> loadSegments,
        ElfSegment? tls,
        ElfSegmentFlags? gnuStackFlags,
        ulong programHeaderOffset,
        int programHeaderCount,
        ulong? programHeaderAddress)
    {
        FileType = fileType;
        Entry = entry;
        LoadSegments = loadSegments;
        Tls = tls;
        GnuStackFlags = gnuStackFlags;
        ProgramHeaderOffset = programHeaderOffset;
        ProgramHeaderCount = programHeaderCount;
        ProgramHeaderAddress = programHeaderAddress;
    }

    public ElfFileType FileType { get; }

    /// <summary>True for a static-pie (ET_DYN): the loader must choose a load bias.</summary>
    public bool RequiresLoadBias => FileType == ElfFileType.PositionIndependent;

    /// <summary>e_entry: where the first user instruction is.</summary>
    public ulong Entry { get; }

    /// <summary>The PT_LOAD segments in file order (which the parser checked is ascending by address).</summary>
    public IReadOnlyList<ElfSegment> LoadSegments { get; }

    /// <summary>The PT_TLS template, if any. Its bytes also lie inside a PT_LOAD segment.</summary>
    public ElfSegment? Tls { get; }

    /// <summary>p_flags of the last PT_GNU_STACK header (the one Linux honours), or null if none.</summary>
    public ElfSegmentFlags? GnuStackFlags { get; }

    /// <summary>
    /// Whether the stack should be executable. On 64-bit x86 Linux (5.8 and later) a missing
    /// PT_GNU_STACK no longer implies an executable stack; only PF_X in PT_GNU_STACK does.
    /// </summary>
    public bool ExecutableStack => GnuStackFlags is { } flags && (flags & ElfSegmentFlags.Execute) != 0;

    /// <summary>e_phoff: file offset of the program header table.</summary>
    public ulong ProgramHeaderOffset { get; }

    /// <summary>e_phnum, for AT_PHNUM.</summary>
    public int ProgramHeaderCount { get; }

    /// <summary>e_phentsize, for AT_PHENT (always sizeof(Elf64_Phdr) once parsed).</summary>
    public int ProgramHeaderEntrySize => ElfConstants.ProgramHeaderSize;

    /// <summary>
    /// Where the program header table appears in memory, for AT_PHDR: computed as Linux does,
    /// from the PT_LOAD whose file bytes contain e_phoff. Null when no segment maps it (Linux
    /// then passes AT_PHDR = 0; static glibc needs it to find PT_TLS).
    /// </summary>
    public ulong? ProgramHeaderAddress { get; }

    /// <summary>Lowest p_vaddr of any PT_LOAD segment.</summary>
    public ulong ImageStart => LoadSegments.Min(s => s.VirtualAddress);

    /// <summary>Highest p_vaddr + p_memsz of any PT_LOAD segment: where the program break starts (before page rounding).</summary>
    public ulong ImageEnd => LoadSegments.Max(s => s.EndAddress);

    /// <summary>
    /// Parses and validates <paramref name="file"/>. The returned segments view the array rather
    /// than copying it, so the caller must not modify it afterwards.
    /// </summary>
    /// <exception cref="ElfFormatException">The bytes are not a static x86-64 ELF64 executable.</exception>
    public static ElfImage Parse(byte[] file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return ElfParser.Parse(file);
    }
}

namespace HvSim.GuestOs.Elf;

/// <summary>
/// One validated program header (PT_LOAD or PT_TLS). Addresses are link-time addresses: for a
/// static-pie the loader adds its load bias. <see cref="FileData"/> is the p_filesz bytes at
/// p_offset (a view of the parsed file, not a copy); the bytes from FileSize to MemorySize are
/// zero-filled (.bss).
/// </summary>
public sealed record ElfSegment(
    int Index,
    ulong VirtualAddress,
    ulong FileOffset,
    ulong FileSize,
    ulong MemorySize,
    ElfSegmentFlags Flags,
    ulong Alignment,
    ReadOnlyMemory<byte> FileData)
{
    /// <summary>First address past the segment in memory (p_vaddr + p_memsz).</summary>
    public ulong EndAddress => VirtualAddress + MemorySize;

    public bool IsReadable => (Flags & ElfSegmentFlags.Read) != 0;

    public bool IsWritable => (Flags & ElfSegmentFlags.Write) != 0;

    public bool IsExecutable => (Flags & ElfSegmentFlags.Execute) != 0;
}

using System.Buffers.Binary;

namespace HvSim.GuestOs.Elf;

/// <summary>One raw Elf64_Phdr as read from the file, before any validation.</summary>
internal readonly record struct ElfProgramHeader(
    int Index,
    uint Type,
    uint Flags,
    ulong Offset,
    ulong VirtualAddress,
    ulong FileSize,
    ulong MemorySize,
    ulong Alignment)
{
    /// <summary>Reads entry <paramref name="index"/>; the caller has checked the table lies inside the file.</summary>
    public static ElfProgramHeader Read(ReadOnlySpan<byte> table, int index)
    {
        ReadOnlySpan<byte> p = table.Slice(index * ElfConstants.ProgramHeaderSize, ElfConstants.ProgramHeaderSize);
        return new ElfProgramHeader(
            index,
            BinaryPrimitives.ReadUInt32LittleEndian(p[ElfConstants.PType..]),
            BinaryPrimitives.ReadUInt32LittleEndian(p[ElfConstants.PFlags..]),
            BinaryPrimitives.ReadUInt64LittleEndian(p[ElfConstants.POffset..]),
            BinaryPrimitives.ReadUInt64LittleEndian(p[ElfConstants.PVaddr..]),
            BinaryPrimitives.ReadUInt64LittleEndian(p[ElfConstants.PFilesz..]),
            BinaryPrimitives.ReadUInt64LittleEndian(p[ElfConstants.PMemsz..]),
            BinaryPrimitives.ReadUInt64LittleEndian(p[ElfConstants.PAlign..]));
    }

    public ElfSegmentFlags Permissions => (ElfSegmentFlags)(Flags & ElfConstants.PfMask);
}

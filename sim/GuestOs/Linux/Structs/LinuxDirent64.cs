using System.Buffers.Binary;

namespace HvSim.GuestOs.Linux.Structs;

/// <summary>
/// struct linux_dirent64 as getdents64 writes it: d_ino (8), d_off (8), d_reclen (2), d_type (1),
/// then the NUL-terminated name, the record padded to a multiple of 8 bytes.
/// </summary>
public static class LinuxDirent64
{
    public const int NameOffset = 19;

    /// <summary>d_reclen of an entry whose name has <paramref name="nameBytes"/> bytes.</summary>
    public static int RecordLength(int nameBytes) => (NameOffset + nameBytes + 1 + 7) & ~7;

    /// <summary>Writes one entry at the start of <paramref name="destination"/> (RecordLength bytes, padding zeroed).</summary>
    public static void Write(Span<byte> destination, ulong inode, long nextOffset, byte type, ReadOnlySpan<byte> name)
    {
        int length = RecordLength(name.Length);
        Span<byte> d = destination[..length];
        d.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(d, inode);
        BinaryPrimitives.WriteInt64LittleEndian(d[8..], nextOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(d[16..], (ushort)length);
        d[18] = type;
        name.CopyTo(d[NameOffset..]);
    }
}

using System.Buffers.Binary;

namespace HvSim.GuestOs.Linux.Structs;

/// <summary>
/// struct stat as the x86-64 kernel writes it for stat/fstat/lstat/newfstatat (asm/stat.h;
/// 144 bytes, identical to glibc's). Padding (__pad0 at 36, __unused[3] at 120) is written as zero.
/// </summary>
public readonly record struct KernelStat
{
    public const int Size = 144;

    public const int StDevOffset = 0;
    public const int StInoOffset = 8;
    public const int StNlinkOffset = 16;
    public const int StModeOffset = 24;
    public const int StUidOffset = 28;
    public const int StGidOffset = 32;
    public const int StRdevOffset = 40;
    public const int StSizeOffset = 48;
    public const int StBlksizeOffset = 56;
    public const int StBlocksOffset = 64;
    public const int StAtimOffset = 72;
    public const int StMtimOffset = 88;
    public const int StCtimOffset = 104;

    public ulong Device { get; init; }

    public ulong Inode { get; init; }

    public ulong LinkCount { get; init; }

    /// <summary>st_mode: file type (FileConstants.S_IF*) and permission bits.</summary>
    public uint Mode { get; init; }

    public uint Uid { get; init; }

    public uint Gid { get; init; }

    public ulong RepresentedDevice { get; init; }

    public long FileSize { get; init; }

    public long BlockSize { get; init; }

    /// <summary>st_blocks: allocated size in 512-byte units.</summary>
    public long Blocks { get; init; }

    public Timespec AccessTime { get; init; }

    public Timespec ModificationTime { get; init; }

    public Timespec StatusChangeTime { get; init; }

    public void WriteTo(Span<byte> destination)
    {
        StructIo.RequireLength(destination.Length, Size, "struct stat");
        Span<byte> d = destination[..Size];
        d.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(d[StDevOffset..], Device);
        BinaryPrimitives.WriteUInt64LittleEndian(d[StInoOffset..], Inode);
        BinaryPrimitives.WriteUInt64LittleEndian(d[StNlinkOffset..], LinkCount);
        BinaryPrimitives.WriteUInt32LittleEndian(d[StModeOffset..], Mode);
        BinaryPrimitives.WriteUInt32LittleEndian(d[StUidOffset..], Uid);
        BinaryPrimitives.WriteUInt32LittleEndian(d[StGidOffset..], Gid);
        BinaryPrimitives.WriteUInt64LittleEndian(d[StRdevOffset..], RepresentedDevice);
        BinaryPrimitives.WriteInt64LittleEndian(d[StSizeOffset..], FileSize);
        BinaryPrimitives.WriteInt64LittleEndian(d[StBlksizeOffset..], BlockSize);
        BinaryPrimitives.WriteInt64LittleEndian(d[StBlocksOffset..], Blocks);
        AccessTime.WriteTo(d[StAtimOffset..]);
        ModificationTime.WriteTo(d[StMtimOffset..]);
        StatusChangeTime.WriteTo(d[StCtimOffset..]);
    }

    public static KernelStat ReadFrom(ReadOnlySpan<byte> source)
    {
        StructIo.RequireLength(source.Length, Size, "struct stat");
        return new KernelStat
        {
            Device = BinaryPrimitives.ReadUInt64LittleEndian(source[StDevOffset..]),
            Inode = BinaryPrimitives.ReadUInt64LittleEndian(source[StInoOffset..]),
            LinkCount = BinaryPrimitives.ReadUInt64LittleEndian(source[StNlinkOffset..]),
            Mode = BinaryPrimitives.ReadUInt32LittleEndian(source[StModeOffset..]),
            Uid = BinaryPrimitives.ReadUInt32LittleEndian(source[StUidOffset..]),
            Gid = BinaryPrimitives.ReadUInt32LittleEndian(source[StGidOffset..]),
            RepresentedDevice = BinaryPrimitives.ReadUInt64LittleEndian(source[StRdevOffset..]),
            FileSize = BinaryPrimitives.ReadInt64LittleEndian(source[StSizeOffset..]),
            BlockSize = BinaryPrimitives.ReadInt64LittleEndian(source[StBlksizeOffset..]),
            Blocks = BinaryPrimitives.ReadInt64LittleEndian(source[StBlocksOffset..]),
            AccessTime = Timespec.ReadFrom(source[StAtimOffset..]),
            ModificationTime = Timespec.ReadFrom(source[StMtimOffset..]),
            StatusChangeTime = Timespec.ReadFrom(source[StCtimOffset..]),
        };
    }
}

using System.Buffers.Binary;

namespace HvSim.GuestOs.Linux.Structs;

/// <summary>struct iovec (16 bytes): one buffer of readv/writev.</summary>
public readonly record struct IoVec(ulong Base, ulong Length)
{
    public const int Size = 16;

    public const int IovBaseOffset = 0;
    public const int IovLenOffset = 8;

    /// <summary>Most iovecs one readv/writev accepts (UIO_MAXIOV); more is EINVAL.</summary>
    public const int MaxCount = 1024;

    public void WriteTo(Span<byte> destination)
    {
        StructIo.RequireLength(destination.Length, Size, "struct iovec");
        BinaryPrimitives.WriteUInt64LittleEndian(destination[IovBaseOffset..], Base);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[IovLenOffset..], Length);
    }

    public static IoVec ReadFrom(ReadOnlySpan<byte> source)
    {
        StructIo.RequireLength(source.Length, Size, "struct iovec");
        return new(
            BinaryPrimitives.ReadUInt64LittleEndian(source[IovBaseOffset..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[IovLenOffset..]));
    }
}

using System.Buffers.Binary;

namespace HvSim.GuestOs.Linux.Structs;

/// <summary>struct timeval (x86-64, 16 bytes): gettimeofday.</summary>
public readonly record struct Timeval(long Seconds, long Microseconds)
{
    public const int Size = 16;

    public const int TvSecOffset = 0;
    public const int TvUsecOffset = 8;

    public void WriteTo(Span<byte> destination)
    {
        StructIo.RequireLength(destination.Length, Size, "struct timeval");
        BinaryPrimitives.WriteInt64LittleEndian(destination[TvSecOffset..], Seconds);
        BinaryPrimitives.WriteInt64LittleEndian(destination[TvUsecOffset..], Microseconds);
    }

    public static Timeval ReadFrom(ReadOnlySpan<byte> source)
    {
        StructIo.RequireLength(source.Length, Size, "struct timeval");
        return new(
            BinaryPrimitives.ReadInt64LittleEndian(source[TvSecOffset..]),
            BinaryPrimitives.ReadInt64LittleEndian(source[TvUsecOffset..]));
    }
}

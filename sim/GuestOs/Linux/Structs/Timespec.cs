using System.Buffers.Binary;

namespace HvSim.GuestOs.Linux.Structs;

/// <summary>struct timespec (x86-64, 16 bytes): clock_gettime, nanosleep, stat times.</summary>
public readonly record struct Timespec(long Seconds, long Nanoseconds)
{
    public const int Size = 16;

    public const int TvSecOffset = 0;
    public const int TvNsecOffset = 8;

    public static Timespec FromNanoseconds(ulong nanoseconds) =>
        new((long)(nanoseconds / 1_000_000_000), (long)(nanoseconds % 1_000_000_000));

    public void WriteTo(Span<byte> destination)
    {
        StructIo.RequireLength(destination.Length, Size, "struct timespec");
        BinaryPrimitives.WriteInt64LittleEndian(destination[TvSecOffset..], Seconds);
        BinaryPrimitives.WriteInt64LittleEndian(destination[TvNsecOffset..], Nanoseconds);
    }

    public static Timespec ReadFrom(ReadOnlySpan<byte> source)
    {
        StructIo.RequireLength(source.Length, Size, "struct timespec");
        return new(
            BinaryPrimitives.ReadInt64LittleEndian(source[TvSecOffset..]),
            BinaryPrimitives.ReadInt64LittleEndian(source[TvNsecOffset..]));
    }

    /// <summary>Whether tv_nsec is in 0..999,999,999, as the kernel demands of input (else EINVAL).</summary>
    public bool IsValid => Nanoseconds is >= 0 and < 1_000_000_000 && Seconds >= 0;
}

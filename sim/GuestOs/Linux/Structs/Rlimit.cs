using System.Buffers.Binary;

namespace HvSim.GuestOs.Linux.Structs;

/// <summary>struct rlimit (16 bytes): getrlimit/prlimit64.</summary>
public readonly record struct Rlimit(ulong Current, ulong Maximum)
{
    public const int Size = 16;

    public const int RlimCurOffset = 0;
    public const int RlimMaxOffset = 8;

    /// <summary>RLIM_INFINITY.</summary>
    public const ulong Infinity = ulong.MaxValue;

    public void WriteTo(Span<byte> destination)
    {
        StructIo.RequireLength(destination.Length, Size, "struct rlimit");
        BinaryPrimitives.WriteUInt64LittleEndian(destination[RlimCurOffset..], Current);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[RlimMaxOffset..], Maximum);
    }

    public static Rlimit ReadFrom(ReadOnlySpan<byte> source)
    {
        StructIo.RequireLength(source.Length, Size, "struct rlimit");
        return new(
            BinaryPrimitives.ReadUInt64LittleEndian(source[RlimCurOffset..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[RlimMaxOffset..]));
    }
}

/// <summary>Resource numbers for getrlimit/prlimit64 (asm-generic/resource.h).</summary>
public enum RlimitResource
{
    RLIMIT_CPU = 0,
    RLIMIT_FSIZE = 1,
    RLIMIT_DATA = 2,
    RLIMIT_STACK = 3,
    RLIMIT_CORE = 4,
    RLIMIT_RSS = 5,
    RLIMIT_NPROC = 6,
    RLIMIT_NOFILE = 7,
    RLIMIT_MEMLOCK = 8,
    RLIMIT_AS = 9,
    RLIMIT_LOCKS = 10,
    RLIMIT_SIGPENDING = 11,
    RLIMIT_MSGQUEUE = 12,
    RLIMIT_NICE = 13,
    RLIMIT_RTPRIO = 14,
    RLIMIT_RTTIME = 15,
}

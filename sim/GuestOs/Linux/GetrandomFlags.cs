namespace HvSim.GuestOs.Linux;

/// <summary>getrandom's flags (uapi/linux/random.h).</summary>
[Flags]
public enum GetrandomFlags : uint
{
    None = 0,

    /// <summary>Do not block when the pool is not initialised (it always is here).</summary>
    GRND_NONBLOCK = 0x1,

    /// <summary>Historically the blocking pool; since Linux 5.6 the same bytes as without it.</summary>
    GRND_RANDOM = 0x2,

    /// <summary>Return bytes even before the pool is initialised; contradicts GRND_RANDOM.</summary>
    GRND_INSECURE = 0x4,
}

using System.Diagnostics;

namespace HvSim.GuestOs.Kernel;

/// <summary>
/// A run's wall-clock limit (hvsim's --max-seconds). Guest time is instructions, so the limit is
/// host time, checked where it is cheap: between CPU exits and after every slice of
/// <see cref="InstructionsBetweenReads"/> instructions (a guest that never leaves user mode
/// still stops). The only system call that can take unbounded host time — a read of stdin that
/// waits for input — waits no longer than the time left (<see cref="TryRead"/>); every other one
/// does bounded work.
/// </summary>
public sealed class WallClockLimit
{
    /// <summary>About 5 to 10 ms of guest code at the interpreter's speed: one clock read each.</summary>
    public const long InstructionsBetweenReads = 1 << 20;

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimeSpan _limit;

    private WallClockLimit(TimeSpan limit)
    {
        _limit = limit;
    }

    /// <summary>A limit starting now, or null when there is none.</summary>
    public static WallClockLimit? Start(TimeSpan? limit) => limit is TimeSpan l ? new WallClockLimit(l) : null;

    /// <summary>The time is up.</summary>
    public bool Passed => _clock.Elapsed >= _limit;

    /// <summary>
    /// Reads from <paramref name="stream"/>, waiting at most until the limit passes: false when it
    /// passed first (the read is abandoned; the run is over).
    /// </summary>
    public bool TryRead(Stream stream, byte[] buffer, out int count)
    {
        Task<int> read = stream.ReadAsync(buffer, 0, buffer.Length);
        for (TimeSpan left = _limit - _clock.Elapsed; left > TimeSpan.Zero; left = _limit - _clock.Elapsed)
        {
            // The wait handle, not Task.Wait: a failed read should throw its own IOException, unwrapped.
            if (((IAsyncResult)read).AsyncWaitHandle.WaitOne(left))
            {
                count = read.GetAwaiter().GetResult();
                return true;
            }
        }
        count = 0;
        return false;
    }
}

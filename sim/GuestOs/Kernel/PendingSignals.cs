using HvSim.GuestOs.Linux;
using HvSim.GuestOs.Linux.Structs;

namespace HvSim.GuestOs.Kernel;

/// <summary>
/// Signals sent to a process and not yet delivered (struct sigpending in kernel/signal.c): a
/// bit per signal and the siginfo of each instance. A standard signal (1..31) that is already
/// pending is not queued again (legacy_queue); real-time ones queue, up to
/// <see cref="QueueLimit"/> instances.
/// </summary>
public sealed class PendingSignals
{
    /// <summary>
    /// How many instances may wait at once. Linux bounds the queue by RLIMIT_SIGPENDING (a few
    /// tens of thousands); a smaller fixed bound keeps a guest from growing the host's heap.
    /// </summary>
    public const int QueueLimit = 4096;

    // The signals the kernel dequeues first when several are pending (SYNCHRONOUS_MASK in
    // kernel/signal.c), so a fault is handled before an unrelated asynchronous signal.
    private static readonly ulong s_synchronous =
        SignalFacts.MaskBit(Signal.SIGSEGV) | SignalFacts.MaskBit(Signal.SIGBUS) | SignalFacts.MaskBit(Signal.SIGILL)
        | SignalFacts.MaskBit(Signal.SIGTRAP) | SignalFacts.MaskBit(Signal.SIGFPE) | SignalFacts.MaskBit(Signal.SIGSYS);

    private readonly List<SigInfo> _queue = [];

    /// <summary>The pending set: bit n-1 for signal n.</summary>
    public ulong Mask { get; private set; }

    public bool IsPending(int signal) => (Mask & SignalFacts.MaskBit(signal)) != 0;

    /// <summary>Queues one instance; false when the queue is full (the sender gets EAGAIN).</summary>
    public bool Add(in SigInfo info)
    {
        int signal = info.Signo;
        if (signal < SignalFacts.FirstRealTimeSignal && IsPending(signal))
        {
            return true; // a standard signal is pending at most once: the new one merges with it
        }
        if (_queue.Count >= QueueLimit)
        {
            return false;
        }
        _queue.Add(info);
        Mask |= SignalFacts.MaskBit(signal);
        return true;
    }

    /// <summary>Drops every pending instance of <paramref name="signal"/> (SIGCONT discards pending stop signals and vice versa).</summary>
    public void Discard(int signal)
    {
        if (IsPending(signal))
        {
            _queue.RemoveAll(i => i.Signo == signal);
            Mask &= ~SignalFacts.MaskBit(signal);
        }
    }

    /// <summary>
    /// Takes the instance the kernel would deliver next among those not in <paramref name="blocked"/>
    /// (next_signal: a synchronous signal first, then the lowest number; the oldest instance of it).
    /// </summary>
    public bool TryTake(ulong blocked, out SigInfo info)
    {
        ulong deliverable = Mask & ~blocked;
        if (deliverable == 0)
        {
            info = default;
            return false;
        }
        ulong pick = (deliverable & s_synchronous) != 0 ? deliverable & s_synchronous : deliverable;
        int signal = System.Numerics.BitOperations.TrailingZeroCount(pick) + 1;
        int index = _queue.FindIndex(i => i.Signo == signal);
        info = _queue[index];
        _queue.RemoveAt(index);
        if (_queue.FindIndex(i => i.Signo == signal) < 0)
        {
            Mask &= ~SignalFacts.MaskBit(signal);
        }
        return true;
    }
}

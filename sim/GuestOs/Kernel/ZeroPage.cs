using HvSim.Core;
using HvSim.Mmu;

namespace HvSim.GuestOs.Kernel;

/// <summary>
/// The kernel's shared zero page (Linux's ZERO_PAGE, empty_zero_page): a read of private anonymous
/// memory that was never written maps this one frame read-only instead of a frame of its own, so
/// reading costs no memory; the first write replaces it with a fresh page (do_wp_page's copy).
/// Linux 2.6.18, the paper's guest, did this in do_anonymous_page. One frame for the whole kernel,
/// taken on first use (so runs that never read untouched memory keep their frame numbers) and
/// never freed: no mapping of it may ever be writable.
/// </summary>
public sealed class ZeroPage
{
    private readonly FrameAllocator _frames;
    private Frame? _frame;

    public ZeroPage(FrameAllocator frames)
    {
        _frames = frames;
    }

    /// <summary>The zero frame, taken now if this is its first use; null when memory is exhausted.</summary>
    public Frame? Get() => _frame ??= _frames.TryAllocate();

    /// <summary>True once the zero frame has been taken (it then stays taken: one frame in use).</summary>
    public bool Taken => _frame is not null;

    /// <summary>True when <paramref name="frame"/> is the zero frame (never to be written or freed).</summary>
    public bool Is(Frame frame) => _frame is Frame zero && zero.Number == frame.Number;

    /// <summary>True when the leaf entry <paramref name="entry"/> maps the zero frame.</summary>
    public bool Maps(ulong entry) => _frame is Frame zero && PteFormat.Address(entry) == zero.Base.Value;
}

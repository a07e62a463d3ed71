using HvSim.Core;
using HvSim.Mmu;

namespace HvSim.Hypervisor;

/// <summary>
/// The shadow pool: shadow tables come from a fixed number of the hypervisor's frames, so a guest
/// that touches pages sparsely (one new shadow table per page) costs the host a bounded amount.
/// Before a fill adds tables there must be room for them; when there is not, every shadow of
/// every address space is dropped and the TLB flushed, and the shadows are rebuilt fault by fault
/// from the guest's tables — Xen's shadow_prealloc, falling back to shadow_blow_tables.
/// </summary>
public sealed partial class ShadowPager
{
    /// <summary>The most tables one fill adds below an existing root (a PDPT, a page directory and a page table).</summary>
    private const int TablesPerFill = 3;

    /// <summary>
    /// The most pages one instruction needs mapped at once: an instruction and two memory operands
    /// (movs), each straddling two pages, and the stack (push [mem] straddling, call [mem]).
    /// </summary>
    private const int PagesPerInstruction = 8;

    /// <summary>
    /// The smallest pool: a root and every table of every page one instruction needs. An eviction
    /// leaves only the current root, so the fills that follow always complete the instruction
    /// that faulted (a smaller pool could drop its first page while filling its last, forever).
    /// </summary>
    public const long MinPoolFrames = 1 + (TablesPerFill * PagesPerInstruction);

    /// <summary>The fewest fills between forced evictions: enough for any one instruction's pages, for the same reason.</summary>
    public const int MinFillsBetweenEvictions = PagesPerInstruction + 1;

    private readonly int _evictEveryFills;
    private long _fills;

    /// <summary>How many frames the shadow tables may hold.</summary>
    public long PoolFrames { get; }

    /// <summary>Frames the shadow tables hold now.</summary>
    public long PoolFramesInUse => _machine.HypervisorFrames.InUse;

    /// <summary>The most frames the shadow tables have held at once.</summary>
    public long PeakPoolFramesInUse { get; private set; }

    /// <summary>How many times every shadow was dropped for want of room.</summary>
    public long Evictions { get; private set; }

    private static (long Pool, int EvictEvery) PoolSize(Machine machine, PlatformOptions options)
    {
        long pool = options.ShadowPoolFrames ?? machine.HypervisorFrameCount;
        if (pool < MinPoolFrames || pool > machine.HypervisorFrameCount)
        {
            throw new ArgumentOutOfRangeException(nameof(options),
                $"a shadow pool of {pool} frames: it needs {MinPoolFrames} to {machine.HypervisorFrameCount} (the hypervisor's share of this machine)");
        }
        if (options.ShadowEvictEveryFills != 0 && options.ShadowEvictEveryFills < MinFillsBetweenEvictions)
        {
            throw new ArgumentOutOfRangeException(nameof(options),
                $"forced evictions every {options.ShadowEvictEveryFills} fills: at least {MinFillsBetweenEvictions} are needed between them");
        }
        return (pool, options.ShadowEvictEveryFills);
    }

    /// <summary>
    /// Makes room for <paramref name="frames"/> more tables, evicting every shadow when the pool
    /// cannot hold them (or, with forced evictions, when a fill's turn has come).
    /// </summary>
    private void Reserve(int frames, bool fill = false)
    {
        bool forced = fill && _evictEveryFills != 0 && ++_fills % _evictEveryFills == 0;
        if (forced || PoolFramesInUse + frames > PoolFrames)
        {
            Evict(forced);
        }
    }

    private void NotePeak() => PeakPoolFramesInUse = Math.Max(PeakPoolFramesInUse, PoolFramesInUse);

    /// <summary>
    /// Drops every shadow table of every address space. A D bit in a shadow entry is the only
    /// record of the writes made through it (Scanxen reads it), so each dirty entry is reported
    /// leaving first, as when one entry is dropped (<see cref="ReportIfDirty"/>). Protection
    /// needs nothing: every refill asks <see cref="KeepReadOnly"/> again. The current address
    /// space gets an empty root at once, and the TLB is flushed with the CR3 load.
    /// </summary>
    private void Evict(bool forced)
    {
        int entries = 0, dirty = 0;
        foreach (List<Derived> list in _derived.Values)
        {
            foreach (Derived d in list)
            {
                GuestPhysical? at = _tables.LeafEntryAddress(d.Root, d.Va, create: false);
                if (at is not null && ReportIfDirty(d.Root, d.Va, _machine.Memory.ReadU64(at.Value)))
                {
                    dirty++;
                }
                entries++;
            }
        }
        _derived.Clear();
        long tables = PoolFramesInUse;
        foreach (ulong root in _roots.Values)
        {
            _tables.FreeTables(root);
        }
        _roots.Clear();
        _guestOfRoot.Clear();
        Evictions++;
        _machine.Ledger.Add(EventKind.ShadowEviction, Layer.Hypervisor, !_machine.Ledger.IsTracing ? null
            : new TraceData(forced
                ? "shadow pool evicted (forced by the test's knob): every shadow dropped ({tables} tables, {entries} entries, {dirty} dirty reported)"
                : "shadow pool full ({tables} of {count} frames): every shadow dropped ({tables} tables, {entries} entries, {dirty} dirty reported)")
            {
                Tables = tables,
                Count = PoolFrames,
                Entries = entries,
                Dirty = dirty,
            });
        if (_guestCr3 != 0)
        {
            _machine.Mmu.LoadCr3(ShadowRootFor(_guestCr3));
        }
        else
        {
            _machine.Mmu.FlushTlb();
        }
        _machine.Ledger.Add(EventKind.TlbFlush, Layer.Hypervisor,
            !_machine.Ledger.IsTracing ? null : new TraceData("whole TLB flushed: no translation may outlive the shadows it came from"));
    }
}

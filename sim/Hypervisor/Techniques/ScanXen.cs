using HvSim.Core;
using HvSim.Mmu;

namespace HvSim.Hypervisor.Techniques;

/// <summary>
/// Scanxen (paper Section IV.D; shadow paging only): nothing is protected, the MMU sets D in the
/// shadow entries of the pages written, and at each cycle's end the hypervisor walks the CDA's
/// shadow PTEs, lists the dirty pages in the application's record, clears their D bits and
/// flushes the TLB. The flush is not optional: a TLB entry cached while the page was dirty lets
/// later writes through without a walk, and the CPU does not set D again for them (SDM Vol. 3A
/// 4.10.4.3: after D is changed from 1 to 0 without an invalidation, the processor may not set it
/// on a later write), so those writes would go unrecorded. (A scan that cleared nothing needs no flush: no translation cached from a
/// clean entry lets a write through without a walk.) Cost: one PteScan per CDA page, plus a
/// PteUpdate and a DirtyLogAppend per dirty page and one TlbFlush per scan that found any.
/// </summary>
public sealed class ScanXen
{
    private readonly Machine _machine;
    private readonly ShadowPager _shadow;
    private readonly RecordBuffer _record;

    internal ScanXen(Machine machine, ShadowPager shadow, RecordBuffer record)
    {
        _machine = machine;
        _shadow = shadow;
        _record = record;
    }

    /// <summary>
    /// Flush the TLB after clearing D bits. Only a test turns it off, to show the write a cached
    /// dirty translation lets through unrecorded.
    /// </summary>
    internal bool FlushAfterClear { get; set; } = true;

    private EventLedger Ledger => _machine.Ledger;

    /// <summary>At registration: the CDA's D bits are cleared without listing, so the first scan sees only writes made after it.</summary>
    internal void OnRegistered(HvProcess process, Registration registration) => Scan(process, registration, list: false);

    /// <summary>CycleBegin: the record starts empty; nothing is protected.</summary>
    internal long CycleBegin(HvProcess process, Registration registration)
    {
        registration.FirstCycle = false;
        return _record.TryResetCounters(process, registration) ? 0 : -XenHypervisor.EFAULT;
    }

    /// <summary>CycleEnd: collect and clear the D bits, list the dirty pages, flush.</summary>
    internal long CycleEnd(HvProcess process, Registration registration)
    {
        Scan(process, registration, list: true);
        return 0;
    }

    /// <summary>A dirty shadow entry of a CDA page is leaving (dropped or remapped): the page stays dirty for the next scan.</summary>
    internal static void OnDirtyEntryLeaving(Registration registration, ulong page)
    {
        if (registration.ContainsPage(page))
        {
            registration.Mark(registration.PageIndex(page));
        }
    }

    private void Scan(HvProcess process, Registration registration, bool list)
    {
        PhysicalMemory memory = _machine.Memory;
        int cleared = 0;
        bool lost = false;
        // One PteScan per CDA page, recorded as one step (a trace of a large CDA stays readable).
        Ledger.Add(EventKind.PteScan, Layer.Hypervisor, registration.CdaPages, !Ledger.IsTracing ? null
            : new TraceData(list ? "Scanxen: the CDA's {count} shadow PTEs examined for D" : "Scanxen: the CDA's {count} shadow PTEs examined for D (at registration, to start clean)")
            {
                Count = registration.CdaPages,
            });
        // The CDA's shadow entries in address order, walked beside the pages: one entry read per
        // page (a walk from the root for each was four). Clearing D rewrites entries, never tables.
        LeafSlotWalk slots = _shadow.ShadowLeafSlots(process.Cr3, registration.PageAddress(0), registration.PageAddress(registration.CdaPages));
        bool more = slots.MoveNext();
        for (int i = 0; i < registration.CdaPages; i++)
        {
            ulong page = registration.PageAddress(i);
            bool isDirty = registration.IsMarked(i);
            registration.Unmark(i);
            while (more && slots.Current.VirtualAddress < page)
            {
                more = slots.MoveNext();
            }
            GuestPhysical? at = more && slots.Current.VirtualAddress == page ? slots.Current.At : null;
            ulong entry = at is null ? 0 : memory.ReadU64(at.Value);
            if (PteFormat.Has(entry, Pte.P | Pte.D))
            {
                ulong clean = entry & ~(ulong)Pte.D;
                memory.WriteU64(at!.Value, clean);
                cleared++;
                isDirty = true;
                Ledger.Add(EventKind.PteUpdate, Layer.Hypervisor, !Ledger.IsTracing ? null
                    : new TraceData("shadow PTE for {page}: D cleared ({pte_after})") { Page = page, PteBefore = entry, PteAfter = clean });
            }
            if (isDirty && list)
            {
                lost |= !_record.TryAppendPage(process, registration, page);
            }
        }
        if (lost)
        {
            _record.TryMarkLost(process, registration);
        }
        if (cleared > 0 && FlushAfterClear)
        {
            _machine.Mmu.FlushTlb();
            Ledger.Add(EventKind.TlbFlush, Layer.Hypervisor, !Ledger.IsTracing ? null
                : new TraceData(cleared == 1 ? "Scanxen: {count} D bit cleared in the CDA's shadow PTEs, whole TLB flushed" : "Scanxen: {count} D bits cleared in the CDA's shadow PTEs, whole TLB flushed")
                {
                    Count = cleared,
                });
        }
    }
}

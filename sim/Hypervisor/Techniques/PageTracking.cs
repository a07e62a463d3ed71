using HvSim.Core;

namespace HvSim.Hypervisor.Techniques;

/// <summary>
/// Page tracking in the hypervisor, shared by PTxen (every first write of a page in a cycle) and
/// Emulxen (a write the engine cannot emulate): list the page in the application's record, mark
/// it writable this cycle, give its entry write permission back and drop its TLB entry; and at a
/// cycle's start, take the permission away again.
/// </summary>
internal sealed class PageTracking
{
    /// <summary>
    /// Most pages re-protected with one invalidation each; beyond, one full flush. Xen can do
    /// either (update_va_mapping's UVMF_INVLPG and UVMF_TLB_FLUSH); the hypervisor knows every
    /// re-protected page's virtual address from the record, so it invalidates them one by one as
    /// long as that is cheaper, with the ceiling Linux uses for the same choice
    /// (tlb_single_page_flush_ceiling), so both layers switch at the same point.
    /// </summary>
    public const int SinglePageFlushCeiling = 33;

    private readonly Machine _machine;
    private readonly ICdaPageTables _tables;
    private readonly RecordBuffer _record;
    private readonly List<int> _targets = [];
    private readonly List<ulong> _listed = [];
    private readonly List<ulong> _changed = [];

    public PageTracking(Machine machine, ICdaPageTables tables, RecordBuffer record)
    {
        _machine = machine;
        _tables = tables;
        _record = record;
    }

    private EventLedger Ledger => _machine.Ledger;

    /// <summary>
    /// Tracks the claimed page for the rest of the cycle. False when the record could not take it
    /// (it is then marked lost if it can be written at all, so COMMIT refuses it; the caller counts
    /// the fault under a "lost" subkind): the page is made
    /// writable anyway, because leaving it protected would fault forever — the guest kernel sees a
    /// present entry and takes such a fault for a spurious one.
    /// </summary>
    /// <param name="fallback">An emulation fallback: the page's words logged so far are dropped (the whole page supersedes them) and fallbacks is counted.</param>
    public bool Track(FaultClaim claim, bool fallback)
    {
        (HvProcess process, Registration registration, ulong page, bool user) = claim;
        bool listed = (!fallback || _record.TryDropWordsOf(process, registration, page))
            && _record.TryAppendPage(process, registration, page)
            && (!fallback || _record.TryCountFallback(process, registration));
        if (!listed)
        {
            _record.TryMarkLost(process, registration);
        }
        registration.Mark(registration.PageIndex(page));
        _tables.Unprotect(process, page, user);
        _machine.Mmu.InvalidatePage(page);
        Ledger.Add(EventKind.TlbFlushPage, Layer.Hypervisor, !Ledger.IsTracing ? null : new TraceData("invlpg {page}") { Page = page });
        return listed;
    }

    /// <summary>
    /// Test only: a deliberately broken technique, which the ground-truth audit must catch. When
    /// set, the next cycle start after the first leaves one page of last cycle's record writable
    /// (and unmarked, so nothing lists it when it is written again), then the switch clears itself.
    /// </summary>
    internal bool SkipOneReprotect { get; set; }

    /// <summary>
    /// CycleBegin of PTxen and Emulxen: write-protect every CDA page at the first cycle, else the
    /// pages listed in the record (each checked to be a page of the CDA that was writable), then
    /// any page still marked writable (a record the application damaged must not leave a page
    /// untracked); clear their bits; flush; zero the record's counters. Returns 0 or -EFAULT when
    /// the record could not be read or reset (the protection is done all the same).
    /// </summary>
    public long Reprotect(HvProcess process, Registration registration)
    {
        bool skipOne = SkipOneReprotect && !registration.FirstCycle;
        // Reused from cycle to cycle: CycleBegin allocates nothing in the steady state.
        List<int> targets = _targets;
        targets.Clear();
        bool recordOk = true;
        if (registration.FirstCycle)
        {
            registration.FirstCycle = false;
            for (int i = 0; i < registration.CdaPages; i++)
            {
                targets.Add(i);
            }
        }
        else
        {
            recordOk = _record.TryReadPages(process, registration, _listed);
            foreach (ulong page in _listed)
            {
                if ((page & PageGeometry.PageMask) == 0 && registration.ContainsPage(page) && registration.IsMarked(registration.PageIndex(page)))
                {
                    targets.Add(registration.PageIndex(page));
                    registration.Unmark(registration.PageIndex(page));
                }
            }
            for (int i = registration.NextMarked(0); i >= 0; i = registration.NextMarked(i + 1))
            {
                targets.Add(i);
                registration.Unmark(i);
            }
        }
        List<ulong> changed = _changed;
        changed.Clear();
        foreach (int index in targets)
        {
            ulong page = registration.PageAddress(index);
            if (skipOne)
            {
                skipOne = SkipOneReprotect = false; // the deliberate bug: this page stays writable and untracked
                continue;
            }
            if (_tables.Protect(process, page))
            {
                changed.Add(page);
            }
        }
        Flush(changed);
        recordOk &= _record.TryResetCounters(process, registration);
        return recordOk ? 0 : -XenHypervisor.EFAULT;
    }

    private void Flush(List<ulong> pages)
    {
        if (pages.Count > SinglePageFlushCeiling)
        {
            _machine.Mmu.FlushTlb();
            Ledger.Add(EventKind.TlbFlush, Layer.Hypervisor, !Ledger.IsTracing ? null
                : new TraceData("{count} CDA pages write-protected: whole TLB flushed") { Count = pages.Count });
            return;
        }
        foreach (ulong page in pages)
        {
            _machine.Mmu.InvalidatePage(page);
            Ledger.Add(EventKind.TlbFlushPage, Layer.Hypervisor, !Ledger.IsTracing ? null : new TraceData("invlpg {page}") { Page = page });
        }
    }
}

using HvSim.Core;

namespace HvSim.Hypervisor.Techniques;

/// <summary>
/// PTxen (paper Section IV.A, Figure 5): page tracking in the hypervisor's page-fault handler. A
/// write to a protected CDA page lists the page in the application's record, makes it writable
/// and invalidates its TLB entry; the faulting store is restarted and succeeds, and the rest of
/// the cycle writes the page freely. The guest kernel never runs. CycleBegin re-protects the
/// pages listed last cycle (every CDA page at the first).
/// </summary>
public sealed class PtXen
{
    private readonly EventLedger _ledger;
    private readonly PageTracking _tracking;

    internal PtXen(EventLedger ledger, PageTracking tracking)
    {
        _ledger = ledger;
        _tracking = tracking;
    }

    /// <summary>Events: DirtyLogAppend, PteUpdate, TlbFlushPage, FaultHandled (all hypervisor).</summary>
    internal void OnWriteFault(FaultClaim claim)
    {
        bool listed = _tracking.Track(claim, fallback: false);
        TraceData? detail = !_ledger.IsTracing ? null
            : new TraceData(listed
                ? "PTxen: page {page} of the CDA listed and made writable for this cycle"
                : "PTxen: page {page} of the CDA could not be listed (record marked lost) and made writable for this cycle")
            {
                Page = claim.Page,
            };
        if (listed)
        {
            _ledger.Add(EventKind.FaultHandled, Layer.Hypervisor, detail);
        }
        else
        {
            _ledger.AddSubkind(EventKind.FaultHandled, Layer.Hypervisor, "ptxen-lost", detail);
        }
    }

    internal long CycleBegin(HvProcess process, Registration registration) => _tracking.Reprotect(process, registration);
}

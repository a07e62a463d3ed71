using HvSim.Core;
using HvSim.Mmu;

namespace HvSim.Hypervisor.Techniques;

/// <summary>
/// Shadow paging (xen-shadow): the MMU walks the hypervisor's shadows, so a CDA page is protected
/// in its shadow entry and the guest's tables keep saying what the guest meant. A page without a
/// shadow entry needs nothing now: the entry will be filled read-only (the shadow pager asks the
/// techniques at every fill and propagation).
/// </summary>
internal sealed class ShadowCdaPageTables : ICdaPageTables
{
    private readonly GuestVirtualMemory _memory;
    private readonly ShadowPager _shadow;
    private readonly EventLedger _ledger;

    public ShadowCdaPageTables(GuestVirtualMemory memory, ShadowPager shadow, EventLedger ledger)
    {
        _memory = memory;
        _shadow = shadow;
        _ledger = ledger;
    }

    public bool GuestAllowsWrite(HvProcess process, ulong page, bool user)
    {
        GuestLeaf leaf = _memory.Inspect(process.Cr3, page);
        return leaf.Present && (!user || leaf.User) && leaf.Writable;
    }

    public bool Protect(HvProcess process, ulong page)
    {
        GuestPhysical? at = _shadow.ShadowLeafEntry(process.Cr3, page);
        if (at is null)
        {
            return false;
        }
        ulong entry = _memory.Physical.ReadU64(at.Value);
        if (!PteFormat.Has(entry, Pte.P) || !PteFormat.Has(entry, Pte.RW))
        {
            return false;
        }
        ulong value = entry & ~(ulong)Pte.RW;
        _memory.Physical.WriteU64(at.Value, value);
        _ledger.Add(EventKind.PteUpdate, Layer.Hypervisor, !_ledger.IsTracing ? null
            : new TraceData("shadow PTE for {page} write-protected: {pte_after}") { Page = page, PteBefore = entry, PteAfter = value });
        return true;
    }

    /// <summary>
    /// Refills the shadow entry for a write, as Xen's shadow fault handler propagates a guest
    /// entry on a write fault: the guest walk sets the guest's D, the shadow entry is made writable
    /// (and dirty, a write being under way). The page's bit is already set, so no filter interferes.
    /// </summary>
    public void Unprotect(HvProcess process, ulong page, bool user)
    {
        if (_shadow.GuestCr3 != process.Cr3)
        {
            throw new InvalidOperationException("a shadow entry is only made writable for the process whose address space is loaded");
        }
        _shadow.TryFill(page, AccessKind.Write, user, out _);
    }
}

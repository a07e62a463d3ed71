using HvSim.Core;
using HvSim.Mmu;

namespace HvSim.Hypervisor.Techniques;

/// <summary>
/// Direct paging (xen-pv): the guest's page tables are the hardware's, so the hypervisor protects
/// a CDA page by clearing RW in the guest's own leaf. It marks such an entry with a bit the
/// processor ignores (bit 52, one of the PTE bits the SDM leaves to software; the simulated
/// kernel uses none of them), so that a write fault on it is known to be the hypervisor's doing
/// and not the application's own mprotect — the guest kernel reads the same entry and would
/// otherwise take the fault for a spurious one.
/// </summary>
internal sealed class PvCdaPageTables : ICdaPageTables
{
    /// <summary>The hypervisor cleared RW in this entry; the guest meant it writable.</summary>
    public const ulong HypervisorReadOnly = 1UL << 52;

    private readonly GuestVirtualMemory _memory;
    private readonly EventLedger _ledger;

    public PvCdaPageTables(GuestVirtualMemory memory, EventLedger ledger)
    {
        _memory = memory;
        _ledger = ledger;
    }

    /// <summary>The entry the guest asked for, write-protected by the hypervisor.</summary>
    public static ulong Protected(ulong entry) => (entry & ~(ulong)Pte.RW) | HypervisorReadOnly;

    public bool GuestAllowsWrite(HvProcess process, ulong page, bool user)
    {
        GuestLeaf leaf = _memory.Inspect(process.Cr3, page);
        return leaf.Present && (!user || leaf.User) && leaf.UpperWritable
            && (PteFormat.Has(leaf.Entry, Pte.RW) || (leaf.Entry & HypervisorReadOnly) != 0);
    }

    public bool Protect(HvProcess process, ulong page)
    {
        GuestLeaf leaf = _memory.Inspect(process.Cr3, page);
        if (!leaf.Present || !PteFormat.Has(leaf.Entry, Pte.RW))
        {
            return false;
        }
        Update(leaf, Protected(leaf.Entry), page, "write-protected");
        return true;
    }

    public void Unprotect(HvProcess process, ulong page, bool user)
    {
        GuestLeaf leaf = _memory.Inspect(process.Cr3, page);
        if (leaf.Present && (leaf.Entry & HypervisorReadOnly) != 0)
        {
            Update(leaf, (leaf.Entry | (ulong)Pte.RW) & ~HypervisorReadOnly, page, "made writable");
        }
    }

    private void Update(GuestLeaf leaf, ulong value, ulong page, string what)
    {
        _memory.Physical.WriteU64(new GuestPhysical(leaf.EntryAddress), value);
        _ledger.Add(EventKind.PteUpdate, Layer.Hypervisor, !_ledger.IsTracing ? null
            : new TraceData("guest PTE for {page} " + what + ": {pte_after}") { Page = page, PteAddress = leaf.EntryAddress, PteBefore = leaf.Entry, PteAfter = value });
    }
}

using HvSim.Core;
using HvSim.Mmu;

namespace HvSim.Hypervisor;

/// <summary>
/// The trace steps of a guest kernel's plain store to one of its page-table pages, which the
/// hypervisor keeps read-only (xen-pv's trapped writes, ptwr; every PTE store under shadow paging):
/// the CPU's #PF, then the hypervisor taking it. One home for both platforms' wording.
/// </summary>
internal static class PageTableStoreTrace
{
    /// <summary>The CPU's #PF: a present, write, supervisor-mode fault on the page-table page.</summary>
    public static TraceData Fault(GuestPhysical entryAddress, ulong virtualAddress) =>
        new("#PF: kernel store to write-protected page-table page {pte_address} (PTE for {page})")
        {
            RaisedByCpu = true,
            Vector = TraceFault.PageFaultVector,
            ErrorCode = (uint)(PageFaultErrorCode.Present | PageFaultErrorCode.Write),
            PteAddress = entryAddress.Value,
            Page = virtualAddress,
        };

    /// <summary>The hypervisor's entry for it.</summary>
    public static TraceData Trap(GuestPhysical entryAddress, ulong virtualAddress) =>
        new("#PF: guest kernel store to its write-protected page table (PTE for {page})")
        {
            Entry = TraceEntry.PageTableWrite,
            PteAddress = entryAddress.Value,
            Page = virtualAddress,
        };
}

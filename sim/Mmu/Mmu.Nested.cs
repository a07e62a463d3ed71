using HvSim.Core;

namespace HvSim.Mmu;

/// <summary>
/// The MMU under VT-x with EPT (Intel SDM Vol. 3C, 29.3 and 29.4): two-dimensional walks, and a
/// TLB of combined translations (guest-linear to host-physical, 29.4.1) in the ordinary entry
/// layout: an entry's permissions are the guest's, and it is "dirty" only when both the guest
/// leaf and the EPT leaf are dirty and the EPT allows the write, so that any write that must set
/// an EPT D bit, log a page or meet an EPT write protection walks again. Nothing here runs
/// without <see cref="Nested"/>: the native and Xen platforms take none of these paths.
/// </summary>
public sealed unsafe partial class Mmu
{
    // Pages whose current TLB entry came from an SPP leaf, by virtual page number, with their
    // guest-physical page: a write hit on them checks the sub-page permissions instead of walking
    // (the permissions are cached with the translation, SDM 29.4.1; the hypervisor's unprotection
    // only widens them, and it invalidates with invept when it narrows them).
    private Dictionary<ulong, ulong>? _subPagePages;

    /// <summary>The second dimension (VT-x with EPT), or null on the native and Xen platforms.</summary>
    public NestedPaging? Nested { get; private set; }

    /// <summary>
    /// The span of bytes that share their write permission: a page, or a 128-byte sub-page
    /// while sub-page permissions are in use. Host-pointer runs (string instructions) stop at it.
    /// </summary>
    public int AccessGranule => Nested is { SubPagesInUse: true } ? NestedPaging.SubPageBytes : PageGeometry.PageSize;

    /// <summary>Turns EPT on (VM entry with "enable EPT"): from now on every access is translated in two dimensions.</summary>
    public void EnableNestedPaging(NestedPaging nested)
    {
        Nested = nested;
        _subPagePages = new Dictionary<ulong, ulong>();
        FlushTlb();
    }

    /// <summary>
    /// invept, all-context (SDM Vol. 3C, 29.4.3.1 and the INVEPT reference in Vol. 3C 31.3): drops
    /// every combined translation derived from the EPT, so changed EPT entries take effect.
    /// </summary>
    public void Invept() => FlushTlb();

    private PhysicalFrame? WalkNested(ulong va, ulong vpn, AccessKind access, bool user, out MemoryFault fault)
    {
        NestedPaging nested = Nested!;
        if (!Walker.TryWalk(Cr3, va, access, user, out Translation t, out fault, nested))
        {
            InvalidatePage(va);
            return null;
        }
        EptTranslation e = nested.Translate(t.PhysicalPage | (va & PageGeometry.PageMask), access, va);
        if (e.NewlyDirty && access == AccessKind.Write && nested.EpmlCr3 == Cr3)
        {
            LogGuestVirtual(nested, va);
        }
        PhysicalFrame frame = Memory.GetOrCreate(new Frame(e.HostPhysical >> PageGeometry.PageShift));
        if (access == AccessKind.Write)
        {
            Memory.NoteWrite(frame);
        }
        AdoptForAudit(va, frame);
        if (EpteFormat.Has(e.Leaf, Epte.Spp))
        {
            _subPagePages![vpn] = t.PhysicalPage;
        }
        else
        {
            _subPagePages!.Remove(vpn);
        }
        // The combined entry maps 4 KiB whatever the guest's page size: the EPT maps 4 KiB pages.
        bool dirty = t.Dirty && e.WritesFreely;
        Fill(vpn, t, frame, dirty, vpn, 1);
        return frame;
    }

    /// <summary>A write through a cached entry of an SPP page: allowed without a walk when its sub-page is writable.</summary>
    private bool SubPageWriteHit(ulong vpn, ulong va)
    {
        if (!_subPagePages!.TryGetValue(vpn, out ulong guestPage))
        {
            return false;
        }
        int index = (int)((va & PageGeometry.PageMask) / NestedPaging.SubPageBytes);
        return (Nested!.SubPageWritable(guestPage) & (1u << index)) != 0;
    }

    /// <summary>
    /// OoH's EPML (SC'22): the page a write of the registered process dirtied is logged by its
    /// guest-virtual address into the process's own buffer, written as the processor writes any
    /// guest-linear address (its own page may be logged first, once). A full log exits.
    /// </summary>
    private void LogGuestVirtual(NestedPaging nested, ulong va)
    {
        if (nested.EpmlCount >= nested.EpmlCapacity)
        {
            nested.Exits.OnEpmlFull(unwritable: false);
            if (nested.EpmlCount >= nested.EpmlCapacity)
            {
                return;
            }
        }
        int slot = nested.EpmlCount++;
        byte* at = Translate(nested.EpmlBuffer + ((ulong)slot * 8), AccessKind.Write, user: false, out _);
        if (at is null)
        {
            nested.EpmlCount = slot;
            nested.Exits.OnEpmlFull(unwritable: true);
            return;
        }
        *(ulong*)at = va & ~PageGeometry.PageMask;
        _ledger?.Add(EventKind.DirtyLogAppend, Layer.User, _ledger.IsTracing
            ? new TraceData("CPU: EPT D set for page {page}, logged by its guest-virtual address in EPML entry {index}") { Page = va & ~PageGeometry.PageMask, Index = (ulong)slot }
            : null);
    }
}

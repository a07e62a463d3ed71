using HvSim.Core;
using HvSim.GuestOs.Linux;
using HvSim.Mmu;

namespace HvSim.GuestOs.Kernel;

/// <summary>
/// userfaultfd write-protection (Documentation/admin-guide/mm/userfaultfd.rst, fs/userfaultfd.c,
/// mm/userfaultfd.c, mm/mprotect.c): VMAs registered in WP mode, the uffd-wp PTE bit and the PTE
/// marker that write-protects a page never populated, and the asynchronous fault that clears them.
/// </summary>
public sealed partial class AddressSpace
{
    /// <summary>The uffd-wp PTE bit: x86's _PAGE_UFFD_WP, software bit 10 (_PAGE_BIT_SOFTW2, arch/x86/include/asm/pgtable_types.h).</summary>
    public const ulong UffdWpBit = 1UL << 10;

    /// <summary>
    /// A PTE marker PTE_MARKER_UFFD_WP (include/linux/swapops.h make_pte_marker): a non-present
    /// entry that write-protects a page no frame backs yet. Linux encodes it as a swap entry whose raw
    /// value has bit 10 set, so pte_uffd_wp() of a marker is true; here it is that bit alone.
    /// </summary>
    public const ulong UffdWpMarker = UffdWpBit;

    /// <summary>A uffd-wp marker (not a present entry, not a PROT_NONE one).</summary>
    public static bool IsUffdWpMarker(ulong entry) => entry == UffdWpMarker;

    /// <summary>
    /// userfaultfd_wp_use_markers (include/linux/userfaultfd_k.h): a WP-registered VMA protects
    /// unpopulated pages with markers when it is shmem (always) or anonymous with WP_UNPOPULATED.
    /// </summary>
    internal static bool UsesUffdMarkers(Vma vma) => vma.UffdWp is UserfaultfdContext context && (vma.Backing is not null || context.WpUnpopulated);

    /// <summary>The VMAs [start, end) meets, in order (vma_find then for_each_vma_range).</summary>
    private IEnumerable<Vma> VmasIn(ulong start, ulong end)
    {
        for (int i = FirstEndingAfter(start); i < _vmas.Count && _vmas[i].Start < end; i++)
        {
            yield return _vmas[i];
        }
    }

    /// <summary>
    /// UFFDIO_REGISTER in WP mode (fs/userfaultfd.c userfaultfd_register): EINVAL when no VMA meets
    /// the range (holes between VMAs are allowed), EBUSY when one is registered with another
    /// userfaultfd, ENOMEM when a split would pass vm.max_map_count; otherwise every VMA in the range
    /// gets VM_UFFD_WP, split at the range's edges and merged with like neighbours
    /// (vma_modify_flags_uffd). The PTEs are not touched: UFFDIO_WRITEPROTECT protects them.
    /// </summary>
    public Errno? RegisterUffdWp(ulong start, ulong end, UserfaultfdContext context)
    {
        bool any = false;
        foreach (Vma vma in VmasIn(start, end))
        {
            any = true;
            if (vma.UffdWp is not null && !ReferenceEquals(vma.UffdWp, context))
            {
                return Errno.EBUSY;
            }
        }
        if (!any)
        {
            return Errno.EINVAL;
        }
        if (!SplitForProtect(start, end))
        {
            return Errno.ENOMEM;
        }
        foreach (Vma vma in VmasIn(start, end))
        {
            if (vma.UffdWp is null)
            {
                vma.UffdWp = context;
                _ledger.Add(EventKind.VmaChange, Layer.Kernel, !_ledger.IsTracing ? null : vma.InTrace(new TraceData("UFFDIO_REGISTER (WP): VMA {vma} registered")));
            }
        }
        MergeAround(start, end);
        return null;
    }

    /// <summary>
    /// UFFDIO_UNREGISTER (userfaultfd_unregister): EINVAL when no VMA meets the range; every
    /// registered VMA in it has its PTEs' uffd-wp state resolved (uffd_wp_range(..., false): bits
    /// cleared, markers dropped, writable again where mprotect would allow it) and loses VM_UFFD_WP,
    /// split and merged as registration does.
    /// </summary>
    public Errno? UnregisterUffd(ulong start, ulong end)
    {
        if (!VmasIn(start, end).Any())
        {
            return Errno.EINVAL;
        }
        if (!SplitForProtect(start, end))
        {
            return Errno.ENOMEM;
        }
        foreach (Vma vma in VmasIn(start, end).ToList())
        {
            if (vma.UffdWp is null)
            {
                continue;
            }
            ChangeUffdWp(vma, Math.Max(start, vma.Start), Math.Min(end, vma.End), protect: false);
            vma.UffdWp = null;
            _ledger.Add(EventKind.VmaChange, Layer.Kernel, !_ledger.IsTracing ? null : vma.InTrace(new TraceData("UFFDIO_UNREGISTER: VMA {vma} unregistered")));
        }
        MergeAround(start, end);
        return null;
    }

    /// <summary>
    /// The userfaultfd's release (userfaultfd_release, its last fd closed): its VMAs have their PTEs'
    /// uffd-wp state resolved, as unregistering does, lose VM_UFFD_WP and merge. Later kernels do it
    /// through userfaultfd_clear_vma (mm/userfaultfd.c), and Linux 6.18 here answers so (the bits are
    /// gone after close); 6.7's release left the bits in the PTEs.
    /// </summary>
    public void ReleaseUffd(UserfaultfdContext context)
    {
        bool any = false;
        foreach (Vma vma in _vmas.ToList())
        {
            if (ReferenceEquals(vma.UffdWp, context))
            {
                ChangeUffdWp(vma, vma.Start, vma.End, protect: false);
                vma.UffdWp = null;
                any = true;
            }
        }
        if (any && _vmas.Count > 0)
        {
            MergeAround(_vmas[0].Start, _vmas[^1].End);
        }
    }

    /// <summary>
    /// UFFDIO_WRITEPROTECT (mm/userfaultfd.c mwriteprotect_range): ENOENT when no VMA meets the range
    /// or one that does is not WP-registered (the VMAs before it keep the change, as Linux's loop
    /// breaks there); holes between VMAs are skipped.
    /// </summary>
    public Errno? WriteProtectUffd(ulong start, ulong end, bool protect)
    {
        bool any = false;
        foreach (Vma vma in VmasIn(start, end).ToList())
        {
            any = true;
            if (vma.UffdWp is null)
            {
                return Errno.ENOENT;
            }
            ChangeUffdWp(vma, Math.Max(start, vma.Start), Math.Min(end, vma.End), protect);
        }
        return any ? null : Errno.ENOENT;
    }

    /// <summary>
    /// uffd_wp_range on [start, end) of one VMA (mm/mprotect.c change_pte_range with MM_CP_UFFD_WP
    /// or MM_CP_UFFD_WP_RESOLVE): protecting sets the uffd-wp bit of each present PTE and takes write
    /// away (pte_mkuffd_wp), and, when the VMA uses markers, puts a marker in every empty slot,
    /// creating the page tables it needs (pgtable_populate_needed); resolving clears the bit and
    /// makes the PTE writable again where can_change_pte_writable allows (MM_CP_TRY_CHANGE_WRITABLE),
    /// and drops markers. Changed present PTEs are flushed as mprotect flushes them.
    /// </summary>
    private int ChangeUffdWp(Vma vma, ulong start, ulong end, bool protect)
    {
        bool markers = protect && UsesUffdMarkers(vma);
        List<ulong> flushed = new();
        int changed = 0;
        _paging.BeginBatch();
        for (ulong page = start; page < end; page += PageGeometry.PageSize)
        {
            GuestPhysical? at = _tables.LeafEntryAddress(Cr3, page, create: markers);
            if (at is null)
            {
                if (markers)
                {
                    break; // no frame left for a page table: Linux's change_pmd_prepare fails with ENOMEM
                }
                page |= 0x1F_F000; // no table: nothing below this 2 MiB to change
                continue;
            }
            ulong entry = _memory.ReadU64(at.Value);
            ulong updated = protect ? UffdProtected(entry, markers) : UffdResolved(vma, page, entry);
            if (updated == entry)
            {
                continue;
            }
            _paging.WritePte(at.Value, updated, page);
            changed++;
            if (IsPresentEntry(entry))
            {
                flushed.Add(page);
            }
        }
        FlushRange(flushed);
        _paging.EndBatch();
        return changed;
    }

    /// <summary>A present or PROT_NONE entry (x86's pte_present: _PAGE_PRESENT or _PAGE_PROTNONE).</summary>
    private static bool IsPresentEntry(ulong entry) => PteFormat.Has(entry, Pte.P) || (entry & ProtNoneBit) != 0;

    /// <summary>make_uffd_wp_pte / change_pte_range's protect: a present entry gets the bit and loses RW; an empty one a marker (when markers are used).</summary>
    private static ulong UffdProtected(ulong entry, bool markers)
    {
        if (IsPresentEntry(entry))
        {
            return (entry | UffdWpBit) & ~(ulong)Pte.RW;
        }
        return entry == 0 && markers ? UffdWpMarker : entry;
    }

    /// <summary>change_pte_range's resolve: the bit cleared, RW given back where can_change_pte_writable allows; a marker dropped.</summary>
    private ulong UffdResolved(Vma vma, ulong page, ulong entry)
    {
        if (IsUffdWpMarker(entry))
        {
            return 0;
        }
        if (!IsPresentEntry(entry) || (entry & UffdWpBit) == 0)
        {
            return entry;
        }
        ulong updated = entry & ~UffdWpBit;
        if (CanMakeWritable(vma, page, updated))
        {
            updated |= (ulong)Pte.RW;
        }
        return updated;
    }

    /// <summary>
    /// mm/mprotect.c can_change_pte_writable for a PTE without the uffd-wp bit: the VMA allows
    /// writes; soft-dirty tracking does not need the next write to fault; a private page is mapped
    /// once (PageAnonExclusive: never the zero page); a shared one is already dirty.
    /// </summary>
    private bool CanMakeWritable(Vma vma, ulong page, ulong entry)
    {
        if (!vma.CanWrite || !PteFormat.Has(entry, Pte.P) || _zero.Maps(entry))
        {
            return false;
        }
        if (!vma.SoftDirty && (entry & SoftDirtyBit) == 0)
        {
            return false;
        }
        return vma.Backing is null ? _frames.MapCount(FrameOf(entry)) == 1 : PteFormat.Has(entry, Pte.D);
    }

    /// <summary>
    /// The asynchronous uffd-wp fault (mm/memory.c do_wp_page with userfaultfd_wp_async): a write
    /// to a present PTE carrying the uffd-wp bit in a WP-registered VMA. The kernel alone clears the
    /// bit and, as for any write-protect fault it resolves, makes the page writable, dirty and
    /// soft-dirty (wp_page_reuse); no message is queued and no signal sent. Registration without
    /// UFFD_FEATURE_WP_ASYNC is refused, so every WP-registered VMA here is asynchronous.
    /// </summary>
    private static bool IsUffdWpFault(Vma vma, ulong entry) => (entry & UffdWpBit) != 0 && vma.UffdWp is not null;
}

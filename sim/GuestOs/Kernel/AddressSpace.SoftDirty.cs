using HvSim.Core;
using HvSim.Mmu;

namespace HvSim.GuestOs.Kernel;

/// <summary>Soft-dirty tracking (Documentation/admin-guide/mm/soft-dirty.rst) and the pagemap's view of the tables.</summary>
public sealed partial class AddressSpace
{
    /// <summary>pagemap bit 63: page present (fs/proc/task_mmu.c PM_PRESENT).</summary>
    public const ulong PmPresent = 1UL << 63;

    /// <summary>pagemap bit 62: swapped, or another swap-format entry such as a uffd-wp PTE marker (PM_SWAP).</summary>
    public const ulong PmSwap = 1UL << 62;

    /// <summary>pagemap bit 61: file page or shared anonymous (PM_FILE).</summary>
    public const ulong PmFile = 1UL << 61;

    /// <summary>pagemap bit 57: the PTE is uffd-wp write-protected (PM_UFFD_WP, since 5.13).</summary>
    public const ulong PmUffdWp = 1UL << 57;

    /// <summary>pagemap bit 56: the page is mapped exclusively (PM_MMAP_EXCLUSIVE, since 4.2).</summary>
    public const ulong PmMmapExclusive = 1UL << 56;

    /// <summary>pagemap bit 55: the PTE is soft-dirty (PM_SOFT_DIRTY, since 3.11).</summary>
    public const ulong PmSoftDirty = 1UL << 55;

    /// <summary>
    /// clear_refs 4 (fs/proc/task_mmu.c clear_refs_write, CLEAR_REFS_SOFT_DIRTY): every VMA loses
    /// VM_SOFTDIRTY; every present PTE is write-protected and loses its soft-dirty bit
    /// (clear_soft_dirty: pte_wrprotect, pte_clear_soft_dirty); then one TLB flush for the mm
    /// (flush_tlb_mm). Returns the PTEs changed.
    /// </summary>
    public int ClearSoftDirty()
    {
        int changed = 0;
        _paging.BeginBatch();
        foreach (Vma vma in _vmas)
        {
            vma.SoftDirty = false;
            foreach ((ulong page, GuestPhysical at) in _tables.LeafSlots(Cr3, vma.Start, vma.End))
            {
                ulong entry = _memory.ReadU64(at);
                if (!PteFormat.Has(entry, Pte.P))
                {
                    continue;
                }
                ulong updated = entry & ~((ulong)Pte.RW | SoftDirtyBit);
                if (updated != entry)
                {
                    _paging.WritePte(at, updated, page);
                    changed++;
                }
            }
        }
        _paging.EndBatch();
        _paging.FlushTlb();
        _ledger.Add(EventKind.VmaChange, Layer.Kernel, !_ledger.IsTracing ? null
            : new TraceData("clear_refs 4: soft-dirty cleared on every VMA of {vma_start}-{vma_end}, {count} PTEs write-protected")
            {
                Count = changed,
                VmaStart = _vmas.Count == 0 ? 0 : _vmas[0].Start,
                VmaEnd = _vmas.Count == 0 ? 0 : _vmas[^1].End,
            });
        return changed;
    }

    /// <summary>
    /// The pagemap entry of one page (fs/proc/task_mmu.c pte_to_pagemap_entry, pagemap_pte_hole):
    /// 0 outside every VMA; present, soft-dirty (the PTE's bit or VM_SOFTDIRTY), exclusive (a frame
    /// mapped once, never the zero page) and file (shared) for a mapped page; only VM_SOFTDIRTY for
    /// a page of a VMA never touched. The PFN bits stay 0: an unprivileged reader (no
    /// CAP_SYS_ADMIN, Linux 4.2 on) never sees them. PM_UFFD_WP for a present PTE with the uffd-wp
    /// bit; a uffd-wp marker reads as PM_SWAP | PM_UFFD_WP (pte_to_pagemap_entry's swap branch:
    /// pte_marker_entry_uffd_wp).
    /// </summary>
    public ulong PagemapEntry(ulong page)
    {
        Vma? vma = Find(page);
        if (vma is null)
        {
            return 0;
        }
        GuestPhysical? at = _tables.LeafEntryAddress(Cr3, page, create: false);
        ulong entry = at is null ? 0 : _memory.ReadU64(at.Value);
        bool present = PteFormat.Has(entry, Pte.P) || (entry & ProtNoneBit) != 0;
        ulong flags = vma.SoftDirty ? PmSoftDirty : 0;
        if (IsUffdWpMarker(entry))
        {
            return flags | PmSwap | PmUffdWp;
        }
        if (!present)
        {
            return flags;
        }
        if ((entry & UffdWpBit) != 0)
        {
            flags |= PmUffdWp;
        }
        flags |= PmPresent;
        if ((entry & SoftDirtyBit) != 0)
        {
            flags |= PmSoftDirty;
        }
        if (!_zero.Maps(entry))
        {
            if (vma.Backing is not null)
            {
                flags |= PmFile;
            }
            if (_frames.MapCount(FrameOf(entry)) == 1)
            {
                flags |= PmMmapExclusive;
            }
        }
        return flags;
    }
}

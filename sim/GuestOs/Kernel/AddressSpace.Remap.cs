using HvSim.Core;
using HvSim.Mmu;

namespace HvSim.GuestOs.Kernel;

/// <summary>mremap's VMA and page-table work (mm/mremap.c); the syscall's checks are in the dispatcher.</summary>
public sealed partial class AddressSpace
{
    /// <summary>
    /// Moves [<paramref name="oldStart"/>, + <paramref name="oldLength"/>), which lies in one VMA,
    /// to [<paramref name="newStart"/>, + <paramref name="newLength"/>) (free; newLength ≥ oldLength),
    /// as mm/mremap.c's move_vma does it:
    /// <list type="number">
    /// <item>copy_vma: a VMA at the new place that is a copy of the old one (vm_area_dup: every
    /// flag and piece of state, the protection, VM_SOFTDIRTY, the shared object at the matching
    /// offset). The copy is a record <c>with</c>-expression, so a field added to <see cref="Vma"/>
    /// later rides along without this code naming it.</item>
    /// <item>move_page_tables / move_ptes: every PTE that is not none leaves the old slot (cleared
    /// through the platform, so Xen's PV validation and the shadow see it as they see munmap's)
    /// and is written unchanged at the new one, frame, protection and A/D bits and all — except
    /// that a present PTE gets the soft-dirty bit (move_soft_dirty_pte: "so we can notice in
    /// userspace the ptes were moved"). Then flush_tlb_range over the old range when a present
    /// PTE moved (the new slots were empty: nothing can be cached for them).</item>
    /// <item>unmap_source_vma: the old range is unmapped (its VMA split as munmap splits it; it
    /// holds no PTE any more, so no frame is freed) — unless <paramref name="keepSource"/>
    /// (MREMAP_DONTUNMAP): then the old VMA stays, empty, and refaults zero pages (private) or
    /// the shared object's pages.</item>
    /// </list>
    /// An <paramref name="oldLength"/> of 0 on a shared mapping moves nothing and unmaps nothing:
    /// a second mapping of the same pages (the DOS-emu duplicate). The caller has checked the
    /// arguments and that the map count leaves room (prep_move_vma); the only failure left is no
    /// frame for a page table at the new place, found before anything changes (false: ENOMEM, as
    /// move_page_tables' failure is in Linux, which moves back what it moved).
    /// </summary>
    public bool Move(ulong oldStart, ulong oldLength, ulong newStart, ulong newLength, bool keepSource)
    {
        Vma source = Find(oldStart) ?? throw new InvalidOperationException($"mremap: no VMA at 0x{oldStart:x}");
        if (!PrepareTargetTables(oldStart, newStart, oldLength))
        {
            return false;
        }
        // mremap_userfaultfd_prep (fs/userfaultfd.c): a context without UFFD_FEATURE_EVENT_REMAP
        // (which this kernel does not offer) is left behind: the moved VMA is unregistered, and
        // move_ptes clears the uffd-wp bits and drops the markers (vma_has_uffd_without_event_remap).
        bool clearUffdWp = source.UffdWp is not null;
        Vma moved = source with
        {
            Start = newStart,
            End = newStart + newLength,
            BackingOffset = source.BackingOffset + (oldStart - source.Start),
            UffdWp = null,
        };
        _vmas.Insert(FirstEndingAfter(newStart), moved);
        _ledger.Add(EventKind.VmaChange, Layer.Kernel, !_ledger.IsTracing ? null
            : moved.InTrace(new TraceData("mremap: moved from {address}: VMA {vma}") { Address = oldStart }));
        MovePageTables(oldStart, newStart, oldLength, clearUffdWp);
        if (!keepSource && oldLength > 0 && !Unmap(oldStart, oldLength))
        {
            throw new InvalidOperationException("mremap: the source's unmap passed vm.max_map_count (prep_move_vma leaves room)");
        }
        MergeAround(newStart, newStart + newLength);
        return true;
    }

    /// <summary>
    /// pte_alloc for every slot a PTE will move to: the tables exist before the first PTE moves
    /// (tables made for nothing stay, empty, as Linux's do until free_pgtables). False when no
    /// frame is left for one.
    /// </summary>
    private bool PrepareTargetTables(ulong oldStart, ulong newStart, ulong length)
    {
        List<ulong> targets = _changedPages; // collected first: no table is made while the walk runs
        targets.Clear();
        foreach ((ulong page, GuestPhysical at) in _tables.LeafSlots(Cr3, oldStart, oldStart + length))
        {
            ulong target = newStart + (page - oldStart);
            if (_memory.ReadU64(at) != 0 && (targets.Count == 0 || targets[^1] >> 21 != target >> 21))
            {
                targets.Add(target); // one per 2 MiB stretch: a leaf table each
            }
        }
        foreach (ulong target in targets)
        {
            if (_tables.LeafEntryAddress(Cr3, target, create: true) is null)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The VMA containing <paramref name="address"/>, else the first one after it, else null.</summary>
    public Vma? FindAtOrAfter(ulong address)
    {
        int i = FirstEndingAfter(address);
        return i < _vmas.Count ? _vmas[i] : null;
    }

    /// <summary>
    /// move_page_tables: the PTEs of [oldStart, + length) to newStart, in one lazy-MMU batch; with
    /// <paramref name="clearUffdWp"/> a uffd-wp marker is dropped and a present PTE loses its
    /// uffd-wp bit (its write permission stays off: the next write takes an ordinary write fault).
    /// </summary>
    private void MovePageTables(ulong oldStart, ulong newStart, ulong length, bool clearUffdWp)
    {
        if (length == 0)
        {
            return;
        }
        List<(ulong Page, ulong Entry)> moving = _removedPages; // reused, as munmap's
        moving.Clear();
        List<ulong> flushed = _changedPages;
        flushed.Clear();
        _paging.BeginBatch();
        foreach ((ulong page, GuestPhysical at) in _tables.LeafSlots(Cr3, oldStart, oldStart + length))
        {
            ulong entry = _memory.ReadU64(at);
            if (entry == 0)
            {
                continue; // pte_none: nothing to move
            }
            _paging.WritePte(at, 0, page);
            moving.Add((page, entry));
            if (IsPresentEntry(entry))
            {
                flushed.Add(page); // force_flush: a present PTE may be cached
            }
        }
        foreach ((ulong page, ulong entry) in moving)
        {
            ulong target = newStart + (page - oldStart);
            GuestPhysical at = _tables.LeafEntryAddress(Cr3, target, create: false)
                ?? throw new InvalidOperationException("mremap: a target table PrepareTargetTables made is gone");
            if (clearUffdWp && IsUffdWpMarker(entry))
            {
                continue;
            }
            bool present = IsPresentEntry(entry);
            ulong placed = present ? entry | SoftDirtyBit : entry;
            _paging.WritePte(at, clearUffdWp && present ? placed & ~UffdWpBit : placed, target);
        }
        FlushRange(flushed);
        _paging.EndBatch();
        moving.Clear();
    }
}

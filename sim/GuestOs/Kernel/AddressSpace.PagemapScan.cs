using HvSim.Core;
using HvSim.GuestOs.Linux;
using HvSim.Mmu;

namespace HvSim.GuestOs.Kernel;

/// <summary>One struct page_region of PAGEMAP_SCAN's output: [Start, End) with the categories it shares.</summary>
public readonly record struct PageRegion(ulong Start, ulong End, ulong Categories);

/// <summary>
/// A PAGEMAP_SCAN request once its struct pm_scan_arg passed pagemap_scan_get_args: start page
/// aligned, end rounded up to a page, max_pages 0 already made "no limit".
/// </summary>
public sealed record PagemapScanRequest(ulong Flags, ulong Start, ulong End, ulong VecLen, ulong MaxPages,
    ulong Inverted, ulong Mask, ulong AnyOf, ulong ReturnMask);

/// <summary>What a scan did: the error that stopped it (or null), where it stopped, and what it cost.</summary>
public readonly record struct PagemapScanOutcome(Errno? Error, ulong WalkEnd, int PtesExamined, int Reprotected);

/// <summary>
/// The PAGEMAP_SCAN ioctl's walk (fs/proc/task_mmu.c, Linux 6.7: do_pagemap_scan,
/// pagemap_scan_test_walk, pagemap_scan_pmd_entry, pagemap_scan_pte_hole, pagemap_scan_output).
/// </summary>
public sealed partial class AddressSpace
{
    private const ulong PmdSize = 2UL << 20;

    /// <summary>
    /// Walks [start, end) VMA by VMA, appending to <paramref name="regions"/> (at most VecLen regions,
    /// MaxPages pages; adjacent pages with the same returned categories share a region) and, with
    /// PM_SCAN_WP_MATCHING, write-protecting every page it reports written (and, without an output
    /// vector, every page not yet protected). A VMA not write-protectable asynchronously (WP_ASYNC with
    /// markers) is EPERM with PM_SCAN_CHECK_WPASYNC, skipped with WP_MATCHING alone, walked otherwise.
    /// The walk stops when the vector or max_pages is full; WalkEnd is where (else the end).
    /// </summary>
    public PagemapScanOutcome PagemapScan(PagemapScanRequest request, List<PageRegion> regions)
    {
        var walk = new ScanWalk(this, request, regions);
        Errno? error = null;
        _paging.BeginBatch();
        foreach (Vma vma in VmasIn(request.Start, request.End).ToList())
        {
            // pagemap_scan_test_walk.
            bool wpAllowed = vma.UffdWp is { WpAsync: true } && UsesUffdMarkers(vma);
            if (!wpAllowed && (request.Flags & PagemapScanAbi.CheckWpAsync) != 0)
            {
                error = Errno.EPERM;
                break;
            }
            if (!wpAllowed && (request.Flags & PagemapScanAbi.WpMatching) != 0)
            {
                continue;
            }
            ulong vmaCategory = (wpAllowed ? PagemapScanAbi.WpAllowed : 0) | (vma.SoftDirty ? PagemapScanAbi.SoftDirty : 0);
            if (!walk.InterestingVma(vmaCategory))
            {
                continue;
            }
            if (!walk.Vma(vma, vmaCategory, Math.Max(request.Start, vma.Start), Math.Min(request.End, vma.End)))
            {
                break;
            }
        }
        _paging.EndBatch();
        walk.DropEmptyLast();
        // do_pagemap_scan: walk_end is left 0 unless output stopped the walk; 0 is written back as end.
        ulong walkEnd = walk.WalkEnd == 0 ? request.End : walk.WalkEnd;
        _ledger.Add(EventKind.PteScan, Layer.Kernel, walk.Examined, !_ledger.IsTracing ? null
            : new TraceData("PAGEMAP_SCAN {address}: {count} PTEs examined, " + regions.Count + " regions, " + walk.Reprotected + " pages write-protected again")
            {
                Address = request.Start,
                Count = walk.Examined,
            });
        return new PagemapScanOutcome(error, walkEnd, walk.Examined, walk.Reprotected);
    }

    /// <summary>pagemap_page_category for one PTE (the VMA's categories are added by the caller).</summary>
    private ulong PageCategory(Vma vma, ulong entry)
    {
        if (IsPresentEntry(entry))
        {
            ulong categories = PagemapScanAbi.Present;
            if ((entry & UffdWpBit) == 0)
            {
                categories |= PagemapScanAbi.Written;
            }
            bool zero = _zero.Maps(entry);
            if (vma.Backing is not null && !zero)
            {
                categories |= PagemapScanAbi.File; // vm_normal_page is not anonymous: shmem (never the zero page)
            }
            if (zero)
            {
                categories |= PagemapScanAbi.PfnZero;
            }
            if ((entry & SoftDirtyBit) != 0)
            {
                categories |= PagemapScanAbi.SoftDirty;
            }
            return categories;
        }
        // A marker is a swap-format entry (is_swap_pte): swapped, never written (pte_swp_uffd_wp_any),
        // no soft-dirty or file page behind it. An empty entry has no category of its own.
        return IsUffdWpMarker(entry) ? PagemapScanAbi.Swapped : 0;
    }

    /// <summary>make_uffd_wp_pte: the entry a scan's WP_MATCHING leaves.</summary>
    private static ulong ScanProtected(ulong entry) => UffdProtected(entry, markers: true);

    /// <summary>One scan's state (struct pagemap_scan_private).</summary>
    private sealed class ScanWalk
    {
        private readonly AddressSpace _space;
        private readonly PagemapScanRequest _request;
        private readonly List<PageRegion> _regions;
        private readonly bool _output; // a vector was given (vec_len != 0: the bounce buffer exists)
        private readonly bool _wpMatching;
        private ulong _found;

        public ScanWalk(AddressSpace space, PagemapScanRequest request, List<PageRegion> regions)
        {
            _space = space;
            _request = request;
            _regions = regions;
            _output = request.VecLen != 0;
            _wpMatching = (request.Flags & PagemapScanAbi.WpMatching) != 0;
        }

        public ulong WalkEnd { get; private set; }

        public int Examined { get; private set; }

        public int Reprotected { get; private set; }

        /// <summary>pagemap_scan_is_interesting_vma: only PAGE_IS_WPALLOWED of category_mask is known per VMA.</summary>
        public bool InterestingVma(ulong categories)
        {
            ulong required = _request.Mask & PagemapScanAbi.WpAllowed;
            return ((categories ^ _request.Inverted) & required) == required;
        }

        /// <summary>pagemap_scan_is_interesting_page.</summary>
        private bool Interesting(ulong categories)
        {
            categories ^= _request.Inverted;
            if ((categories & _request.Mask) != _request.Mask)
            {
                return false;
            }
            return _request.AnyOf == 0 || (categories & _request.AnyOf) != 0;
        }

        /// <summary>Walks one VMA's part of the range, one page table (2 MiB) at a time; false when output stopped the walk.</summary>
        public bool Vma(Vma vma, ulong vmaCategory, ulong start, ulong end)
        {
            for (ulong chunk = start; chunk < end;)
            {
                ulong chunkEnd = Math.Min(end, (chunk | (PmdSize - 1)) + 1);
                GuestPhysical? first = _space._tables.LeafEntryAddress(_space.Cr3, chunk, create: false);
                bool go = first is null ? Hole(vma, vmaCategory, chunk, chunkEnd) : Ptes(vma, vmaCategory, chunk, chunkEnd, first.Value);
                if (!go)
                {
                    return false;
                }
                chunk = chunkEnd;
            }
            return true;
        }

        /// <summary>pagemap_scan_pte_hole: no page table, so only the VMA's categories; WP_MATCHING protects it with markers.</summary>
        private bool Hole(Vma vma, ulong vmaCategory, ulong start, ulong end)
        {
            if (!Interesting(vmaCategory))
            {
                return true;
            }
            ulong reached = end;
            bool go = Output(vmaCategory, start, ref reached);
            if (reached != start && _wpMatching)
            {
                Reprotected += _space.ChangeUffdWp(vma, start, reached, protect: true);
            }
            return go;
        }

        /// <summary>pagemap_scan_pmd_entry's three loops: the exclusive-WP fast path, the PAGE_IS_WRITTEN fast path, the general one.</summary>
        private bool Ptes(Vma vma, ulong vmaCategory, ulong start, ulong end, GuestPhysical first)
        {
            var flushed = new List<ulong>();
            bool go = true;
            bool writtenOnly = _request.AnyOf == 0 && _request.Inverted == 0
                && _request.Mask == PagemapScanAbi.Written && _request.ReturnMask == PagemapScanAbi.Written;
            for (ulong page = start; page < end; page += PageGeometry.PageSize)
            {
                var at = new GuestPhysical(first.Value + ((page - start) / PageGeometry.PageSize * 8));
                ulong entry = _space._memory.ReadU64(at);
                Examined++;
                if (_wpMatching && !_output)
                {
                    // Fast path for exclusive WP: everything not yet protected is, with no output.
                    if ((entry & UffdWpBit) == 0)
                    {
                        Protect(at, page, entry, flushed);
                    }
                    continue;
                }
                ulong categories;
                if (writtenOnly)
                {
                    // The PAGE_IS_WRITTEN fast path tests pte_uffd_wp alone: an empty entry counts as written.
                    if ((entry & UffdWpBit) != 0)
                    {
                        continue;
                    }
                    categories = vmaCategory | PagemapScanAbi.Written;
                }
                else
                {
                    categories = vmaCategory | _space.PageCategory(vma, entry);
                    if (!Interesting(categories))
                    {
                        continue;
                    }
                }
                ulong next = page + PageGeometry.PageSize;
                go = Output(categories, page, ref next);
                if (next == page)
                {
                    break;
                }
                if (_wpMatching && (categories & PagemapScanAbi.Written) != 0)
                {
                    Protect(at, page, entry, flushed);
                }
            }
            _space.FlushRange(flushed);
            return go;
        }

        private void Protect(GuestPhysical at, ulong page, ulong entry, List<ulong> flushed)
        {
            ulong updated = ScanProtected(entry);
            if (updated == entry)
            {
                return;
            }
            _space._paging.WritePte(at, updated, page);
            Reprotected++;
            if (IsPresentEntry(entry))
            {
                flushed.Add(page);
            }
        }

        /// <summary>
        /// pagemap_scan_output: nothing without a vector; else the categories masked by return_mask,
        /// cut to what max_pages still allows, pushed (merged with the last region when adjacent and
        /// alike). False (ENOSPC: stop) when cut or when the vector is full; then
        /// <paramref name="end"/> is how far it got and WalkEnd records it.
        /// </summary>
        private bool Output(ulong categories, ulong start, ref ulong end)
        {
            if (!_output)
            {
                return true;
            }
            categories &= _request.ReturnMask;
            ulong pages = (end - start) / PageGeometry.PageSize;
            bool go = true;
            ulong total = _found + pages;
            if (total < _found || total > _request.MaxPages)
            {
                ulong tooMuch = total < _found ? pages : total - _request.MaxPages;
                end -= tooMuch * PageGeometry.PageSize;
                pages -= tooMuch;
                go = false;
            }
            if (!Push(categories, start, end))
            {
                end = start;
                pages = 0;
                go = false;
            }
            _found += pages;
            if (!go)
            {
                WalkEnd = end;
            }
            return go;
        }

        /// <summary>pagemap_scan_push_range.</summary>
        private bool Push(ulong categories, ulong start, ulong end)
        {
            if (_regions.Count > 0 && _regions[^1] is var last && last.End == start && last.Categories == categories)
            {
                _regions[^1] = last with { End = end };
                return true;
            }
            if ((ulong)_regions.Count >= _request.VecLen)
            {
                return false;
            }
            _regions.Add(new PageRegion(start, end, categories));
            return true;
        }

        /// <summary>pagemap_scan_flush_buffer copies the last region only when it is not empty (max_pages reached at a new region pushes an empty one).</summary>
        public void DropEmptyLast()
        {
            if (_regions.Count > 0 && _regions[^1].Start == _regions[^1].End)
            {
                _regions.RemoveAt(_regions.Count - 1);
            }
        }
    }
}

using HvSim.Core;
using HvSim.GuestOs.Linux;
using HvSim.Hypervisor;
using HvSim.Mmu;

namespace HvSim.GuestOs.Kernel;

/// <summary>What the page-fault handler concluded.</summary>
public enum FaultOutcome
{
    /// <summary>The page was populated (or the fault was spurious): retry the access.</summary>
    Fixed,
    /// <summary>No VMA covers the address: SIGSEGV with SEGV_MAPERR.</summary>
    MapError,
    /// <summary>A VMA covers it but forbids the access: SIGSEGV with SEGV_ACCERR.</summary>
    AccessError,
    /// <summary>No free frame: the kernel would OOM-kill; reported as SIGBUS-like failure.</summary>
    OutOfMemory,
}

/// <summary>How a fixed fault was fixed: the trace tells which path it took.</summary>
public enum FaultFix
{
    /// <summary>Not fixed (see the outcome).</summary>
    None,
    /// <summary>A frame of its own (or the shared object's) was mapped.</summary>
    Populated,
    /// <summary>A read of never-written private memory: the shared zero page, read-only.</summary>
    ZeroPageMapped,
    /// <summary>The first write to a page on the zero page: it got a frame of its own.</summary>
    ZeroPageCopied,
    /// <summary>The PTE already allowed the access: a stale TLB entry was dropped.</summary>
    Spurious,
    /// <summary>
    /// A write to a page the VMA allows but its PTE write-protects (clear_refs for soft-dirty):
    /// resolved in the kernel alone, the PTE made writable, dirty and soft-dirty (mm/memory.c
    /// do_wp_page, wp_page_reuse: pte_mkdirty sets _PAGE_SOFT_DIRTY on x86). No signal.
    /// </summary>
    WriteProtectResolved,
    /// <summary>
    /// A write to a page userfaultfd write-protected, in a VMA registered with UFFD_FEATURE_WP_ASYNC:
    /// the kernel cleared the uffd-wp bit and made the PTE writable, dirty and soft-dirty (mm/memory.c
    /// do_wp_page: userfaultfd_pte_wp, userfaultfd_wp_async, pte_clear_uffd_wp, then wp_page_reuse).
    /// No message, no signal.
    /// </summary>
    UffdWpResolved,
}

/// <summary>
/// A process's user address space: its VMAs and its page tables. Pages are populated on first
/// touch (demand paging, as Linux does); mprotect splits and merges VMAs and rewrites present
/// PTEs, invalidating each changed translation so no stale TLB entry survives it.
/// </summary>
public sealed partial class AddressSpace
{
    /// <summary>A software-available PTE bit: the page is populated but PROT_NONE (P is clear).</summary>
    public const ulong ProtNoneBit = 1UL << 9;

    /// <summary>The soft-dirty PTE bit: x86's _PAGE_BIT_SOFT_DIRTY, software bit 11 (arch/x86/include/asm/pgtable_types.h).</summary>
    public const ulong SoftDirtyBit = 1UL << 11;

    /// <summary>Top of the area where mmap places mappings without a hint (below the stack).</summary>
    public const ulong MmapBase = 0x7FFF_F000_0000;

    /// <summary>vm.max_map_count's default (DEFAULT_MAX_MAP_COUNT, USHRT_MAX - 5, include/linux/mm.h): more VMAs than this is ENOMEM, as in Linux.</summary>
    public const int DefaultMaxMapCount = 65530;

    private readonly List<Vma> _vmas = new();
    private readonly List<ulong> _changedPages = new();
    private readonly List<Vma> _spare = new(); // VMAs merges dropped, reused by splits
    private readonly List<(ulong Page, ulong Entry)> _removedPages = new(); // munmap's, reused
    private readonly PhysicalMemory _memory;
    private readonly FrameAllocator _frames;
    private readonly PageTableEditor _tables;
    private readonly IPagingOps _paging;
    private readonly EventLedger _ledger;
    private readonly RangeFlush _rangeFlush;
    private readonly ZeroPage _zero;

    public AddressSpace(PhysicalMemory memory, FrameAllocator frames, IPagingOps paging, EventLedger ledger,
        RangeFlush rangeFlush = RangeFlush.PerPageUpToCeiling, ZeroPage? zero = null, int maxMapCount = DefaultMaxMapCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMapCount, 1);
        MaxMapCount = maxMapCount;
        _rangeFlush = rangeFlush;
        _zero = zero ?? new ZeroPage(frames);
        _memory = memory;
        _frames = frames;
        _paging = paging;
        _ledger = ledger;
        _tables = new PageTableEditor(memory, frames);
        Cr3 = _tables.CreateRoot();
        // Every entry the kernel writes, intermediate tables included, goes through the
        // platform: on Xen the guest's page tables are not its to write directly.
        _tables.EntryWriter = (at, value, va) => _paging.WritePte(at, value, va);
    }

    /// <summary>Guest-physical address of this space's PML4.</summary>
    public ulong Cr3 { get; }

    public IReadOnlyList<Vma> Vmas => _vmas;

    /// <summary>This process's vm.max_map_count (<see cref="KernelOptions.MaxMapCount"/>).</summary>
    public int MaxMapCount { get; }

    /// <summary>The number of VMAs, Linux's mm->map_count: every limit check reads it, in O(1).</summary>
    public int MapCount => _vmas.Count;

    /// <summary>
    /// The index of the first VMA that ends after <paramref name="address"/> (Count when none): the
    /// VMA containing it, or else the next one. The VMAs are kept sorted and disjoint, so every
    /// lookup is a binary search (issue 13: 65,530 VMAs took 40 s to build with linear scans).
    /// </summary>
    private int FirstEndingAfter(ulong address)
    {
        int low = 0, high = _vmas.Count;
        while (low < high)
        {
            int middle = (int)((uint)(low + high) >> 1);
            if (_vmas[middle].End <= address)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }
        return low;
    }

    /// <summary>The index of the first VMA that starts at or after <paramref name="address"/> (Count when none).</summary>
    private int FirstStartingAtOrAfter(ulong address)
    {
        int i = FirstEndingAfter(address);
        return i < _vmas.Count && _vmas[i].Start < address ? i + 1 : i;
    }

    /// <summary>The VMA containing <paramref name="address"/>, or null.</summary>
    public Vma? Find(ulong address)
    {
        int i = FirstEndingAfter(address);
        return i < _vmas.Count && _vmas[i].Start <= address ? _vmas[i] : null;
    }

    /// <summary>True when [start, end) has no VMA in it.</summary>
    public bool IsFree(ulong start, ulong end)
    {
        if (end <= start)
        {
            return true;
        }
        int i = FirstEndingAfter(start);
        return i == _vmas.Count || _vmas[i].Start >= end;
    }

    /// <summary>The highest free page-aligned range of <paramref name="length"/> bytes below <see cref="MmapBase"/>.</summary>
    public ulong? FindFree(ulong length)
    {
        ulong candidateEnd = MmapBase;
        for (int i = _vmas.Count - 1; i >= 0; i--)
        {
            Vma vma = _vmas[i];
            if (vma.Start >= candidateEnd)
            {
                candidateEnd = Math.Min(candidateEnd, vma.Start);
                continue;
            }
            if (vma.End <= candidateEnd - length)
            {
                break;
            }
            candidateEnd = vma.Start;
        }
        return candidateEnd >= length + 0x1_0000 ? candidateEnd - length : null;
    }

    /// <summary>
    /// Creates a mapping, replacing whatever was mapped in the range (MAP_FIXED semantics). False
    /// (nothing changed) when the process already has more than vm.max_map_count VMAs, or
    /// replacing would split one it has that many of (ENOMEM).
    /// </summary>
    public bool Map(ulong start, ulong length, MemoryProtection protection, bool shared, string name) =>
        Insert(new Vma(start, start + length, protection, shared, name) { Backing = shared ? new SharedMemoryObject() : null });

    /// <summary>Extends a VMA in place to <paramref name="end"/> (the range after it must be free).</summary>
    public void Grow(Vma vma, ulong end)
    {
        vma.End = end;
        vma.SoftDirty = true; // do_brk_flags: a grown mapping is soft-dirty
        _ledger.Add(EventKind.VmaChange, Layer.Kernel, !_ledger.IsTracing ? null : vma.InTrace(new TraceData("grown in place: VMA {vma}")));
        MergeAround(vma.Start, end);
    }

    private bool Insert(Vma vma)
    {
        if (MapCount > MaxMapCount || !Unmap(vma.Start, vma.Length))
        {
            return false;
        }
        _vmas.Insert(FirstEndingAfter(vma.Start), vma);
        _ledger.Add(EventKind.VmaChange, Layer.Kernel, !_ledger.IsTracing ? null : vma.InTrace(new TraceData("mapped: VMA {vma}")));
        MergeAround(vma.Start, vma.End);
        Find(vma.Start)!.SoftDirty = true; // __mmap_complete: a new mapping, merged or not, is soft-dirty
        return true;
    }

    /// <summary>
    /// Removes mappings in the range, freeing their frames and invalidating their translations.
    /// False (nothing changed) when one VMA would have to be split at both ends and the process
    /// already has vm.max_map_count VMAs (ENOMEM, as Linux's munmap).
    /// </summary>
    public bool Unmap(ulong start, ulong length)
    {
        ulong end = start + length;
        if (IsFree(start, end))
        {
            return true;
        }
        if (!SplitForUnmap(start, end))
        {
            return false;
        }
        int first = FirstStartingAtOrAfter(start), last = FirstStartingAtOrAfter(end);
        List<Vma> gone = _vmas.GetRange(first, last - first);
        _vmas.RemoveRange(first, last - first);
        _ledger.Add(EventKind.VmaChange, Layer.Kernel, !_ledger.IsTracing ? null : new TraceData("unmapped {vma_start}-{vma_end}") { VmaStart = start, VmaEnd = end });
        // Reused, and no LINQ per page: tearing down a large mapping allocated a closure and a
        // delegate per page it had mapped (issue 15).
        List<(ulong Page, ulong Entry)> removed = _removedPages;
        removed.Clear();
        List<ulong> removedPages = _changedPages;
        removedPages.Clear();
        _paging.BeginBatch();
        foreach ((ulong page, GuestPhysical at) in _tables.LeafSlots(Cr3, start, end))
        {
            ulong entry = _memory.ReadU64(at);
            if (PteFormat.Has(entry, Pte.P) || (entry & ProtNoneBit) != 0)
            {
                _paging.WritePte(at, 0, page);
                removed.Add((page, entry));
                removedPages.Add(page);
            }
            else if (IsUffdWpMarker(entry))
            {
                _paging.WritePte(at, 0, page); // zap_pte_range drops markers: nothing mapped, nothing to flush
            }
        }
        FlushRange(removedPages);
        _paging.EndBatch();
        // Frames go back only after no TLB can reach them any more: private ones now, shared
        // ones when the last VMA mapping their object has gone. The pages and the VMAs that
        // held them are both in address order: one pass finds each page's VMA.
        int holder = 0;
        foreach ((ulong page, ulong entry) in removed)
        {
            while (!gone[holder].Contains(page))
            {
                holder++; // past the last VMA: an ArgumentOutOfRangeException, a page no VMA held (a bug)
            }
            _frames.NoteUnmapped(FrameOf(entry));
            if (gone[holder].Backing is null && !_zero.Maps(entry))
            {
                _frames.Free(FrameOf(entry));
            }
        }
        removed.Clear();
        foreach (SharedMemoryObject shared in gone.Select(v => v.Backing).OfType<SharedMemoryObject>().Distinct())
        {
            if (!_vmas.Any(v => ReferenceEquals(v.Backing, shared)))
            {
                foreach (Frame frame in shared.Frames)
                {
                    _frames.Free(frame);
                }
                shared.Clear();
            }
        }
        return true;
    }

    /// <summary>
    /// mprotect: false when part of the range is not mapped (ENOMEM). As in Linux, which changes
    /// VMA after VMA and stops at the first hole, the mapped stretch from <paramref name="start"/>
    /// up to that hole is changed anyway; nothing changes when <paramref name="start"/> itself is unmapped.
    /// </summary>
    public bool Protect(ulong start, ulong length, MemoryProtection protection)
    {
        if (length == 0)
        {
            return true;
        }
        ulong requestedEnd = start + length;
        ulong end = CoveredEnd(start, requestedEnd);
        if (end == start)
        {
            return false;
        }
        if (!SplitForProtect(start, end))
        {
            return false; // a split would pass vm.max_map_count: ENOMEM (a first split stays made, as in Linux)
        }
        int changedVmas = 0;
        for (int i = FirstStartingAtOrAfter(start); i < _vmas.Count && _vmas[i].End <= end; i++)
        {
            if (_vmas[i].Protection != protection)
            {
                _vmas[i].Protection = protection;
                _ledger.Add(EventKind.VmaChange, Layer.Kernel, !_ledger.IsTracing ? null : _vmas[i].InTrace(new TraceData("mprotect: VMA {vma}")));
                changedVmas++;
            }
        }
        MergeAround(start, end);
        ulong bits = PteBits(protection);
        List<ulong> changed = _changedPages; // reused: mprotect runs twice per PT fault cycle
        changed.Clear();
        _paging.BeginBatch();
        foreach ((ulong page, GuestPhysical at) in _tables.LeafSlots(Cr3, start, end))
        {
            ulong entry = _memory.ReadU64(at);
            if (!PteFormat.Has(entry, Pte.P) && (entry & ProtNoneBit) == 0)
            {
                continue; // never touched: the fault handler will use the new protection
            }
            // Keep the frame and the A/D bits, as Linux's change_pte_range does; the zero page
            // stays read-only whatever the protection (its first write must still copy it).
            ulong updated = PteFormat.Address(entry) | (entry & ((ulong)(Pte.A | Pte.D) | SoftDirtyBit | UffdWpBit)) | bits;
            if (_zero.Maps(entry))
            {
                updated &= ~(ulong)Pte.RW;
            }
            else if ((entry & UffdWpBit) != 0 && Find(page) is { UffdWp: not null })
            {
                // pte_modify keeps _PAGE_UFFD_WP, and can_change_pte_writable refuses a uffd-wp PTE
                // (userfaultfd_pte_wp): the page stays write-protected until its write faults.
                updated &= ~(ulong)Pte.RW;
            }
            else if ((updated & (ulong)Pte.RW) != 0 && (entry & SoftDirtyBit) == 0 && Find(page) is { SoftDirty: false })
            {
                // mm/mprotect.c can_change_pte_writable: soft-dirty tracking needs the next write to
                // fault, so a PTE not yet soft-dirty stays write-protected in a tracked VMA.
                updated &= ~(ulong)Pte.RW;
            }
            if (updated != entry)
            {
                _paging.WritePte(at, updated, page);
                changed.Add(page);
            }
        }
        if (_rangeFlush == RangeFlush.PerPageUpToCeiling)
        {
            FlushRange(changed);
            _paging.EndBatch();
        }
        else
        {
            _paging.EndBatch();
            for (int i = 0; i < changedVmas; i++)
            {
                _paging.FlushTlb();
            }
        }
        return end == requestedEnd;
    }

    /// <summary>Largest range flushed page by page; beyond it one full flush is cheaper (Linux's tlb_single_page_flush_ceiling).</summary>
    public const int SinglePageFlushCeiling = 33;

    private void FlushRange(List<ulong> pages)
    {
        if (pages.Count > SinglePageFlushCeiling)
        {
            _paging.FlushTlb();
            return;
        }
        foreach (ulong page in pages)
        {
            _paging.InvalidatePage(page);
        }
    }

    /// <summary>The page-fault handler: populate the page if its VMA allows the access.</summary>
    public FaultOutcome HandleFault(ulong address, AccessKind access) => HandleFault(address, access, out _);

    /// <summary>The page-fault handler, saying how it fixed the fault.</summary>
    public FaultOutcome HandleFault(ulong address, AccessKind access, out FaultFix fix)
    {
        fix = FaultFix.None;
        Vma? vma = Find(address);
        if (vma is null)
        {
            return FaultOutcome.MapError;
        }
        bool allowed = access switch
        {
            AccessKind.Write => vma.CanWrite,
            AccessKind.Execute => vma.CanExecute,
            _ => vma.Protection != MemoryProtection.PROT_NONE,
        };
        if (!allowed)
        {
            return FaultOutcome.AccessError;
        }
        ulong page = PageGeometry.PageBase(address);
        GuestPhysical? at = _tables.LeafEntryAddress(Cr3, page, create: true);
        if (at is null)
        {
            return FaultOutcome.OutOfMemory;
        }
        ulong entry = _memory.ReadU64(at.Value);
        if (PteFormat.Has(entry, Pte.P))
        {
            if (access == AccessKind.Write && _zero.Maps(entry))
            {
                fix = FaultFix.ZeroPageCopied;
                return MapOwnFrame(vma, page, at.Value, page, replacingZero: true, write: true) is null ? FaultOutcome.OutOfMemory : FaultOutcome.Fixed;
            }
            if (access == AccessKind.Write && !PteFormat.Has(entry, Pte.RW))
            {
                // The VMA allows the write, the PTE does not: write-protected for soft-dirty
                // tracking, or by userfaultfd (async: the bit cleared here, no message). do_wp_page
                // reuses the page: writable, dirty, soft-dirty.
                bool uffd = IsUffdWpFault(vma, entry);
                _paging.WritePte(at.Value, ((entry | (ulong)(Pte.RW | Pte.D) | SoftDirtyBit) & ~(uffd ? UffdWpBit : 0)), page);
                _paging.InvalidatePage(page);
                fix = uffd ? FaultFix.UffdWpResolved : FaultFix.WriteProtectResolved;
                return FaultOutcome.Fixed;
            }
            // The PTE already allows it: the TLB held a stale entry (a spurious fault).
            _paging.InvalidatePage(page);
            fix = FaultFix.Spurious;
            return FaultOutcome.Fixed;
        }
        // A uffd-wp marker in a registered VMA: the page it populates stays write-protected
        // (do_anonymous_page's pte_mkuffd_wp when vmf_orig_pte_uffd_wp); a write then faults again,
        // as the async write-protect fault. A stale marker (VMA unregistered) is just cleared.
        ulong keepWp = IsUffdWpMarker(entry) && vma.UffdWp is not null ? UffdWpBit : 0;
        if (access != AccessKind.Write && vma.Backing is null)
        {
            // A read (or fetch) of private memory never written: the shared zero page, read-only.
            if (_zero.Get() is not Frame zero)
            {
                return FaultOutcome.OutOfMemory;
            }
            _paging.WritePte(at.Value, PteFormat.Make(zero.Base.Value, Pte.None) | (PteBits(vma.Protection) & ~(ulong)Pte.RW) | keepWp, page);
            _frames.NoteMapped(zero);
            fix = FaultFix.ZeroPageMapped;
            return FaultOutcome.Fixed;
        }
        if (MapOwnFrame(vma, page, at.Value, page, replacingZero: false, write: access == AccessKind.Write, uffdWp: keepWp != 0) is null)
        {
            return FaultOutcome.OutOfMemory;
        }
        fix = FaultFix.Populated;
        return FaultOutcome.Fixed;
    }

    /// <summary>
    /// Maps a frame of the page's own (or its shared object's) with the VMA's rights: a fault's
    /// populate, the loader's writes, and the first write to a page on the zero page — which also
    /// drops the zero page's translation, as do_wp_page copies and ptep_clear_flush drops it (the
    /// copy is a fresh frame: the page it replaces is zero). Null when no frame is left.
    /// </summary>
    /// <param name="write">A write fault: the page is mapped dirty, so soft-dirty too (do_anonymous_page and
    /// finish_fault use pte_mkdirty, which sets _PAGE_SOFT_DIRTY on x86, for writes only).</param>
    /// <param name="uffdWp">Keep the page userfaultfd-write-protected: the uffd-wp bit, no RW.</param>
    private Frame? MapOwnFrame(Vma vma, ulong page, GuestPhysical at, ulong va, bool replacingZero, bool write, bool uffdWp = false)
    {
        Frame? frame = FrameFor(vma, page);
        if (frame is null)
        {
            return null;
        }
        ulong entry = PteFormat.Make(frame.Value.Base.Value, Pte.None) | PteBits(vma.Protection) | (write ? SoftDirtyBit : 0);
        _paging.WritePte(at, uffdWp ? (entry | UffdWpBit) & ~(ulong)Pte.RW : entry, va);
        if (replacingZero)
        {
            _paging.InvalidatePage(page);
            _frames.NoteUnmapped(_zero.Get()!.Value);
        }
        _frames.NoteMapped(frame.Value);
        return frame;
    }

    /// <summary>
    /// Writes bytes at a user address regardless of protection, populating pages as needed
    /// (the loader's privilege: ELF segments and the initial stack). False when a byte lies
    /// outside every VMA or memory ran out.
    /// </summary>
    public bool Poke(ulong address, ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            int chunk = Math.Min(bytes.Length, PageGeometry.PageSize - (int)(address & PageGeometry.PageMask));
            GuestPhysical? frameBase = PopulatedFrame(address);
            if (frameBase is null)
            {
                return false;
            }
            _memory.Write(new GuestPhysical(frameBase.Value.Value + (address & PageGeometry.PageMask)), bytes[..chunk]);
            bytes = bytes[chunk..];
            address += (ulong)chunk;
        }
        return true;
    }

    /// <summary>Tears the space down: every mapping and every page-table frame.</summary>
    public void Destroy()
    {
        foreach (Vma vma in _vmas.ToList())
        {
            Unmap(vma.Start, vma.Length);
        }
        _paging.ReleaseAddressSpace(Cr3);
        _tables.FreeTables(Cr3);
    }

    /// <summary>PTE bits for a VMA protection (x86 cannot express write-only or exec-only: both read).</summary>
    public static ulong PteBits(MemoryProtection protection)
    {
        if (protection == MemoryProtection.PROT_NONE)
        {
            return ProtNoneBit;
        }
        ulong bits = (ulong)(Pte.P | Pte.US);
        if ((protection & MemoryProtection.PROT_WRITE) != 0)
        {
            bits |= (ulong)Pte.RW;
        }
        if ((protection & MemoryProtection.PROT_EXEC) == 0)
        {
            bits |= (ulong)Pte.NX;
        }
        return bits;
    }

    private GuestPhysical? PopulatedFrame(ulong address)
    {
        Vma? vma = Find(address);
        if (vma is null)
        {
            return null;
        }
        GuestPhysical? at = _tables.LeafEntryAddress(Cr3, address, create: true);
        if (at is null)
        {
            return null;
        }
        ulong entry = _memory.ReadU64(at.Value);
        bool zero = _zero.Maps(entry);
        if ((!PteFormat.Has(entry, Pte.P) && (entry & ProtNoneBit) == 0) || zero)
        {
            // The loader's privilege, not a user write: the page is not mapped dirty (a file's pages read in).
            if (MapOwnFrame(vma, PageGeometry.PageBase(address), at.Value, address, zero, write: false) is not Frame frame)
            {
                return null;
            }
            return frame.Base;
        }
        return new GuestPhysical(PteFormat.Address(entry));
    }

    private static Frame FrameOf(ulong entry) => new(PteFormat.Address(entry) >> PageGeometry.PageShift);

    /// <summary>The frame a page of a VMA should map: a fresh one for private memory, the object's for shared.</summary>
    private Frame? FrameFor(Vma vma, ulong page)
    {
        ulong index = vma.BackingPage(page);
        if (vma.Backing?.Page(index) is Frame existing)
        {
            return existing;
        }
        Frame? frame = _frames.TryAllocate();
        if (frame is null)
        {
            return null;
        }
        _memory.GetOrCreate(frame.Value);
        vma.Backing?.SetPage(index, frame.Value);
        return frame;
    }

    /// <summary>
    /// True when VMAs the kernel may read (none PROT_NONE) cover [start, start + length) without a
    /// hole: one look per mapping, however long the range (a copy of all of it would succeed).
    /// </summary>
    public bool IsReadable(ulong start, ulong length) =>
        length == 0 || CoveredEnd(start, start + length, vma => vma.Protection != MemoryProtection.PROT_NONE) == start + length;

    /// <summary>
    /// The end of the stretch of [start, end) that VMAs cover without a hole from <paramref name="start"/> on
    /// (start when start is unmapped); a VMA that fails <paramref name="counts"/> is a hole.
    /// </summary>
    private ulong CoveredEnd(ulong start, ulong end, Func<Vma, bool>? counts = null)
    {
        ulong at = start;
        for (int i = FirstEndingAfter(start); i < _vmas.Count; i++)
        {
            Vma vma = _vmas[i];
            if (vma.End <= at)
            {
                continue;
            }
            if (vma.Start > at || (counts is not null && !counts(vma)))
            {
                break;
            }
            at = vma.End;
            if (at >= end)
            {
                return end;
            }
        }
        return at;
    }

    /// <summary>
    /// mprotect's splits, as Linux's vma_modify makes them (mm/vma.c): at <paramref name="start"/>,
    /// then at <paramref name="end"/>, each refused with ENOMEM when the process already has
    /// vm.max_map_count VMAs (split_vma). A refused second split leaves the first one made, so the
    /// process ends at exactly vm.max_map_count VMAs, as measured on Linux 6.18 (issue 17).
    /// </summary>
    private bool SplitForProtect(ulong start, ulong end)
    {
        foreach (ulong cut in (ReadOnlySpan<ulong>)[start, end])
        {
            if (!Inside(cut))
            {
                continue;
            }
            if (MapCount >= MaxMapCount)
            {
                return false;
            }
            int i = FirstEndingAfter(cut);
            SplitAt(i, _vmas[i], cut);
        }
        return true;
    }

    /// <summary>
    /// munmap's splits, as Linux's do_vmi_align_munmap makes them: refused with ENOMEM, before any
    /// change, only when one VMA must be cut at both ends and the process already has
    /// vm.max_map_count VMAs; otherwise both cuts are made (__split_vma does not count).
    /// </summary>
    private bool SplitForUnmap(ulong start, ulong end)
    {
        if (Find(start) is Vma vma && start > vma.Start && end < vma.End && MapCount >= MaxMapCount)
        {
            return false;
        }
        foreach (ulong cut in (ReadOnlySpan<ulong>)[start, end])
        {
            if (Inside(cut))
            {
                int i = FirstEndingAfter(cut);
                SplitAt(i, _vmas[i], cut);
            }
        }
        return true;
    }

    private bool Inside(ulong cut) => Find(cut) is Vma vma && cut > vma.Start;

    /// <summary>Splits VMA <paramref name="i"/> at <paramref name="cut"/> if it falls inside it; returns what is at index i now.</summary>
    private Vma SplitAt(int i, Vma vma, ulong cut)
    {
        if (cut > vma.Start && cut < vma.End)
        {
            // The step names the VMA as it was before the split (it is changed in place below).
            TraceData? step = !_ledger.IsTracing ? null : vma.InTrace(new TraceData("split at {address}: VMA {vma} in two") { Address = cut });
            Vma rest = Reuse(vma);
            rest.Start = cut;
            rest.BackingOffset = vma.BackingOffset + (cut - vma.Start);
            vma.End = cut;
            _vmas.Insert(i + 1, rest);
            _ledger.Add(EventKind.VmaChange, Layer.Kernel, step);
            return _vmas[i];
        }
        return vma;
    }

    /// <summary>
    /// Merges neighbours that are contiguous and alike, as vma_merge does, around a range that just
    /// changed: every other pair was merged when it last changed, so nothing further can merge.
    /// One pass that closes the gaps once (a ckpt_begin's mprotect merges thousands of VMAs: one
    /// removal each shifted the whole tail each time, quadratic in the dirty pages); the VMAs
    /// merged away are kept for the next split.
    /// </summary>
    private void MergeAround(ulong start, ulong end)
    {
        int kept = Math.Max(0, FirstEndingAfter(start) - 1);
        int next = kept + 1;
        for (; next < _vmas.Count && _vmas[kept].Start <= end; next++)
        {
            Vma a = _vmas[kept], b = _vmas[next];
            // VM_SOFTDIRTY does not keep VMAs apart (is_mergeable_vma ignores it) and is sticky.
            if (a.End == b.Start && a.Protection == b.Protection && a.Shared == b.Shared && a.Name == b.Name
                && ReferenceEquals(a.Backing, b.Backing) && (a.Backing is null || a.BackingOffset + a.Length == b.BackingOffset)
                && ReferenceEquals(a.UffdWp, b.UffdWp))
            {
                a.End = b.End;
                a.SoftDirty |= b.SoftDirty;
                _spare.Add(b);
            }
            else
            {
                _vmas[++kept] = b;
            }
        }
        if (next > kept + 1)
        {
            _vmas.RemoveRange(kept + 1, next - (kept + 1));
        }
    }

    /// <summary>A VMA with <paramref name="model"/>'s fields: one merges dropped, else a new one.</summary>
    private Vma Reuse(Vma model)
    {
        if (_spare.Count == 0)
        {
            return model with { };
        }
        Vma vma = _spare[^1];
        _spare.RemoveAt(_spare.Count - 1);
        vma.Start = model.Start;
        vma.End = model.End;
        vma.Protection = model.Protection;
        vma.Shared = model.Shared;
        vma.Name = model.Name;
        vma.Backing = model.Backing;
        vma.BackingOffset = model.BackingOffset;
        vma.SoftDirty = model.SoftDirty;
        vma.UffdWp = model.UffdWp;
        return vma;
    }
}

using System.Runtime.CompilerServices;
using HvSim.Core;

namespace HvSim.Mmu;

/// <summary>
/// The memory-management unit of one CPU: CR3, the TLB and the page walker over guest physical
/// memory. The fast path (<see cref="FastRead"/> and friends) is one tag compare in the most
/// recent way of a TLB set and yields a host pointer; everything else goes through
/// <see cref="Translate"/>, which checks the cached permissions, walks on a miss, sets A/D bits
/// and reports faults as values.
/// </summary>
public sealed unsafe partial class Mmu : IMemoryBus
{
    private readonly EventLedger? _ledger;

    public Mmu(PhysicalMemory memory, TlbGeometry? geometry = null, EventLedger? ledger = null)
    {
        Memory = memory;
        Tlb = new Tlb(geometry ?? TlbGeometry.Default);
        Walker = new PageWalker(memory);
        _ledger = ledger;
    }

    public PhysicalMemory Memory { get; }

    public Tlb Tlb { get; }

    public PageWalker Walker { get; }

    /// <summary>The current page-table root (guest-physical address of the PML4).</summary>
    public ulong Cr3 { get; private set; }

    /// <summary>
    /// The write audit consulted on every TLB fill, or null (no audit: nothing is consulted).
    /// Installing one withdraws the fast-write tags of every cached entry whose frame is watched
    /// then, so that no entry filled before keeps one; the TLB's contents (and so the walks and
    /// every other event) stay as they were.
    /// </summary>
    public IWriteAudit? WriteAudit
    {
        get => _writeAudit;
        set
        {
            _writeAudit = value;
            Memory.WriteAudit = value;
            Tlb.WithdrawWatchedFastWrites();
        }
    }

    private IWriteAudit? _writeAudit;

    /// <summary>
    /// Caches a translation: the one TLB fill of both walks (one- and two-dimensional), with
    /// <paramref name="dirty"/> as the walk found it (on hvm: dirty in both dimensions).
    /// </summary>
    private void Fill(ulong vpn, in Translation t, PhysicalFrame frame, bool dirty, ulong largeBaseVpn, ulong largeVpnCount) =>
        Tlb.Insert(new TlbEntry
        {
            Vpn = vpn,
            ReadTag = t.User ? vpn : Tlb.NoTag,
            WriteTag = FastWriteTag(vpn, t.User, t.Writable, dirty, frame),
            ExecTag = t.User && t.Executable ? vpn : Tlb.NoTag,
            Host = frame.Pointer,
            Frame = frame,
            Writable = t.Writable,
            User = t.User,
            Executable = t.Executable,
            Dirty = dirty,
            Large = largeVpnCount > 1,
            LargeBaseVpn = largeBaseVpn,
            LargeVpnCount = largeVpnCount,
        });

    /// <summary>
    /// A TLB fill's fast-write tag, the one rule for every fill (one- and two-dimensional): a user
    /// page that is writable and already dirty (the first write must reach the walk, which sets D),
    /// holds no decoded code (a store must invalidate it) and is not watched by an audit (every store
    /// to it must be reported). Anything else takes the slow path, which checks and faults.
    /// </summary>
    private static ulong FastWriteTag(ulong vpn, bool user, bool writable, bool dirty, PhysicalFrame frame) =>
        user && writable && dirty && frame.DecodedCode is null && frame.WriteWatch is null ? vpn : Tlb.NoTag;

    /// <summary>Lets an audit adopt a frame a translation reaches (it decides whether the frame is a CDA's), before the fill tags it.</summary>
    private void AdoptForAudit(ulong va, PhysicalFrame frame)
    {
        if (_writeAudit is { } audit && frame.WriteWatch is null)
        {
            audit.Reaching(va, frame);
        }
    }

    /// <summary>Page walks performed (TLB misses plus first writes to clean pages).</summary>
    public long Walks { get; private set; }

    /// <summary>Loads CR3: a new address space, and a full TLB flush as on hardware.</summary>
    public void LoadCr3(ulong cr3)
    {
        Cr3 = cr3;
        Tlb.FlushAll();
        _subPagePages?.Clear();
    }

    /// <summary>invlpg.</summary>
    public void InvalidatePage(ulong virtualAddress)
    {
        Tlb.InvalidatePage(virtualAddress);
        _subPagePages?.Remove(virtualAddress >> PageGeometry.PageShift);
    }

    /// <summary>Flushes the TLB without changing CR3 (what a CR3 reload with the same value does).</summary>
    public void FlushTlb()
    {
        Tlb.FlushAll();
        _subPagePages?.Clear();
    }

    /// <summary>Host pointer for a user-mode read of one byte at <paramref name="va"/>, or null if the fast path cannot serve it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* FastRead(ulong va)
    {
        return Tlb.FastRead(va);
    }

    /// <summary>Host pointer for a user-mode write, or null if the fast path cannot serve it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* FastWrite(ulong va)
    {
        return Tlb.FastWrite(va);
    }

    /// <summary>The frame behind a user-mode instruction fetch at <paramref name="va"/>, or null if the fast path cannot serve it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public PhysicalFrame? FastExecFrame(ulong va)
    {
        return Tlb.FastExecFrame(va >> PageGeometry.PageShift);
    }

    /// <summary>
    /// Translates one access with every architectural check. Returns the host pointer of the byte
    /// at <paramref name="va"/>, or null with the fault to raise.
    /// </summary>
    public byte* Translate(ulong va, AccessKind access, bool user, out MemoryFault fault)
    {
        PhysicalFrame? frame = TranslateToFrame(va, access, user, out fault);
        return frame is null ? null : frame.Pointer + (va & PageGeometry.PageMask);
    }

    /// <summary>As <see cref="Translate"/>, but yields the frame (for the decode cache and for traces).</summary>
    public PhysicalFrame? TranslateToFrame(ulong va, AccessKind access, bool user, out MemoryFault fault)
    {
        ulong vpn = va >> PageGeometry.PageShift;
        ref TlbEntry cached = ref Tlb.Find(vpn);
        if (!Unsafe.IsNullRef(ref cached))
        {
            bool allowed = (!user || cached.User)
                && (access != AccessKind.Write || cached.Writable)
                && (access != AccessKind.Execute || cached.Executable);
            if (!allowed)
            {
                // The check uses the cached permissions, stale or not; a #PF then drops the entry
                // (Intel SDM 4.10.4.1), so a retry after a spurious fault walks afresh.
                Tlb.InvalidatePage(va);
                fault = new MemoryFault(FaultKind.PageFault, va, ErrorCode(access, user, PageFaultErrorCode.Present));
                return null;
            }
            if (access != AccessKind.Write || cached.Dirty)
            {
                if (access == AccessKind.Write)
                {
                    Memory.NoteWrite(cached.Frame!);
                    if (cached.User && cached.Frame!.WriteWatch is null)
                    {
                        cached.WriteTag = vpn;
                        Tlb.Publish(ref cached);
                    }
                }
                fault = default;
                return cached.Frame;
            }
            // First write through a clean entry: the processor walks again to set D.
            if (Nested is not null && SubPageWriteHit(vpn, va))
            {
                Memory.NoteWrite(cached.Frame!);
                fault = default;
                return cached.Frame;
            }
        }

        Walks++;
        _ledger?.Add(EventKind.PageWalk, user ? Layer.User : Layer.Kernel);
        if (Nested is not null)
        {
            return WalkNested(va, vpn, access, user, out fault);
        }
        if (!Walker.TryWalk(Cr3, va, access, user, out Translation t, out fault))
        {
            Tlb.InvalidatePage(va);
            return null;
        }

        PhysicalFrame frame = Memory.GetOrCreate(new Frame(t.PhysicalPage >> PageGeometry.PageShift));
        if (access == AccessKind.Write)
        {
            Memory.NoteWrite(frame);
        }
        AdoptForAudit(va, frame);
        // Insert replaces this page's own (clean or stale) entry; other pieces of a large page stay cached.
        ulong largePages = 1UL << (9 * (t.Level - 1));
        Fill(vpn, t, frame, t.Dirty, vpn & ~(largePages - 1), largePages);
        return frame;
    }

    /// <summary>
    /// Reads bytes that may cross pages. All pages are translated before anything is copied, so
    /// on a fault nothing has been read and <paramref name="fault"/> names the first bad page.
    /// </summary>
    public bool TryRead(ulong va, Span<byte> destination, bool user, out MemoryFault fault)
    {
        return TryAccess(va, destination, AccessKind.Read, user, out fault);
    }

    /// <summary>
    /// Writes bytes that may cross pages. All pages are checked for write permission before any
    /// byte is written: a write straddling a protected page changes nothing and faults.
    /// </summary>
    public bool TryWrite(ulong va, ReadOnlySpan<byte> source, bool user, out MemoryFault fault)
    {
        fixed (byte* p = source)
        {
            return TryAccess(va, new Span<byte>(p, source.Length), AccessKind.Write, user, out fault);
        }
    }

    /// <summary>
    /// Checks every page of a write for permission as the write itself would (setting A and D,
    /// dropping decoded code) without writing: the first half of a read-modify-write.
    /// </summary>
    public bool CheckWrite(ulong va, int length, bool user, out MemoryFault fault)
    {
        ulong last = va + (ulong)Math.Max(length, 1) - 1;
        ulong granuleMask = (ulong)AccessGranule - 1;
        for (ulong page = va & ~granuleMask; ; page += granuleMask + 1)
        {
            ulong at = page < va ? va : page;
            if (TranslateToFrame(at, AccessKind.Write, user, out fault) is null)
            {
                return false;
            }
            if (page == (last & ~granuleMask))
            {
                return true;
            }
        }
    }

    private bool TryAccess(ulong va, Span<byte> buffer, AccessKind access, bool user, out MemoryFault fault)
    {
        // At most a few pages in practice; check them all first, then copy. Writes under sub-page
        // permissions are checked per 128-byte sub-page (every byte of a page no longer shares them).
        int granule = access == AccessKind.Write ? AccessGranule : PageGeometry.PageSize;
        if ((int)(va & (ulong)(granule - 1)) + buffer.Length <= granule)
        {
            return TryAccessOneChunk(va, buffer, access, user, out fault);
        }
        int offset = 0;
        while (offset < buffer.Length)
        {
            ulong at = va + (ulong)offset;
            int chunk = Math.Min(buffer.Length - offset, granule - (int)(at & (ulong)(granule - 1)));
            if (TranslateToFrame(at, access, user, out fault) is null)
            {
                return false;
            }
            offset += chunk;
        }
        offset = 0;
        while (offset < buffer.Length)
        {
            ulong at = va + (ulong)offset;
            int chunk = Math.Min(buffer.Length - offset, PageGeometry.PageSize - (int)(at & PageGeometry.PageMask));
            // Translated a moment ago, so this cannot fault (the TLB holds every page unless a
            // tiny TLB evicted one, in which case the walk simply repeats).
            PhysicalFrame? frame = TranslateToFrame(at, access, user, out fault);
            if (frame is null)
            {
                return false;
            }
            int inPage = (int)(at & PageGeometry.PageMask);
            var span = new Span<byte>(frame.Pointer + inPage, chunk);
            if (access == AccessKind.Write)
            {
                buffer.Slice(offset, chunk).CopyTo(span);
                frame.WriteWatch?.Written(frame, inPage, chunk, user);
            }
            else
            {
                span.CopyTo(buffer.Slice(offset, chunk));
            }
            offset += chunk;
        }
        fault = default;
        return true;
    }

    /// <summary>
    /// <see cref="TryAccess"/> for an access inside one page and one check granule (almost every
    /// one: a field, a frame, a record entry): the check and the copy need the same one
    /// translation, so it is made once. The TLB ends as it would after the two (the same entry is
    /// the most recent either way) and nothing else is observed.
    /// </summary>
    private bool TryAccessOneChunk(ulong va, Span<byte> buffer, AccessKind access, bool user, out MemoryFault fault)
    {
        if (buffer.IsEmpty)
        {
            fault = default;
            return true;
        }
        PhysicalFrame? frame = TranslateToFrame(va, access, user, out fault);
        if (frame is null)
        {
            return false;
        }
        int inPage = (int)(va & PageGeometry.PageMask);
        var span = new Span<byte>(frame.Pointer + inPage, buffer.Length);
        if (access == AccessKind.Write)
        {
            buffer.CopyTo(span);
            frame.WriteWatch?.Written(frame, inPage, buffer.Length, user);
        }
        else
        {
            span.CopyTo(buffer);
        }
        return true;
    }

    private static PageFaultErrorCode ErrorCode(AccessKind access, bool user, PageFaultErrorCode code)
    {
        if (access == AccessKind.Write)
        {
            code |= PageFaultErrorCode.Write;
        }
        else if (access == AccessKind.Execute)
        {
            code |= PageFaultErrorCode.InstructionFetch;
        }
        return user ? code | PageFaultErrorCode.User : code;
    }
}

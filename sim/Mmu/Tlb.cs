using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HvSim.Mmu;

/// <summary>
/// A set-associative TLB with LRU order inside each set (each entry's last-use stamp orders it). It caches
/// translation, permissions and dirty state, and it is stale exactly as hardware is: changing a
/// PTE in memory does nothing here until CR3 is reloaded or the page is invalidated.
/// </summary>
public sealed unsafe class Tlb
{
    /// <summary>Tag value that never matches a virtual page number (those are below 2^52).</summary>
    public const ulong NoTag = ulong.MaxValue;

    // The fast path: per access kind, a direct-mapped table of entries that currently allow that
    // user access with no further check. It only ever holds copies of entries in _entries, and
    // every change to an entry (eviction, invlpg, flush, a new tag) updates it, so it never
    // answers differently from the set-associative TLB itself; it only answers faster.
    private const int FastSize = 256;
    private const ulong FastMask = FastSize - 1;

    private readonly TlbEntry[] _entries;
    private readonly FastSlot[] _fastRead = new FastSlot[FastSize];
    private readonly FastSlot[] _fastWrite = new FastSlot[FastSize];
    private readonly FastSlot[] _fastExec = new FastSlot[FastSize];
    private readonly int _ways;
    private readonly ulong _setMask;
    private int _largeEntries;

    // LRU order is kept as a use stamp per entry rather than by moving entries to the front of
    // their set: the entries hold a frame reference, and moving them meant a bulk copy with GC
    // write barriers on every slow hit that was not already the most recent way.
    private ulong _useClock;

    // Entries filled since the last flush (duplicates allowed); a count past the array's length
    // means "too many to list": the next flush clears the whole TLB.
    private readonly int[] _filled;
    private int _filledCount;

    public Tlb(TlbGeometry geometry)
    {
        geometry.Validate();
        Geometry = geometry;
        _ways = geometry.Ways;
        _setMask = (ulong)geometry.Sets - 1;
        _entries = new TlbEntry[geometry.Entries];
        _filled = new int[Math.Max(16, geometry.Entries / 4)];
        _filledCount = int.MaxValue; // the first flush clears everything (the array is not yet Empty)
        FlushAll();
    }

    public TlbGeometry Geometry { get; }

    /// <summary>Lookups that found no entry (and so walked).</summary>
    public long Misses { get; private set; }

    /// <summary>Lookups on the slow path that found an entry.</summary>
    public long SlowHits { get; private set; }

    /// <summary>Whole-TLB flushes (CR3 loads and explicit flushes).</summary>
    public long Flushes { get; private set; }

    /// <summary>Host pointer of the byte at <paramref name="va"/> for a user read, or null when the fast path cannot serve it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* FastRead(ulong va)
    {
        ulong vpn = va >> 12;
        ref FastSlot slot = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_fastRead), (nint)(vpn & FastMask));
        return slot.Tag == vpn ? slot.Host + (va & 0xFFF) : null;
    }

    /// <summary>Host pointer of the byte at <paramref name="va"/> for a user write, or null when the fast path cannot serve it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* FastWrite(ulong va)
    {
        ulong vpn = va >> 12;
        ref FastSlot slot = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_fastWrite), (nint)(vpn & FastMask));
        return slot.Tag == vpn ? slot.Host + (va & 0xFFF) : null;
    }

    /// <summary>The frame behind a user fetch from the page, or null when the fast path cannot serve it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public PhysicalFrame? FastExecFrame(ulong vpn)
    {
        ref FastSlot slot = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_fastExec), (nint)(vpn & FastMask));
        return slot.Tag == vpn ? slot.Frame : null;
    }

    /// <summary>Makes an entry's current tags visible to the fast path.</summary>
    internal void Publish(ref TlbEntry entry)
    {
        int i = (int)(entry.Vpn & FastMask);
        var slot = new FastSlot { Tag = entry.Vpn, Host = entry.Host, Frame = entry.Frame };
        if (entry.ReadTag == entry.Vpn)
        {
            _fastRead[i] = slot;
        }
        if (entry.WriteTag == entry.Vpn)
        {
            _fastWrite[i] = slot;
        }
        if (entry.ExecTag == entry.Vpn)
        {
            _fastExec[i] = slot;
        }
    }

    private void Unpublish(ulong vpn)
    {
        int i = (int)(vpn & FastMask);
        if (_fastRead[i].Tag == vpn)
        {
            _fastRead[i] = FastSlot.Empty;
        }
        if (_fastWrite[i].Tag == vpn)
        {
            _fastWrite[i] = FastSlot.Empty;
        }
        if (_fastExec[i].Tag == vpn)
        {
            _fastExec[i] = FastSlot.Empty;
        }
    }

    /// <summary>Finds the entry for a page and makes it the most recent of its set; null ref when absent.</summary>
    internal ref TlbEntry Find(ulong vpn)
    {
        int first = (int)(vpn & _setMask) * _ways;
        for (int way = 0; way < _ways; way++)
        {
            ref TlbEntry entry = ref _entries[first + way];
            if (entry.Vpn == vpn)
            {
                SlowHits++;
                entry.LastUse = ++_useClock;
                Publish(ref entry);
                return ref entry;
            }
        }
        Misses++;
        return ref Unsafe.NullRef<TlbEntry>();
    }

    /// <summary>
    /// Inserts an entry as the most recent of its set. It replaces the page's own entry if one is
    /// cached, else fills a free way, else evicts the least recent.
    /// </summary>
    internal ref TlbEntry Insert(in TlbEntry entry)
    {
        int first = (int)(entry.Vpn & _setMask) * _ways;
        int victim = WayOf(first, entry.Vpn);
        if (victim < 0)
        {
            victim = WayOf(first, NoTag);
        }
        if (victim < 0)
        {
            victim = LeastRecent(first);
        }
        ref TlbEntry slot = ref _entries[first + victim];
        if (slot.Large)
        {
            _largeEntries--;
        }
        if (slot.Vpn != NoTag)
        {
            Unpublish(slot.Vpn);
        }
        slot = entry;
        slot.LastUse = ++_useClock;
        NoteFilled(first + victim);
        if (entry.Large)
        {
            _largeEntries++;
        }
        Publish(ref slot);
        return ref slot;
    }

    /// <summary>The way of a full set used least recently (the one an LRU set evicts).</summary>
    private int LeastRecent(int first)
    {
        int oldest = 0;
        for (int way = 1; way < _ways; way++)
        {
            if (_entries[first + way].LastUse < _entries[first + oldest].LastUse)
            {
                oldest = way;
            }
        }
        return oldest;
    }

    /// <summary>True when an entry for this virtual page is cached (for tests and traces).</summary>
    public bool Contains(ulong virtualAddress)
    {
        ulong vpn = virtualAddress >> 12;
        int first = (int)(vpn & _setMask) * _ways;
        for (int way = 0; way < _ways; way++)
        {
            if (_entries[first + way].Vpn == vpn)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>invlpg: drops the translation of one page (every 4 KiB piece of a large page).</summary>
    public void InvalidatePage(ulong virtualAddress)
    {
        ulong vpn = virtualAddress >> 12;
        int first = (int)(vpn & _setMask) * _ways;
        for (int way = 0; way < _ways; way++)
        {
            if (_entries[first + way].Vpn == vpn)
            {
                Drop(first + way);
            }
        }
        if (_largeEntries > 0)
        {
            for (int i = 0; i < _entries.Length; i++)
            {
                ref TlbEntry e = ref _entries[i];
                if (e.Large && vpn - e.LargeBaseVpn < e.LargeVpnCount)
                {
                    Drop(i);
                }
            }
        }
    }

    /// <summary>Drops every entry (a CR3 load; global pages are not modelled).</summary>
    public void FlushAll()
    {
        if (_filledCount <= _filled.Length)
        {
            // Scanxen flushes once per cycle, with a handful of entries filled since the last
            // flush: only those slots (and the fast-path slots of their pages, the only ones that
            // can be set, since the fast path holds copies of live entries only) are cleared.
            for (int k = 0; k < _filledCount; k++)
            {
                ref TlbEntry entry = ref _entries[_filled[k]];
                if (entry.Vpn != NoTag)
                {
                    int slot = (int)(entry.Vpn & FastMask);
                    _fastRead[slot] = FastSlot.Empty;
                    _fastWrite[slot] = FastSlot.Empty;
                    _fastExec[slot] = FastSlot.Empty;
                    entry = Empty;
                }
            }
        }
        else
        {
            for (int i = 0; i < _entries.Length; i++)
            {
                _entries[i] = Empty;
            }
            Array.Fill(_fastRead, FastSlot.Empty);
            Array.Fill(_fastWrite, FastSlot.Empty);
            Array.Fill(_fastExec, FastSlot.Empty);
        }
        _filledCount = 0;
        _largeEntries = 0;
        Flushes++;
    }

    /// <summary>Notes an entry filled since the last flush (past the list's capacity, the next flush clears everything).</summary>
    private void NoteFilled(int index)
    {
        if (_filledCount < _filled.Length)
        {
            _filled[_filledCount] = index;
        }
        _filledCount = Math.Min(_filledCount + 1, _filled.Length + 1);
    }

    /// <summary>
    /// Stops fast-path writes to a frame (it now holds decoded code) without changing what the TLB
    /// holds architecturally: the entries stay, only their write tags are withdrawn.
    /// </summary>
    public void WithdrawFastWrites(PhysicalFrame frame)
    {
        for (int i = 0; i < _entries.Length; i++)
        {
            if (ReferenceEquals(_entries[i].Frame, frame))
            {
                _entries[i].WriteTag = NoTag;
                int slot = (int)(_entries[i].Vpn & FastMask);
                if (_fastWrite[slot].Tag == _entries[i].Vpn)
                {
                    _fastWrite[slot] = FastSlot.Empty;
                }
            }
        }
    }

    /// <summary>Withdraws the write tags of every entry whose frame an audit watches (<see cref="PhysicalFrame.WriteWatch"/>); one pass.</summary>
    public void WithdrawWatchedFastWrites()
    {
        for (int i = 0; i < _entries.Length; i++)
        {
            if (_entries[i].Frame?.WriteWatch is not null)
            {
                _entries[i].WriteTag = NoTag;
                int slot = (int)(_entries[i].Vpn & FastMask);
                if (_fastWrite[slot].Tag == _entries[i].Vpn)
                {
                    _fastWrite[slot] = FastSlot.Empty;
                }
            }
        }
    }

    private int WayOf(int first, ulong vpn)
    {
        for (int way = 0; way < _ways; way++)
        {
            if (_entries[first + way].Vpn == vpn)
            {
                return way;
            }
        }
        return -1;
    }

    private void Drop(int index)
    {
        Unpublish(_entries[index].Vpn);
        if (_entries[index].Large)
        {
            _largeEntries--;
        }
        _entries[index] = Empty;
    }

    private static TlbEntry Empty => new()
    {
        ReadTag = NoTag,
        WriteTag = NoTag,
        ExecTag = NoTag,
        Vpn = NoTag,
    };
}

/// <summary>A fast-path slot: the page, its host address and frame.</summary>
internal unsafe struct FastSlot
{
    public ulong Tag;
    public byte* Host;
    public PhysicalFrame? Frame;

    public static FastSlot Empty => new() { Tag = Tlb.NoTag };
}

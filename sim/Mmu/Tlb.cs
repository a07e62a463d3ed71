using System.Runtime.CompilerServices;

namespace HvSim.Mmu;

/// <summary>
/// A set-associative TLB with LRU order inside each set (way 0 is the most recent). It caches
/// translation, permissions and dirty state, and it is stale exactly as hardware is: changing a
/// PTE in memory does nothing here until CR3 is reloaded or the page is invalidated.
/// </summary>
public sealed unsafe class Tlb
{
    /// <summary>Tag value that never matches a virtual page number (those are below 2^52).</summary>
    public const ulong NoTag = ulong.MaxValue;

    private readonly TlbEntry[] _entries;
    private readonly int _ways;
    private readonly ulong _setMask;
    private int _largeEntries;

    public Tlb(TlbGeometry geometry)
    {
        geometry.Validate();
        Geometry = geometry;
        _ways = geometry.Ways;
        _setMask = (ulong)geometry.Sets - 1;
        _entries = new TlbEntry[geometry.Entries];
        FlushAll();
    }

    public TlbGeometry Geometry { get; }

    /// <summary>Lookups that found no entry (and so walked).</summary>
    public long Misses { get; private set; }

    /// <summary>Lookups on the slow path that found an entry.</summary>
    public long SlowHits { get; private set; }

    /// <summary>Whole-TLB flushes (CR3 loads and explicit flushes).</summary>
    public long Flushes { get; private set; }

    /// <summary>The most recent entry of the set a virtual page falls in (the fast path looks only here).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref TlbEntry MruEntry(ulong vpn) => ref _entries[(int)(vpn & _setMask) * _ways];

    /// <summary>Finds the entry for a page and makes it the most recent of its set; null ref when absent.</summary>
    internal ref TlbEntry Find(ulong vpn)
    {
        int first = (int)(vpn & _setMask) * _ways;
        for (int way = 0; way < _ways; way++)
        {
            if (_entries[first + way].Vpn == vpn)
            {
                SlowHits++;
                if (way != 0)
                {
                    TlbEntry hit = _entries[first + way];
                    Array.Copy(_entries, first, _entries, first + 1, way);
                    _entries[first] = hit;
                }
                return ref _entries[first];
            }
        }
        Misses++;
        return ref Unsafe.NullRef<TlbEntry>();
    }

    /// <summary>Inserts an entry as the most recent of its set, evicting the least recent.</summary>
    internal ref TlbEntry Insert(in TlbEntry entry)
    {
        int first = (int)(entry.Vpn & _setMask) * _ways;
        if (_entries[first + _ways - 1].Large)
        {
            _largeEntries--;
        }
        Array.Copy(_entries, first, _entries, first + 1, _ways - 1);
        _entries[first] = entry;
        if (entry.Large)
        {
            _largeEntries++;
        }
        return ref _entries[first];
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
        for (int i = 0; i < _entries.Length; i++)
        {
            _entries[i] = Empty;
        }
        _largeEntries = 0;
        Flushes++;
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
            }
        }
    }

    private void Drop(int index)
    {
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

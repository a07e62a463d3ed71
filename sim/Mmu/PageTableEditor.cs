using HvSim.Core;

namespace HvSim.Mmu;

/// <summary>
/// Builds and edits 4-level page tables in guest physical memory the way a kernel does:
/// intermediate entries are P|RW|US (permissions are decided at the leaf, as Linux does),
/// table frames come from a <see cref="FrameAllocator"/>. It edits memory only; flushing the
/// TLB after a change is the caller's job, exactly as for a kernel.
/// </summary>
public sealed class PageTableEditor
{
    private const Pte TableBits = Pte.P | Pte.RW | Pte.US;

    private readonly PhysicalMemory _memory;
    private readonly FrameAllocator _allocator;

    public PageTableEditor(PhysicalMemory memory, FrameAllocator allocator)
    {
        _memory = memory;
        _allocator = allocator;
    }

    /// <summary>
    /// How an entry is written: (entry address, value, the virtual address being mapped). By
    /// default straight into memory; a paravirtualised kernel routes it through its hypervisor.
    /// </summary>
    public Action<GuestPhysical, ulong, ulong>? EntryWriter { get; set; }

    /// <summary>Allocates an empty PML4 and returns the CR3 value for it.</summary>
    public ulong CreateRoot()
    {
        return AllocateTable().Base.Value;
    }

    /// <summary>
    /// The guest-physical address of the leaf (level-1) entry for <paramref name="va"/>, creating
    /// the intermediate tables when <paramref name="create"/> is set; null when a table is missing
    /// (or memory ran out). Large pages are not created by this editor.
    /// </summary>
    public GuestPhysical? LeafEntryAddress(ulong cr3, ulong va, bool create)
    {
        ulong table = PteFormat.Address(cr3);
        for (int level = 4; level > 1; level--)
        {
            var entryAddress = new GuestPhysical(table + ((ulong)PteFormat.Index(va, level) * 8));
            ulong entry = _memory.ReadU64(entryAddress);
            if (!PteFormat.Has(entry, Pte.P))
            {
                if (!create)
                {
                    return null;
                }
                Frame? next = TryAllocateTable();
                if (next is null)
                {
                    return null;
                }
                entry = PteFormat.Make(next.Value.Base.Value, TableBits);
                WriteEntry(entryAddress, entry, va);
            }
            else if (PteFormat.Has(entry, Pte.PS))
            {
                throw new InvalidOperationException($"0x{va:x} lies in a large page; the editor only handles 4 KiB pages");
            }
            table = PteFormat.Address(entry);
        }
        return new GuestPhysical(table + ((ulong)PteFormat.Index(va, 1) * 8));
    }

    /// <summary>
    /// The leaf entry slots of [<paramref name="start"/>, <paramref name="end"/>) that have a page
    /// table, in address order: an absent entry at any level skips all it would cover (512 GiB,
    /// 1 GiB, 2 MiB) at once, so a walk over an enormous, sparsely populated range costs what its
    /// tables hold, not what the range spans. Entries may be rewritten while walking; tables must
    /// not be created or freed. A struct enumerator: mprotect walks it twice per PT fault cycle,
    /// and an iterator object each time was garbage per fault (issue 15).
    /// </summary>
    public LeafSlotWalk LeafSlots(ulong cr3, ulong start, ulong end) => new(_memory, cr3, start, end);

    /// <summary>Reads the leaf entry for <paramref name="va"/> (0 when no table maps it).</summary>
    public ulong ReadLeaf(ulong cr3, ulong va)
    {
        GuestPhysical? at = LeafEntryAddress(cr3, va, create: false);
        return at is null ? 0 : _memory.ReadU64(at.Value);
    }

    /// <summary>Maps one 4 KiB page; returns false when memory for a table ran out.</summary>
    public bool Map(ulong cr3, ulong va, Frame frame, Pte bits)
    {
        GuestPhysical? at = LeafEntryAddress(cr3, va, create: true);
        if (at is null)
        {
            return false;
        }
        WriteEntry(at.Value, PteFormat.Make(frame.Base.Value, bits | Pte.P), va);
        return true;
    }

    private void WriteEntry(GuestPhysical at, ulong value, ulong va)
    {
        if (EntryWriter is null)
        {
            _memory.WriteU64(at, value);
        }
        else
        {
            EntryWriter(at, value, va);
        }
    }

    /// <summary>Every present leaf mapping under <paramref name="cr3"/>, as (va, entry) in address order.</summary>
    public IEnumerable<(ulong VirtualAddress, ulong Entry)> EnumerateLeaves(ulong cr3)
    {
        return Enumerate(PteFormat.Address(cr3), 4, 0);
    }

    /// <summary>Frees every table frame under <paramref name="cr3"/> (not the mapped pages) and the root.</summary>
    public void FreeTables(ulong cr3)
    {
        FreeTable(PteFormat.Address(cr3), 4);
    }

    private IEnumerable<(ulong, ulong)> Enumerate(ulong table, int level, ulong vaBase)
    {
        for (int i = 0; i < 512; i++)
        {
            ulong entry = _memory.ReadU64(new GuestPhysical(table + ((ulong)i * 8)));
            if (!PteFormat.Has(entry, Pte.P))
            {
                continue;
            }
            ulong va = vaBase | ((ulong)i << (12 + (9 * (level - 1))));
            if (level == 4 && i >= 256)
            {
                va |= 0xFFFF_0000_0000_0000UL; // sign-extend the upper half
            }
            if (level == 1 || PteFormat.Has(entry, Pte.PS))
            {
                yield return (va, entry);
            }
            else
            {
                foreach ((ulong, ulong) leaf in Enumerate(PteFormat.Address(entry), level - 1, va))
                {
                    yield return leaf;
                }
            }
        }
    }

    private void FreeTable(ulong table, int level)
    {
        if (level > 1)
        {
            for (int i = 0; i < 512; i++)
            {
                ulong entry = _memory.ReadU64(new GuestPhysical(table + ((ulong)i * 8)));
                if (PteFormat.Has(entry, Pte.P) && !PteFormat.Has(entry, Pte.PS))
                {
                    FreeTable(PteFormat.Address(entry), level - 1);
                }
            }
        }
        _allocator.Free(new Frame(table >> PageGeometry.PageShift));
    }

    private Frame AllocateTable()
    {
        return TryAllocateTable() ?? throw new InvalidOperationException("guest physical memory exhausted while creating a page-table root");
    }

    private Frame? TryAllocateTable()
    {
        Frame? frame = _allocator.TryAllocate();
        if (frame is not null)
        {
            // Touch it so it exists: a table is always read by the walker.
            _memory.GetOrCreate(frame.Value);
        }
        return frame;
    }
}

using HvSim.Core;

namespace HvSim.Mmu;

/// <summary>
/// The walk behind <see cref="PageTableEditor.LeafSlots"/>: foreach over it yields each leaf
/// entry slot (its virtual address and where the entry lies) of a range that has a page table,
/// skipping at once whatever an absent upper entry would cover. A struct, so a walk allocates nothing.
/// </summary>
public struct LeafSlotWalk
{
    private readonly PhysicalMemory _memory;
    private readonly ulong _cr3;
    private readonly ulong _end;
    private ulong _va;
    private ulong _table;  // the leaf table being walked (valid while _inLeaf)
    private int _index;    // the next slot of that table
    private bool _inLeaf;
    private bool _done;

    internal LeafSlotWalk(PhysicalMemory memory, ulong cr3, ulong start, ulong end)
    {
        _memory = memory;
        _cr3 = cr3;
        _end = end;
        _va = PageGeometry.PageBase(start);
        _table = 0;
        _index = 0;
        _inLeaf = false;
        _done = false;
        Current = default;
    }

    public (ulong VirtualAddress, GuestPhysical At) Current { get; private set; }

    public readonly LeafSlotWalk GetEnumerator() => this;

    public bool MoveNext()
    {
        while (!_done)
        {
            if (_inLeaf)
            {
                if (_index < 512 && _va < _end)
                {
                    Current = (_va, new GuestPhysical(_table + ((ulong)_index * 8)));
                    _index++;
                    _va += PageGeometry.PageSize;
                    return true;
                }
                _inLeaf = false;
                if (_va == 0)
                {
                    break; // wrapped
                }
            }
            if (_va >= _end)
            {
                break;
            }
            ulong table = PteFormat.Address(_cr3);
            int level = 4;
            for (; level > 1; level--)
            {
                ulong entry = _memory.ReadU64(new GuestPhysical(table + ((ulong)PteFormat.Index(_va, level) * 8)));
                if (!PteFormat.Has(entry, Pte.P))
                {
                    break;
                }
                if (PteFormat.Has(entry, Pte.PS))
                {
                    throw new InvalidOperationException($"0x{_va:x} lies in a large page; the editor only handles 4 KiB pages");
                }
                table = PteFormat.Address(entry);
            }
            if (level > 1)
            {
                int shift = 12 + (9 * (level - 1)); // what one entry of this level covers
                ulong next = ((_va >> shift) + 1) << shift;
                if (next <= _va)
                {
                    break; // past the top of the address space
                }
                _va = next;
                continue;
            }
            _table = table;
            _index = PteFormat.Index(_va, 1);
            _inLeaf = true;
        }
        _done = true;
        return false;
    }
}

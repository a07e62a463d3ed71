using HvSim.Core;
using HvSim.Mmu;

namespace HvSim.Hypervisor;

/// <summary>
/// Shadow page tables: the hypervisor's own copies of the guest's tables, in its own frames; the
/// MMU walks these. An entry is filled on the fault that needs it, from a walk of the guest's
/// tables (which sets A, and D for a write, in the guest's entries: A/D flow back). A shadow
/// entry is writable only once the guest entry is dirty, so the first write to a page faults
/// into the hypervisor and sets the guest's D bit. Each filled entry is remembered against the
/// guest entry it came from, so a trapped write to that guest entry drops it.
/// </summary>
public sealed class ShadowPager
{
    private readonly Machine _machine;
    private readonly PageTableEditor _tables;
    private readonly Dictionary<ulong, ulong> _roots = new();
    private readonly Dictionary<ulong, List<(ulong Root, ulong Va)>> _derived = new();
    private ulong _guestCr3;

    public ShadowPager(Machine machine)
    {
        _machine = machine;
        _tables = new PageTableEditor(machine.Memory, machine.HypervisorFrames);
    }

    /// <summary>The guest's own page-table root for the current address space.</summary>
    public ulong GuestCr3 => _guestCr3;

    /// <summary>Shadow entries currently filled (for tests and traces).</summary>
    public int FilledEntries => _derived.Values.Sum(list => list.Count);

    /// <summary>The shadow root for a guest root, created empty on first use.</summary>
    public ulong ShadowRootFor(ulong guestCr3)
    {
        if (!_roots.TryGetValue(guestCr3, out ulong root))
        {
            root = _tables.CreateRoot();
            _roots.Add(guestCr3, root);
        }
        return root;
    }

    /// <summary>The guest loaded CR3: the MMU gets the matching shadow root.</summary>
    public void SwitchTo(ulong guestCr3)
    {
        _guestCr3 = guestCr3;
        _machine.Mmu.LoadCr3(ShadowRootFor(guestCr3));
    }

    /// <summary>
    /// A #PF under shadow paging: when the guest's tables allow the access, fill the shadow entry
    /// and return true (the access is retried); otherwise the fault is the guest's own, and
    /// <paramref name="guestFault"/> is that fault as the guest's tables describe it (a write to a
    /// page the guest maps read-only is a protection fault, even if no shadow entry existed yet).
    /// </summary>
    public bool TryFill(ulong va, AccessKind access, bool user, out MemoryFault guestFault)
    {
        if (!_machine.Mmu.Walker.TryWalk(_guestCr3, va, access, user, out Translation guest, out guestFault))
        {
            // The guest's own fault, with the error code its tables give. The hypervisor walked
            // the guest's tables to learn that, as it does when the walk succeeds.
            _machine.Ledger.Add(EventKind.PageWalk, Layer.Hypervisor,
                _machine.Ledger.IsTracing ? $"guest tables forbid it: {guestFault}, the guest's own fault" : "");
            return false;
        }
        _machine.Ledger.Add(EventKind.PageWalk, Layer.Hypervisor,
            _machine.Ledger.IsTracing ? $"guest tables allow it: {va:x} -> frame {guest.PhysicalPage:x}, guest A{(guest.Dirty ? " and D" : "")} set" : "");
        Pte bits = Pte.P | Pte.A;
        if (guest.User)
        {
            bits |= Pte.US;
        }
        if (guest.Writable && guest.Dirty)
        {
            bits |= Pte.RW | Pte.D;
        }
        if (!guest.Executable)
        {
            bits |= Pte.NX;
        }
        ulong root = ShadowRootFor(_guestCr3);
        ulong page = PageGeometry.PageBase(va);
        if (!_tables.Map(root, page, new Frame(guest.PhysicalPage >> PageGeometry.PageShift), bits))
        {
            throw new InvalidOperationException("the hypervisor ran out of frames for shadow page tables");
        }
        if (!_derived.TryGetValue(guest.LeafEntryAddress, out List<(ulong, ulong)>? list))
        {
            list = new List<(ulong, ulong)>();
            _derived.Add(guest.LeafEntryAddress, list);
        }
        if (!list.Contains((root, page)))
        {
            list.Add((root, page));
        }
        _machine.Mmu.InvalidatePage(page);
        _machine.Ledger.Add(EventKind.PteUpdate, Layer.Hypervisor,
            _machine.Ledger.IsTracing ? $"shadow PTE for {page:x} := {PteFormat.Describe(PteFormat.Make(guest.PhysicalPage, bits))}" : "");
        return true;
    }

    /// <summary>A guest entry was written (trapped and emulated): drop every shadow entry made from it.</summary>
    public void OnGuestEntryWritten(GuestPhysical entryAddress)
    {
        if (!_derived.Remove(entryAddress.Value, out List<(ulong Root, ulong Va)>? list))
        {
            return;
        }
        foreach ((ulong root, ulong va) in list)
        {
            Drop(root, va);
        }
    }

    /// <summary>invlpg from the guest: drop the shadow entry of that page in the current space.</summary>
    public void Invalidate(ulong va)
    {
        if (_roots.TryGetValue(_guestCr3, out ulong root))
        {
            Drop(root, PageGeometry.PageBase(va));
        }
        _machine.Mmu.InvalidatePage(va);
    }

    /// <summary>The guest released an address space: free its shadow tables.</summary>
    public void Release(ulong guestCr3)
    {
        if (!_roots.Remove(guestCr3, out ulong root))
        {
            return;
        }
        foreach (List<(ulong Root, ulong Va)> list in _derived.Values)
        {
            list.RemoveAll(entry => entry.Root == root);
        }
        _tables.FreeTables(root);
    }

    private void Drop(ulong root, ulong va)
    {
        GuestPhysical? at = _tables.LeafEntryAddress(root, va, create: false);
        if (at is null || _machine.Memory.ReadU64(at.Value) == 0)
        {
            return;
        }
        _machine.Memory.WriteU64(at.Value, 0);
        if (_roots.TryGetValue(_guestCr3, out ulong current) && current == root)
        {
            _machine.Mmu.InvalidatePage(va);
        }
        _machine.Ledger.Add(EventKind.PteUpdate, Layer.Hypervisor,
            _machine.Ledger.IsTracing ? $"shadow PTE for {va:x} dropped (out of sync with the guest's)" : "");
    }
}

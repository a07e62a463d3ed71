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
/// <remarks>
/// The shadow D bit means "written through this shadow entry", which is what Scanxen reads: it is
/// set by the MMU on a write through the entry or by a fill that a write caused, never copied from
/// the guest's D (a read refill of a page the guest once wrote would otherwise look dirty), and it
/// survives a refill or propagation that keeps the frame. When a dirty shadow entry is dropped or
/// remapped, <see cref="DirtyEntryLeaving"/> hears of it so the information is not lost. The
/// techniques keep CDA pages read-only through <see cref="KeepReadOnly"/>, consulted whenever an
/// entry is filled or propagated.
/// The tables come from a pool of the hypervisor's frames; when it cannot hold one more fill,
/// every shadow is dropped and rebuilt on demand (ShadowPager.Pool.cs).
/// </remarks>
public sealed partial class ShadowPager
{
    private readonly Machine _machine;
    private readonly PageTableEditor _tables;
    private readonly Dictionary<ulong, ulong> _roots = new();
    private readonly Dictionary<ulong, ulong> _guestOfRoot = new();
    private readonly Dictionary<ulong, List<Derived>> _derived = new();
    private ulong _guestCr3;

    /// <param name="options">The platform's knobs: the pool's size (<see cref="PlatformOptions.ShadowPoolFrames"/>) and the tests' forced evictions.</param>
    public ShadowPager(Machine machine, PlatformOptions? options = null)
    {
        _machine = machine;
        _tables = new PageTableEditor(machine.Memory, machine.HypervisorFrames);
        (PoolFrames, _evictEveryFills) = PoolSize(machine, options ?? new PlatformOptions());
    }

    /// <summary>The guest's own page-table root for the current address space.</summary>
    public ulong GuestCr3 => _guestCr3;

    /// <summary>
    /// Asked at every fill and propagation with (guest CR3, page): true when a technique wants
    /// the page read-only whatever the guest's entry allows (a protected CDA page).
    /// </summary>
    public Func<ulong, ulong, bool>? KeepReadOnly { get; set; }

    /// <summary>Told (guest CR3, page) when a shadow entry with D set is dropped or made to map another frame.</summary>
    public Action<ulong, ulong>? DirtyEntryLeaving { get; set; }

    /// <summary>Shadow entries currently filled (for tests and traces).</summary>
    public int FilledEntries => _derived.Values.Sum(list => list.Count);

    /// <summary>The shadow root for a guest root, created empty on first use.</summary>
    public ulong ShadowRootFor(ulong guestCr3)
    {
        if (!_roots.TryGetValue(guestCr3, out ulong root))
        {
            Reserve(1);
            // An eviction there gave the current address space a fresh root: it may be this one.
            if (_roots.TryGetValue(guestCr3, out root))
            {
                return root;
            }
            root = _tables.CreateRoot();
            _roots.Add(guestCr3, root);
            _guestOfRoot.Add(root, guestCr3);
            NotePeak();
        }
        return root;
    }

    /// <summary>
    /// The shadow leaf entry's address for <paramref name="va"/> in the shadows of
    /// <paramref name="guestCr3"/>, or null when no shadow table reaches it (nothing is created).
    /// </summary>
    public GuestPhysical? ShadowLeafEntry(ulong guestCr3, ulong va) =>
        _roots.TryGetValue(guestCr3, out ulong root) ? _tables.LeafEntryAddress(root, va, create: false) : null;

    /// <summary>
    /// The shadow leaf entry slots of [<paramref name="start"/>, <paramref name="end"/>) in the
    /// shadows of <paramref name="guestCr3"/> that a shadow table reaches, in address order (none
    /// without a shadow root; nothing is created): what <see cref="ShadowLeafEntry"/> finds for
    /// each page, at one entry read per page instead of a walk from the root.
    /// </summary>
    public LeafSlotWalk ShadowLeafSlots(ulong guestCr3, ulong start, ulong end) =>
        _roots.TryGetValue(guestCr3, out ulong root) ? _tables.LeafSlots(root, start, end) : _tables.LeafSlots(0, start, start);

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
                !_machine.Ledger.IsTracing ? null : TraceFault.Of(guestFault, "guest tables forbid it: {fault}, the guest's own fault"));
            return false;
        }
        _machine.Ledger.Add(EventKind.PageWalk, Layer.Hypervisor, !_machine.Ledger.IsTracing ? null
            : new TraceData(guest.Dirty ? "guest tables allow it: {address} -> frame {frame}, guest A and D set" : "guest tables allow it: {address} -> frame {frame}, guest A set")
            {
                Address = va,
                Frame = guest.PhysicalPage >> PageGeometry.PageShift,
                PteAfter = _machine.Memory.ReadU64(new GuestPhysical(guest.LeafEntryAddress)),
            });
        ulong page = PageGeometry.PageBase(va);
        Pte bits = Pte.P | Pte.A;
        if (guest.User)
        {
            bits |= Pte.US;
        }
        if (guest.Writable && guest.Dirty && KeepReadOnly?.Invoke(_guestCr3, page) != true)
        {
            bits |= Pte.RW;
        }
        if (!guest.Executable)
        {
            bits |= Pte.NX;
        }
        // Room for the tables the fill may add (an eviction drops every shadow first, this
        // page's old entry too, so what follows reads the fresh root).
        Reserve(TablesPerFill, fill: true);
        ulong root = ShadowRootFor(_guestCr3);
        // D only for a write about to go through the entry, or kept from the entry being
        // replaced when it maps the same frame (its writes happened); never from the guest's D.
        GuestPhysical? existing = _tables.LeafEntryAddress(root, page, create: false);
        ulong old = existing is null ? 0 : _machine.Memory.ReadU64(existing.Value);
        bits |= DirtyBit(root, page, old, guest.PhysicalPage, writing: access == AccessKind.Write && (bits & Pte.RW) != 0);
        if (!_tables.Map(root, page, new Frame(guest.PhysicalPage >> PageGeometry.PageShift), bits))
        {
            // Reserve made room for every table a fill can add: this is a simulator bug.
            throw new InvalidOperationException($"the shadow pool had no frame for a fill after reserving {TablesPerFill}");
        }
        NotePeak();
        // The rights the levels above the leaf grant, kept so a later write to the guest's leaf
        // can be propagated without walking (and touching A bits in) the guest's tables again.
        ulong leaf = _machine.Memory.ReadU64(new GuestPhysical(guest.LeafEntryAddress));
        var derived = new Derived(root, page,
            UpperUser: guest.User || !PteFormat.Has(leaf, Pte.US),
            UpperWritable: guest.Writable || !PteFormat.Has(leaf, Pte.RW),
            UpperExecutable: guest.Executable || PteFormat.Has(leaf, Pte.NX));
        if (!_derived.TryGetValue(guest.LeafEntryAddress, out List<Derived>? list))
        {
            list = new List<Derived>();
            _derived.Add(guest.LeafEntryAddress, list);
        }
        // The entry this fill replaces, if any: removed without a predicate closure (one per
        // fill was garbage on every shadow fault, issue 15); the others keep their order.
        for (int i = list.Count - 1; i >= 0; i--)
        {
            if (list[i].Root == root && list[i].Va == page)
            {
                list.RemoveAt(i);
            }
        }
        list.Add(derived);
        _machine.Mmu.InvalidatePage(page);
        _machine.Ledger.Add(EventKind.PteUpdate, Layer.Hypervisor, !_machine.Ledger.IsTracing ? null
            : new TraceData("shadow PTE for {page} := {pte_after}") { Page = page, PteBefore = old, PteAfter = PteFormat.Make(guest.PhysicalPage, bits) });
        return true;
    }

    /// <summary>
    /// A guest entry was written (trapped and emulated): every shadow entry made from it is brought
    /// in sync — rewritten from the new guest entry, or dropped when the guest entry is no longer
    /// present (or not yet accessed: the next access then faults in and sets A).
    /// </summary>
    public void OnGuestEntryWritten(GuestPhysical entryAddress, ulong value)
    {
        if (!_derived.TryGetValue(entryAddress.Value, out List<Derived>? list))
        {
            return;
        }
        if (!PteFormat.Has(value, Pte.P) || !PteFormat.Has(value, Pte.A))
        {
            _derived.Remove(entryAddress.Value);
            foreach (Derived d in list)
            {
                Drop(d.Root, d.Va);
            }
            return;
        }
        foreach (Derived d in list)
        {
            GuestPhysical? at = _tables.LeafEntryAddress(d.Root, d.Va, create: false);
            if (at is null)
            {
                continue;
            }
            ulong guestCr3 = _guestOfRoot.GetValueOrDefault(d.Root);
            Pte bits = Pte.P | Pte.A;
            if (d.UpperUser && PteFormat.Has(value, Pte.US))
            {
                bits |= Pte.US;
            }
            if (d.UpperWritable && PteFormat.Has(value, Pte.RW) && PteFormat.Has(value, Pte.D)
                && KeepReadOnly?.Invoke(guestCr3, d.Va) != true)
            {
                bits |= Pte.RW;
            }
            if (!d.UpperExecutable || PteFormat.Has(value, Pte.NX))
            {
                bits |= Pte.NX;
            }
            ulong previous = _machine.Memory.ReadU64(at.Value);
            bits |= DirtyBit(d.Root, d.Va, previous, PteFormat.Address(value), writing: false);
            ulong shadow = PteFormat.Make(PteFormat.Address(value), bits);
            _machine.Memory.WriteU64(at.Value, shadow);
            if (_roots.TryGetValue(_guestCr3, out ulong current) && current == d.Root)
            {
                _machine.Mmu.InvalidatePage(d.Va);
            }
            _machine.Ledger.Add(EventKind.PteUpdate, Layer.Hypervisor, !_machine.Ledger.IsTracing ? null
                : new TraceData("shadow PTE for {page} := {pte_after} (propagated from the guest's)") { Page = d.Va, PteBefore = previous, PteAfter = shadow });
        }
    }

    /// <summary>
    /// invlpg from the guest. Every guest PTE write traps and is propagated at once, so the shadow
    /// entry is already in sync: only the hardware TLB entry has to go.
    /// </summary>
    public void Invalidate(ulong va)
    {
        _machine.Mmu.InvalidatePage(va);
    }

    /// <summary>The guest released an address space: free its shadow tables.</summary>
    public void Release(ulong guestCr3)
    {
        if (!_roots.Remove(guestCr3, out ulong root))
        {
            return;
        }
        _guestOfRoot.Remove(root);
        foreach (List<Derived> list in _derived.Values)
        {
            list.RemoveAll(entry => entry.Root == root);
        }
        _tables.FreeTables(root);
    }

    /// <summary>
    /// The D bit of an entry about to replace <paramref name="old"/>: set for a write, kept when
    /// the old entry was dirty and maps the same frame; a dirty old entry for another frame is
    /// reported as leaving.
    /// </summary>
    private Pte DirtyBit(ulong root, ulong va, ulong old, ulong newFrameAddress, bool writing)
    {
        bool oldDirty = PteFormat.Has(old, Pte.P | Pte.D);
        if (oldDirty && PteFormat.Address(old) != PteFormat.Address(newFrameAddress))
        {
            DirtyEntryLeaving?.Invoke(_guestOfRoot.GetValueOrDefault(root), va);
            oldDirty = false;
        }
        return writing || oldDirty ? Pte.D : Pte.None;
    }

    /// <summary>A shadow entry is leaving: if writes went through it (D), the techniques hear of it; true when they did.</summary>
    private bool ReportIfDirty(ulong root, ulong va, ulong entry)
    {
        if (!PteFormat.Has(entry, Pte.P | Pte.D))
        {
            return false;
        }
        DirtyEntryLeaving?.Invoke(_guestOfRoot.GetValueOrDefault(root), va);
        return true;
    }

    private void Drop(ulong root, ulong va)
    {
        GuestPhysical? at = _tables.LeafEntryAddress(root, va, create: false);
        ulong old = at is null ? 0 : _machine.Memory.ReadU64(at.Value);
        if (old == 0)
        {
            return;
        }
        ReportIfDirty(root, va, old);
        _machine.Memory.WriteU64(at!.Value, 0);
        if (_roots.TryGetValue(_guestCr3, out ulong current) && current == root)
        {
            _machine.Mmu.InvalidatePage(va);
        }
        _machine.Ledger.Add(EventKind.PteUpdate, Layer.Hypervisor, !_machine.Ledger.IsTracing ? null
            : new TraceData("shadow PTE for {page} dropped (out of sync with the guest's)") { Page = va, PteBefore = old, PteAfter = 0 });
    }
}

/// <summary>A shadow entry and the rights the guest's upper-level entries granted when it was made.</summary>
internal readonly record struct Derived(ulong Root, ulong Va, bool UpperUser, bool UpperWritable, bool UpperExecutable);

using HvSim.Core;

namespace HvSim.Mmu;

/// <summary>
/// The second dimension of address translation under VT-x with EPT (Intel SDM Vol. 3C, 29.3):
/// the VMCS fields the processor consults (the EPT pointer, the page-modification log's address
/// and index, the sub-page permissions, and OoH's guest-virtual log) and the EPT walk itself.
/// Every guest-physical address the processor uses, including those of the guest's own
/// paging-structure entries during a walk, is translated here; A/D bits for EPT are on (EPTP bit
/// 6), so the processor sets A in every EPT entry it uses and D in the leaf of a page written,
/// and treats its accesses to guest paging-structure entries as writes (29.3.5).
/// </summary>
public sealed class NestedPaging
{
    /// <summary>Entries in the page-modification log: one 4 KiB page of 8-byte addresses (SDM 29.3.6).</summary>
    public const int PmlEntries = 512;

    /// <summary>The granularity of sub-page write permissions (SDM 29.3.4): 32 sub-pages per 4 KiB page.</summary>
    public const int SubPageBytes = 128;

    private readonly PhysicalMemory _memory;
    private readonly Func<ulong, bool> _populate;
    private readonly Dictionary<ulong, uint> _subPageWritable = new();
    private readonly EventLedger? _ledger;

    /// <param name="memory">Host-physical memory (the EPT lives in the hypervisor's frames).</param>
    /// <param name="eptRoot">Host-physical address of the EPT PML4 (the EPTP's address field).</param>
    /// <param name="exits">The hypervisor's exit handlers.</param>
    /// <param name="populate">
    /// Materialises the EPT leaf of a guest-physical page the hypervisor maps but has not built an
    /// entry for yet (false when the page is not guest memory). The simulated hypervisor maps all
    /// guest memory before the guest starts; building the tables on first use only saves the host
    /// work of tables nothing touches, and is invisible to the guest (no exit, no event).
    /// </param>
    /// <param name="ledger">Where the processor's log appends are counted (DirtyLogAppend at the user layer: the CPU's store while the guest runs).</param>
    public NestedPaging(PhysicalMemory memory, ulong eptRoot, IVmExitSink exits, Func<ulong, bool> populate, EventLedger? ledger = null)
    {
        _memory = memory;
        _ledger = ledger;
        EptRoot = eptRoot;
        Exits = exits;
        _populate = populate;
    }

    public ulong EptRoot { get; }

    public IVmExitSink Exits { get; }

    /// <summary>"Enable PML" (secondary processor-based control bit 17).</summary>
    public bool PmlEnabled { get; set; }

    /// <summary>Host-physical address of the 4 KiB log page.</summary>
    public ulong PmlAddress { get; set; }

    /// <summary>The PML index (a 16-bit VMCS field): the next entry written, counting down from 511; out of 0..511 means full.</summary>
    public ushort PmlIndex { get; set; } = PmlEntries - 1;

    /// <summary>OoH's EPML: the guest CR3 whose writes are logged by guest-virtual address (null: off).</summary>
    public ulong? EpmlCr3 { get; set; }

    /// <summary>Guest-virtual address of the EPML log (8-byte entries in the registered process).</summary>
    public ulong EpmlBuffer { get; set; }

    /// <summary>Entries the EPML log holds.</summary>
    public int EpmlCapacity { get; set; }

    /// <summary>Entries written to the EPML log since the hypervisor last reset it.</summary>
    public int EpmlCount { get; set; }

    /// <summary>
    /// Whether any page has sub-page permissions: then writes are checked, and host-pointer runs
    /// broken, at 128-byte granularity (<see cref="Mmu.AccessGranule"/>).
    /// </summary>
    public bool SubPagesInUse => _subPageWritable.Count > 0;

    /// <summary>The SPP table's entry for a guest-physical page: bit i set when sub-page i may be written (SDM 29.3.4.2).</summary>
    public uint SubPageWritable(ulong guestPhysicalPage) => _subPageWritable.GetValueOrDefault(guestPhysicalPage & ~PageGeometry.PageMask);

    /// <summary>Sets a page's sub-page write permissions (the hypervisor's write of its SPPT entry).</summary>
    public void SetSubPageWritable(ulong guestPhysicalPage, uint writableMask) => _subPageWritable[guestPhysicalPage & ~PageGeometry.PageMask] = writableMask;

    /// <summary>Drops a page's sub-page permissions.</summary>
    public void ClearSubPages(ulong guestPhysicalPage) => _subPageWritable.Remove(guestPhysicalPage & ~PageGeometry.PageMask);

    /// <summary>Drops every page's sub-page permissions.</summary>
    public void ClearAllSubPages() => _subPageWritable.Clear();

    /// <summary>
    /// The EPT leaf entry's host-physical address for a guest-physical page (the hypervisor edits
    /// entries through it), materialising it if needed; null when the page is not guest memory.
    /// </summary>
    public GuestPhysical? LeafEntry(ulong guestPhysical)
    {
        for (int attempt = 0; attempt < 2; attempt++)
        {
            ulong table = EptRoot;
            for (int level = 4; ; level--)
            {
                ulong at = table + ((ulong)PteFormat.Index(guestPhysical, level) * 8);
                ulong entry = _memory.ReadU64(new GuestPhysical(at));
                if (!EpteFormat.Present(entry))
                {
                    break;
                }
                if (level == 1)
                {
                    return new GuestPhysical(at);
                }
                table = PteFormat.Address(entry);
            }
            if (attempt == 0 && !_populate(guestPhysical & ~PageGeometry.PageMask))
            {
                return null;
            }
        }
        return null;
    }

    /// <summary>
    /// Translates a guest-physical address for one access, raising and waiting out the exits it
    /// needs: EPT violations (retried once the hypervisor fixed them) and a full page-modification
    /// log. Sets EPT A on every entry used and D in the leaf for a write, logging the page when D
    /// goes from 0 to 1 and PML is on.
    /// </summary>
    /// <param name="guestPhysical">The address.</param>
    /// <param name="access">The access (a guest paging-structure access is a write: A/D for EPT are on).</param>
    /// <param name="guestLinear">The guest-linear address of a data access (null for a paging-structure access).</param>
    public EptTranslation Translate(ulong guestPhysical, AccessKind access, ulong? guestLinear)
    {
        bool tableAccess = guestLinear is null;
        bool write = access == AccessKind.Write || tableAccess;
        for (int attempt = 0; ; attempt++)
        {
            if (attempt > 64)
            {
                throw new InvalidOperationException($"EPT violation at guest-physical 0x{guestPhysical:x} not resolved by the hypervisor after {attempt} exits");
            }
            GuestPhysical? leafAt = LeafEntry(guestPhysical);
            if (leafAt is null)
            {
                throw new InvalidOperationException($"guest-physical 0x{guestPhysical:x} is not guest memory: the EPT maps none of it");
            }
            ulong leaf = _memory.ReadU64(leafAt.Value);
            bool allowed = access switch
            {
                AccessKind.Execute => EpteFormat.Has(leaf, Epte.X),
                AccessKind.Read when !tableAccess => EpteFormat.Has(leaf, Epte.R),
                _ => EpteFormat.Has(leaf, Epte.W) || (!tableAccess && SubPageAllows(leaf, guestPhysical)),
            };
            if (!allowed)
            {
                bool subPage = write && !tableAccess && EpteFormat.Has(leaf, Epte.Spp);
                if (!Exits.OnEptViolation(new EptViolation(guestPhysical, guestLinear, tableAccess ? AccessKind.Write : access, tableAccess, subPage, leaf)))
                {
                    throw new InvalidOperationException($"EPT violation at guest-physical 0x{guestPhysical:x} refused by the hypervisor");
                }
                continue;
            }
            bool newlyDirty = write && !EpteFormat.Has(leaf, Epte.D);
            if (newlyDirty && PmlEnabled && PmlIndex >= PmlEntries)
            {
                // SDM 29.3.6: with the index out of range, the access causes a page-modification
                // log-full VM exit before any flag is set or anything logged; it is retried after.
                Exits.OnPmlFull();
                continue;
            }
            SetAccessedOnPath(guestPhysical);
            ulong updated = leaf | (ulong)Epte.A | (write ? (ulong)Epte.D : 0);
            if (updated != leaf)
            {
                _memory.WriteU64(leafAt.Value, updated);
            }
            if (newlyDirty && PmlEnabled)
            {
                _memory.WriteU64(new GuestPhysical(PmlAddress + ((ulong)PmlIndex * 8)), guestPhysical & ~PageGeometry.PageMask);
                _ledger?.Add(EventKind.DirtyLogAppend, Layer.User, _ledger.IsTracing
                    ? new TraceData("CPU: EPT D set for guest-physical page {address}, logged in PML entry {index}") { Address = guestPhysical & ~PageGeometry.PageMask, Index = PmlIndex }
                    : null);
                PmlIndex--; // from 0 it wraps to 65535: the next logging write exits
            }
            ulong host = PteFormat.Address(updated) | (guestPhysical & PageGeometry.PageMask);
            return new EptTranslation(host, updated, newlyDirty);
        }
    }

    private bool SubPageAllows(ulong leaf, ulong guestPhysical)
    {
        if (!EpteFormat.Has(leaf, Epte.Spp))
        {
            return false;
        }
        int index = (int)((guestPhysical & PageGeometry.PageMask) / SubPageBytes);
        return (SubPageWritable(guestPhysical) & (1u << index)) != 0;
    }

    /// <summary>A in the EPT's non-leaf entries on the path to a page (the leaf's is set by the caller).</summary>
    private void SetAccessedOnPath(ulong guestPhysical)
    {
        ulong table = EptRoot;
        for (int level = 4; level > 1; level--)
        {
            var at = new GuestPhysical(table + ((ulong)PteFormat.Index(guestPhysical, level) * 8));
            ulong entry = _memory.ReadU64(at);
            if (!EpteFormat.Has(entry, Epte.A))
            {
                _memory.WriteU64(at, entry | (ulong)Epte.A);
            }
            table = PteFormat.Address(entry);
        }
    }
}

/// <summary>A guest-physical address translated through the EPT.</summary>
/// <param name="HostPhysical">The host-physical address.</param>
/// <param name="Leaf">The leaf entry after this access's own A/D update.</param>
/// <param name="NewlyDirty">This access set the leaf's D bit.</param>
public readonly record struct EptTranslation(ulong HostPhysical, ulong Leaf, bool NewlyDirty)
{
    /// <summary>Whether a write through the TLB may skip the second dimension: writable and already dirty (no SPP check, no logging due).</summary>
    public bool WritesFreely => EpteFormat.Has(Leaf, Epte.W | Epte.D);
}

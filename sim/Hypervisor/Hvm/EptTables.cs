using HvSim.Core;
using HvSim.Mmu;

namespace HvSim.Hypervisor.Hvm;

/// <summary>
/// The hypervisor's EPT for the one guest: four levels of 512 entries in the hypervisor's own
/// frames (the guest cannot reach them: the EPT maps guest memory only), mapping every
/// guest-physical page of guest memory to the host-physical page of the same number, readable,
/// writable and executable, in 4 KiB leaves (SDM Vol. 3C, 29.3.2). The mapping is one to one
/// because the simulated guest kernel, which is C#, reaches guest memory by its physical address;
/// the MMU itself follows whatever the entries say. Tables are built on first use
/// (<see cref="NestedPaging"/>'s populate hook), which the guest cannot tell from building them all first.
/// </summary>
internal sealed class EptTables
{
    private readonly Machine _machine;

    public EptTables(Machine machine)
    {
        _machine = machine;
        Root = NewTable();
    }

    /// <summary>Host-physical address of the PML4 (the EPTP's address field).</summary>
    public ulong Root { get; }

    /// <summary>Builds the path to a guest page's leaf; false when the page is not guest memory.</summary>
    public bool Populate(ulong guestPhysicalPage)
    {
        if (!_machine.GuestFrames.Owns(new Frame(guestPhysicalPage >> PageGeometry.PageShift)))
        {
            return false;
        }
        PhysicalMemory memory = _machine.Memory;
        ulong table = Root;
        for (int level = 4; level > 1; level--)
        {
            var at = new GuestPhysical(table + ((ulong)PteFormat.Index(guestPhysicalPage, level) * 8));
            ulong entry = memory.ReadU64(at);
            if (!EpteFormat.Present(entry))
            {
                entry = EpteFormat.Make(NewTable(), EpteFormat.ReadWriteExecute);
                memory.WriteU64(at, entry);
            }
            table = PteFormat.Address(entry);
        }
        var leaf = new GuestPhysical(table + ((ulong)PteFormat.Index(guestPhysicalPage, 1) * 8));
        if (!EpteFormat.Present(memory.ReadU64(leaf)))
        {
            memory.WriteU64(leaf, EpteFormat.Make(guestPhysicalPage, EpteFormat.ReadWriteExecute));
        }
        return true;
    }

    private ulong NewTable()
    {
        Frame frame = _machine.HypervisorFrames.TryAllocate()
            ?? throw new InvalidOperationException("the hypervisor's share of memory cannot hold the EPT");
        _machine.Memory.Zero(frame);
        return frame.Number << PageGeometry.PageShift;
    }
}

using HvSim.Core;
using HvSim.Mmu;

namespace HvSim.Hypervisor.Techniques;

/// <summary>
/// The leaf entry that maps one 4 KiB page in a set of page tables, and the rights the levels
/// above it grant. <see cref="EntryAddress"/> is 0 when no level-1 table exists for the page.
/// </summary>
public readonly record struct GuestLeaf(ulong EntryAddress, ulong Entry, bool UpperWritable, bool UpperUser, bool UpperExecutable)
{
    public bool Present => EntryAddress != 0 && PteFormat.Has(Entry, Pte.P);

    /// <summary>Guest-physical base of the mapped page.</summary>
    public ulong PhysicalPage => PteFormat.Address(Entry);

    public bool User => UpperUser && PteFormat.Has(Entry, Pte.US);

    public bool Writable => UpperWritable && PteFormat.Has(Entry, Pte.RW);

    public bool Executable => UpperExecutable && !PteFormat.Has(Entry, Pte.NX);
}

/// <summary>
/// A software walk of page tables that changes nothing: the hypervisor inspecting an address
/// space (which entry maps a CDA page, what the guest allows there), not the MMU translating an
/// access, so no A or D bit is set. Large pages are not leaves here: the simulated kernel maps
/// 4 KiB pages only, and a CDA page inside a large page is reported as unmapped.
/// </summary>
public static class GuestPageWalk
{
    public static GuestLeaf Inspect(PhysicalMemory memory, ulong cr3, ulong va)
    {
        if (!PageWalker.IsCanonical(va))
        {
            return default;
        }
        ulong table = PteFormat.Address(cr3);
        bool writable = true, user = true, executable = true;
        for (int level = 4; level > 1; level--)
        {
            ulong entry = memory.ReadU64(new GuestPhysical(table + ((ulong)PteFormat.Index(va, level) * 8)));
            if (!PteFormat.Has(entry, Pte.P) || PteFormat.Has(entry, Pte.PS))
            {
                return default;
            }
            writable &= PteFormat.Has(entry, Pte.RW);
            user &= PteFormat.Has(entry, Pte.US);
            executable &= !PteFormat.Has(entry, Pte.NX);
            table = PteFormat.Address(entry);
        }
        ulong at = table + ((ulong)PteFormat.Index(va, 1) * 8);
        return new GuestLeaf(at, memory.ReadU64(new GuestPhysical(at)), writable, user, executable);
    }
}

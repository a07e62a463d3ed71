namespace HvSim.Mmu;

/// <summary>A successful walk: where the 4 KiB page lives and what the walk allowed.</summary>
public readonly record struct Translation(
    ulong PhysicalPage,      // guest-physical base of the 4 KiB page holding the address
    bool Writable,           // RW set at every level
    bool User,               // US set at every level
    bool Executable,         // NX clear at every level
    bool Dirty,              // D set in the leaf (after this walk's own update)
    ulong LeafEntryAddress,  // guest-physical address of the leaf entry (for traces and shadowing)
    int Level);              // level of the leaf: 1 = 4 KiB page, 2 = 2 MiB, 3 = 1 GiB

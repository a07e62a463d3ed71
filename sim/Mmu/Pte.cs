namespace HvSim.Mmu;

/// <summary>
/// x86-64 paging-structure entry bits, with the Intel SDM's names (Vol. 3A, 4.5). The same
/// format is used at every level; PS is meaningful in PDPTEs (1 GiB) and PDEs (2 MiB).
/// </summary>
[Flags]
public enum Pte : ulong
{
    None = 0,
    /// <summary>Present.</summary>
    P = 1UL << 0,
    /// <summary>Read/write: writes allowed when set (at every level of the walk).</summary>
    RW = 1UL << 1,
    /// <summary>User/supervisor: user-mode access allowed when set (at every level).</summary>
    US = 1UL << 2,
    PWT = 1UL << 3,
    PCD = 1UL << 4,
    /// <summary>Accessed: set by the walker when the entry is used for a translation.</summary>
    A = 1UL << 5,
    /// <summary>Dirty: set by the walker in the leaf entry on the first write.</summary>
    D = 1UL << 6,
    /// <summary>Page size: this PDE/PDPTE maps a large page.</summary>
    PS = 1UL << 7,
    /// <summary>Global (kept for completeness; CR4.PGE is not modelled, so G has no effect).</summary>
    G = 1UL << 8,
    /// <summary>No-execute (EFER.NXE is always on here).</summary>
    NX = 1UL << 63,
}

/// <summary>Helpers on raw entry values.</summary>
public static class PteFormat
{
    /// <summary>Bits 12..51: the physical address of the next table or of the page.</summary>
    public const ulong AddressMask = 0x000F_FFFF_FFFF_F000UL;

    public static bool Has(ulong entry, Pte bits) => (entry & (ulong)bits) == (ulong)bits;

    public static ulong Address(ulong entry) => entry & AddressMask;

    public static ulong Make(ulong physicalAddress, Pte bits) => (physicalAddress & AddressMask) | (ulong)bits;

    /// <summary>Index into the table of the given level (4 = PML4, 1 = PT) for a virtual address.</summary>
    public static int Index(ulong virtualAddress, int level) => (int)((virtualAddress >> (12 + (9 * (level - 1)))) & 0x1FF);

    /// <summary>The manual's flag letters of an entry, for traces: e.g. "P RW US A D".</summary>
    public static string Describe(ulong entry)
    {
        var parts = new List<string>();
        foreach (Pte bit in new[] { Pte.P, Pte.RW, Pte.US, Pte.A, Pte.D, Pte.PS, Pte.NX })
        {
            if (Has(entry, bit))
            {
                parts.Add(bit.ToString());
            }
        }
        return $"0x{Address(entry):x} {string.Join(' ', parts)}";
    }
}

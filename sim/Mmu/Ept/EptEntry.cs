namespace HvSim.Mmu;

/// <summary>
/// EPT paging-structure entry bits (Intel SDM Vol. 3C, 29.3.2, Tables 29-1 to 29-6): read, write
/// and execute permission at every level; accessed and dirty when EPTP bit 6 enables them
/// (29.3.5); bit 61 marks a leaf whose writes are checked per 128-byte sub-page (SPP, 29.3.4).
/// The address field is bits 12..51 as in ordinary paging (<see cref="PteFormat.AddressMask"/>).
/// </summary>
[Flags]
public enum Epte : ulong
{
    None = 0,
    /// <summary>Reads allowed (bit 0).</summary>
    R = 1UL << 0,
    /// <summary>Writes allowed (bit 1).</summary>
    W = 1UL << 1,
    /// <summary>Instruction fetches allowed (bit 2; supervisor-mode fetches without mode-based control).</summary>
    X = 1UL << 2,
    /// <summary>Accessed (bit 8): set by the processor in every entry a translation uses.</summary>
    A = 1UL << 8,
    /// <summary>Dirty (bit 9, leaves only): set by the processor on a write to the page.</summary>
    D = 1UL << 9,
    /// <summary>Sub-page write permissions apply to this leaf (bit 61, with W clear).</summary>
    Spp = 1UL << 61,
}

/// <summary>Helpers on raw EPT entry values.</summary>
public static class EpteFormat
{
    /// <summary>The permission bits an ordinary guest-memory leaf carries.</summary>
    public const Epte ReadWriteExecute = Epte.R | Epte.W | Epte.X;

    public static bool Has(ulong entry, Epte bits) => (entry & (ulong)bits) == (ulong)bits;

    /// <summary>An entry is present when any of R, W, X is set (29.3.2: bits 2:0 clear means not present).</summary>
    public static bool Present(ulong entry) => (entry & 7) != 0;

    public static ulong Make(ulong hostPhysical, Epte bits) => (hostPhysical & PteFormat.AddressMask) | (ulong)bits;

    /// <summary>The entry in the manual's letters, for traces: e.g. "0x5000 R W X A D".</summary>
    public static string Describe(ulong entry)
    {
        var parts = new List<string>();
        foreach (Epte bit in new[] { Epte.R, Epte.W, Epte.X, Epte.A, Epte.D, Epte.Spp })
        {
            if (Has(entry, bit))
            {
                parts.Add(bit.ToString().ToUpperInvariant());
            }
        }
        return $"0x{PteFormat.Address(entry):x} {string.Join(' ', parts)}";
    }
}

namespace HvSim.Mmu;

/// <summary>Shape of the TLB: sets × ways entries. Sets must be a power of two.</summary>
public readonly record struct TlbGeometry(int Sets, int Ways)
{
    /// <summary>Default: 64 sets × 4 ways = 256 entries, a common L1 DTLB-ish size.</summary>
    public static TlbGeometry Default => new(64, 4);

    public int Entries => Sets * Ways;

    public void Validate()
    {
        if (Sets <= 0 || (Sets & (Sets - 1)) != 0 || Ways <= 0 || Ways > 64)
        {
            throw new ArgumentException($"TLB geometry {Sets}x{Ways}: sets must be a power of two and ways 1..64");
        }
    }
}

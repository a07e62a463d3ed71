namespace HvSim.HostOracle;

/// <summary>One 128-bit XMM register as two little-endian halves (Lo = bits 0..63).</summary>
public readonly record struct Xmm128(ulong Lo, ulong Hi)
{
    public override string ToString() => $"0x{Hi:X16}_{Lo:X16}";
}

using System.Runtime.Intrinsics;
using HvSim.Cpu.X87;

namespace HvSim.Cpu.SimdFloat;

/// <summary>
/// F16C's conversions between binary16 and binary32 (SDM Vol. 2 VCVTPH2PS, VCVTPS2PH), element rules
/// on top of <see cref="SoftFloat{F}.Convert{TFrom}"/> with what the host (AMD) shows:
/// <list type="bullet">
/// <item>vcvtph2ps is exact (every binary16 value is a normal or zero binary32): only IE, for an SNaN,
/// which is quieted with its payload moved up; no DE for a binary16 denormal, and DAZ does not apply
/// to the binary16 source (0x0001 converts to 2^-24 with DAZ set).</item>
/// <item>vcvtps2ph rounds by imm8[1:0], or by MXCSR.RC when imm8[2] is set; DAZ applies to the binary32
/// source (a denormal reads as zero, no DE), DE is raised for a denormal source otherwise; IE for an
/// SNaN (the payload's top bits kept, quieted); OE, UE (tiny after rounding), PE as usual; FTZ does
/// not apply to the binary16 result (a tiny result is delivered denormal).</item>
/// </list>
/// </summary>
internal static class HalfFloat
{
    /// <summary>Four binary16 values (the low 64 bits) to four binary32.</summary>
    public static Vector128<byte> ToSingles(ulong halves, uint mxcsr, ref uint raised)
    {
        uint control = mxcsr & ~Mxcsr.DenormalsAreZero;
        uint local = 0;
        uint r0 = (uint)SoftFloat<Binary32>.Convert<Binary16>(halves & 0xFFFF, control, ref local);
        uint r1 = (uint)SoftFloat<Binary32>.Convert<Binary16>((halves >> 16) & 0xFFFF, control, ref local);
        uint r2 = (uint)SoftFloat<Binary32>.Convert<Binary16>((halves >> 32) & 0xFFFF, control, ref local);
        uint r3 = (uint)SoftFloat<Binary32>.Convert<Binary16>(halves >> 48, control, ref local);
        raised |= local & ~Mxcsr.Denormal;
        return Vector128.Create(r0, r1, r2, r3).AsByte();
    }

    /// <summary>Four binary32 values to four binary16 (the low 64 bits of the result), rounded per <paramref name="imm"/>.</summary>
    public static ulong ToHalves(Vector128<byte> singles, byte imm, uint mxcsr, ref uint raised)
    {
        RoundingControl rounding = (imm & 4) != 0 ? Mxcsr.Rounding(mxcsr) : (RoundingControl)(imm & 3);
        uint control = Mxcsr.WithRounding(mxcsr, rounding) & ~Mxcsr.FlushToZero;
        Vector128<uint> x = singles.AsUInt32();
        ulong h0 = SoftFloat<Binary16>.Convert<Binary32>(x.GetElement(0), control, ref raised);
        ulong h1 = SoftFloat<Binary16>.Convert<Binary32>(x.GetElement(1), control, ref raised);
        ulong h2 = SoftFloat<Binary16>.Convert<Binary32>(x.GetElement(2), control, ref raised);
        ulong h3 = SoftFloat<Binary16>.Convert<Binary32>(x.GetElement(3), control, ref raised);
        return h0 | (h1 << 16) | (h2 << 32) | (h3 << 48);
    }
}

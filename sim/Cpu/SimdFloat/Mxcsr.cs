using HvSim.Cpu.X87;

namespace HvSim.Cpu.SimdFloat;

/// <summary>
/// MXCSR fields (SDM Vol. 1, 10.2.3, Figure 10-3): sticky exception flags in bits 5:0, DAZ in bit 6,
/// exception masks in bits 12:7 (same order as the flags), rounding control in bits 14:13 and FTZ
/// in bit 15. Flag values used by the arithmetic ("raised" sets) use the bit positions of bits 5:0.
/// </summary>
internal static class Mxcsr
{
    public const uint Invalid = 0x01;
    public const uint Denormal = 0x02;
    public const uint ZeroDivide = 0x04;
    public const uint Overflow = 0x08;
    public const uint Underflow = 0x10;
    public const uint Precision = 0x20;
    public const uint AllFlags = 0x3F;

    /// <summary>IE, DE and ZE: detected before the computation (SDM Vol. 1, 11.5.2).</summary>
    public const uint PreComputation = Invalid | Denormal | ZeroDivide;

    public const uint DenormalsAreZero = 1u << 6;
    public const int MaskShift = 7;
    public const int RoundingShift = 13;
    public const uint FlushToZero = 1u << 15;

    /// <summary>The control bits: DAZ, masks, RC, FTZ (everything but the sticky flags).</summary>
    public const uint ControlBits = 0xFFC0;

    /// <summary>The power-on/default control: round to nearest, all exceptions masked, no DAZ or FTZ.</summary>
    public const uint DefaultControl = 0x1F80;

    /// <summary>True when the control bits are the default, under which the host's own SSE unit gives exact results.</summary>
    public static bool IsDefaultControl(uint mxcsr) => (mxcsr & ControlBits) == DefaultControl;

    public static bool Daz(uint mxcsr) => (mxcsr & DenormalsAreZero) != 0;

    public static bool Ftz(uint mxcsr) => (mxcsr & FlushToZero) != 0;

    public static RoundingControl Rounding(uint mxcsr) => (RoundingControl)((mxcsr >> RoundingShift) & 3);

    /// <summary>The raised flags whose mask bits are clear.</summary>
    public static uint Unmasked(uint raised, uint mxcsr) => raised & ~(mxcsr >> MaskShift) & AllFlags;

    /// <summary>
    /// The x87 control word with the same rounding mode and masks, for <see cref="Float80Rounding"/>:
    /// RC and the six masks share their encodings between FCW and MXCSR (SDM Vol. 1, 4.8.4 and 10.2.3).
    /// </summary>
    public static X87Control ToX87Control(uint mxcsr) =>
        X87Control.Create(Rounding(mxcsr), PrecisionControl.Extended, (X87Exceptions)((mxcsr >> MaskShift) & AllFlags));

    /// <summary>The same control with a different rounding mode (roundps with imm8[2] clear).</summary>
    public static uint WithRounding(uint mxcsr, RoundingControl rounding) =>
        (mxcsr & ~(3u << RoundingShift)) | ((uint)rounding << RoundingShift);
}

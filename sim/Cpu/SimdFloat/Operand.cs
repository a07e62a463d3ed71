namespace HvSim.Cpu.SimdFloat;

internal enum OperandKind : byte
{
    Zero,
    Finite,
    Infinity,
    QuietNaN,
    SignalingNaN,
}

/// <summary>
/// A binary32 or binary64 operand as the exact arithmetic sees it, after DAZ: its kind, sign, and for
/// finite non-zero values value = Significand / 2^63 × 2^(Exponent − 16383) with bit 63 set (the
/// extended exponent bias, so that <see cref="X87.Float80Rounding"/> can round the results).
/// </summary>
internal readonly record struct Operand(OperandKind Kind, bool Negative, int Exponent, ulong Significand, bool IsDenormal)
{
    public bool IsNaN => Kind >= OperandKind.QuietNaN;

    public bool IsSignalingNaN => Kind == OperandKind.SignalingNaN;

    public bool IsZero => Kind == OperandKind.Zero;

    public bool IsInfinity => Kind == OperandKind.Infinity;

    /// <summary>DE for a denormal operand read without DAZ (SDM Vol. 1, 4.9.1.3).</summary>
    public static uint DenormalFlag(in Operand x, in Operand y) => x.IsDenormal || y.IsDenormal ? Mxcsr.Denormal : 0;
}

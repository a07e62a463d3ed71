namespace HvSim.Cpu.X87;

/// <summary>
/// The destination a rounded result must fit: significand precision and the normal exponent range,
/// expressed as biased extended exponents so every format shares one rounding routine.
/// </summary>
/// <param name="SignificandBits">Bits kept, integer bit included: 24, 53 or 64.</param>
/// <param name="MinExponent">Biased (extended) exponent of the smallest normal number.</param>
/// <param name="MaxExponent">Biased (extended) exponent of the largest finite number.</param>
/// <param name="AdjustsExponentWhenUnmasked">
/// True for results kept on the register stack: with OE or UE unmasked the x87 stores the result with
/// its exponent wrapped by 24576 instead of the masked response (SDM Vol. 1, 8.5.4.2 and 8.5.5.2).
/// Memory stores instead leave the destination alone, which is the interpreter's business.
/// </param>
internal readonly record struct RoundingFormat(int SignificandBits, int MinExponent, int MaxExponent, bool AdjustsExponentWhenUnmasked)
{
    /// <summary>The exponent adjustment of unmasked overflow and underflow on the register stack (3 × 2^13).</summary>
    public const int UnmaskedExponentAdjust = 24576;

    public static RoundingFormat Register(X87Control control) =>
        new(control.SignificandBits, 1, Float80.MaxExponent - 1, true);

    /// <summary>IEEE double: exponents -1022 to 1023.</summary>
    public static RoundingFormat Double => new(53, Float80.ExponentBias - 1022, Float80.ExponentBias + 1023, false);

    /// <summary>IEEE single: exponents -126 to 127.</summary>
    public static RoundingFormat Single => new(24, Float80.ExponentBias - 126, Float80.ExponentBias + 127, false);
}

namespace HvSim.Cpu.X87;

/// <summary>
/// A finite rounded result before encoding: value = Significand / 2^63 × 2^(Exponent − 16383).
/// A significand without its integer bit is a denormal of the target format (then Exponent is the
/// format's minimum exponent). <see cref="IsInfinity"/> marks the masked overflow response ∞.
/// </summary>
internal readonly record struct RoundedValue(bool Negative, int Exponent, ulong Significand, bool IsInfinity)
{
    /// <summary>Rounding increased the magnitude: the status word's C1 when PE is set (SDM Vol. 1, 8.1.3.1).</summary>
    public bool RoundedUp { get; init; }

    /// <summary>Encodes as an extended value: a denormal gets exponent field 0 (SDM Vol. 1, 4.8.3.2).</summary>
    public Float80 ToFloat80()
    {
        if (IsInfinity)
        {
            return Negative ? Float80.NegativeInfinity : Float80.PositiveInfinity;
        }

        var exponent = (Significand & Float80.IntegerBit) != 0 ? Exponent : 0;
        return new Float80(Negative, exponent, Significand);
    }
}

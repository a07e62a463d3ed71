namespace HvSim.Cpu.X87;

/// <summary>FCOM (ordered) and FUCOM (unordered) comparison of ST(0) = a with b (SDM Vol. 2A FCOM, FUCOM).</summary>
public static class Float80Compare
{
    /// <summary>
    /// Compares a with b. Ordered comparisons raise #IA for any NaN operand; unordered ones only for
    /// SNaNs. Both raise #IA for unsupported encodings and DE for denormal operands. ±0 compare equal.
    /// </summary>
    public static X87Comparison Compare(Float80 a, Float80 b, bool unordered)
    {
        if (a.IsUnsupported || b.IsUnsupported)
        {
            return new X87Comparison(X87Relation.Unordered, X87Exceptions.Invalid);
        }

        if (a.IsNaN || b.IsNaN)
        {
            var invalid = !unordered || a.IsSignalingNaN || b.IsSignalingNaN;
            return new X87Comparison(X87Relation.Unordered, invalid ? X87Exceptions.Invalid : X87Exceptions.None);
        }

        var raised = Float80Operands.DenormalFlag(a, b);
        var order = SignedKey(a).CompareTo(SignedKey(b));
        var relation = order switch
        {
            > 0 => X87Relation.Greater,
            < 0 => X87Relation.Less,
            _ => X87Relation.Equal,
        };
        return new X87Comparison(relation, raised);
    }

    /// <summary>
    /// A key ordered like the values: magnitude as (exponent, significand) after reading pseudo-denormals
    /// with exponent 1, made negative for negative values; both zeros map to 0.
    /// </summary>
    private static Int128 SignedKey(Float80 value)
    {
        if (value.IsZero)
        {
            return 0;
        }

        // Normalized denormal exponents go down to 1 − 63; the offset keeps every exponent positive.
        var (exponent, significand) = value.IsInfinity
            ? (Float80.MaxExponent + 1, Float80.IntegerBit)
            : Float80Operands.Unpack(value);
        var magnitude = ((Int128)(exponent + 64) << 64) + significand;
        return value.IsNegative ? -magnitude : magnitude;
    }
}

namespace HvSim.Cpu.X87;

/// <summary>
/// Operand screening shared by the arithmetic: unsupported encodings, NaN propagation and unpacking of
/// finite values into a normalized significand and an unbounded exponent.
/// </summary>
internal static class Float80Operands
{
    /// <summary>
    /// Decides the result when an operand is unsupported or a NaN, in the SDM's priority order (Vol. 1,
    /// 4.9.2): an unsupported encoding gives #IA and the real indefinite; otherwise a NaN gives the NaN
    /// chosen by Table 4-7 ("Rules for handling NaNs"), quieted, with #IA when any operand is an SNaN.
    /// </summary>
    public static bool TryNaNResult(Float80 a, Float80 b, out X87Result result)
    {
        if (a.IsUnsupported || b.IsUnsupported)
        {
            result = new X87Result(Float80.Indefinite, X87Exceptions.Invalid);
            return true;
        }

        if (!a.IsNaN && !b.IsNaN)
        {
            result = default;
            return false;
        }

        var raised = a.IsSignalingNaN || b.IsSignalingNaN ? X87Exceptions.Invalid : X87Exceptions.None;
        result = new X87Result(ChooseNaN(a, b).Quieted(), raised);
        return true;
    }

    /// <summary>As <see cref="TryNaNResult(Float80, Float80, out X87Result)"/> for one-operand instructions.</summary>
    public static bool TryNaNResult(Float80 a, out X87Result result)
    {
        if (a.IsUnsupported)
        {
            result = new X87Result(Float80.Indefinite, X87Exceptions.Invalid);
            return true;
        }

        if (!a.IsNaN)
        {
            result = default;
            return false;
        }

        result = new X87Result(a.Quieted(), a.IsSignalingNaN ? X87Exceptions.Invalid : X87Exceptions.None);
        return true;
    }

    /// <summary>DE for any denormal or pseudo-denormal operand (SDM Vol. 1, 4.9.1.3).</summary>
    public static X87Exceptions DenormalFlag(Float80 a, Float80 b) =>
        a.IsDenormalOperand || b.IsDenormalOperand ? X87Exceptions.Denormal : X87Exceptions.None;

    /// <summary>
    /// A finite non-zero operand as value = significand / 2^63 × 2^(exponent − 16383) with the integer bit
    /// set. Denormals read exponent field 0 as 1 (SDM Vol. 1, 4.8.3.2) and are normalized, so the
    /// exponent may fall below 1.
    /// </summary>
    public static (int Exponent, ulong Significand) Unpack(Float80 value)
    {
        var exponent = value.Exponent == 0 ? 1 : value.Exponent;
        var shift = System.Numerics.BitOperations.LeadingZeroCount(value.Significand);
        return (exponent - shift, value.Significand << shift);
    }

    /// <summary>
    /// Table 4-7: an SNaN with a QNaN gives the QNaN; two NaNs of the same kind give the one with the
    /// larger significand; a NaN with a number gives the NaN.
    /// </summary>
    private static Float80 ChooseNaN(Float80 a, Float80 b)
    {
        if (!b.IsNaN)
        {
            return a;
        }

        if (!a.IsNaN)
        {
            return b;
        }

        if (a.IsSignalingNaN != b.IsSignalingNaN)
        {
            return a.IsSignalingNaN ? b : a;
        }

        if (a.Significand != b.Significand)
        {
            return a.Significand > b.Significand ? a : b;
        }

        // Equal significands: the table does not say; hardware returns the positive one.
        return a.IsNegative ? b : a;
    }
}

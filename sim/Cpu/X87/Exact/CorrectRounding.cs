using System.Numerics;

namespace HvSim.Cpu.X87.Exact;

/// <summary>
/// Rounds a function value known only as an approximation to an 80-bit register result (Ziv's
/// strategy): evaluate with p bits, bound the error by 2^-(p − <see cref="ExactFunctions.LostBits"/>)
/// relative, and accept when both ends of the interval round to the same result; otherwise retry with
/// more bits. A value that is exactly representable never settles under a directed mode, so after the
/// last precision the approximation's own rounding is taken.
/// </summary>
internal static class CorrectRounding
{
    private static readonly int[] s_precisions = [128, 256, 640, 1600];

    /// <summary>The x87 rounds transcendental results to 64 bits whatever precision control says (SDM Vol. 1, 8.1.5.2).</summary>
    private static RoundingFormat Extended => new(64, 1, Float80.MaxExponent - 1, true);

    /// <summary>
    /// The correctly rounded register result of <paramref name="evaluate"/> (a non-zero value), with the
    /// exceptions already <paramref name="raised"/> by the operands. PE is always among the result's flags:
    /// the host reports it even for results that happen to be exact (f2xm1(1) = 1, fyl2x(2, 1) = 1).
    /// </summary>
    public static X87Result Round(Func<int, BigBinary> evaluate, X87Control control, X87Exceptions raised)
    {
        RoundedValue rounded = default;
        X87Exceptions flags = raised;
        foreach (var precision in s_precisions)
        {
            var value = evaluate(precision);
            var error = value.Abs().Scale(-(precision - ExactFunctions.LostBits));
            var lowFlags = raised;
            var low = RoundExact(value - error, control, ref lowFlags).ToFloat80();
            var highFlags = raised;
            var high = RoundExact(value + error, control, ref highFlags).ToFloat80();
            flags = raised;
            rounded = RoundExact(value, control, ref flags);
            if (low == high && (lowFlags | X87Exceptions.Precision) == (highFlags | X87Exceptions.Precision))
            {
                // The direction (C1) comes from the approximation itself: the interval can contain the
                // rounded value only when the true value is within 2^-100 of it, and then the functions'
                // tails (ExactFunctions.WithTail) put the approximation on the true value's side.
                break;
            }
        }

        return new X87Result(rounded.ToFloat80(), flags | X87Exceptions.Precision, rounded.RoundedUp);
    }

    /// <summary>Rounds an exact non-zero value, with a sticky bit for whatever lies below 128 significant bits.</summary>
    public static RoundedValue RoundExact(BigBinary value, X87Control control, ref X87Exceptions raised)
    {
        var magnitude = BigInteger.Abs(value.Mantissa);
        var bits = (int)magnitude.GetBitLength();
        UInt128 significand;
        if (bits <= 128)
        {
            significand = (UInt128)magnitude << (128 - bits);
        }
        else
        {
            var kept = magnitude >> (bits - 128);
            var sticky = (kept << (bits - 128)) != magnitude ? UInt128.One : UInt128.Zero;
            significand = (UInt128)kept | sticky;
        }

        // value = significand / 2^127 × 2^(Magnitude), Magnitude = floor(log2 |value|).
        var exponent = (long)value.Exponent + bits - 1 + Float80.ExponentBias;
        var clamped = (int)Math.Clamp(exponent, int.MinValue / 4, int.MaxValue / 4);
        return Float80Rounding.Round(value.Sign < 0, clamped, significand, Extended, control, ref raised);
    }
}

using System.Numerics;
using HvSim.Cpu.X87.Exact;

namespace HvSim.Cpu.X87;

/// <summary>
/// F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN, FCOS, FSINCOS and FPTAN on <see cref="Float80"/> values: the
/// special cases of their SDM Vol. 2A pages as the AMD host answers them, and finite results rounded
/// correctly from arbitrary-precision values (<see cref="CorrectRounding"/>).
/// </summary>
/// <remarks>
/// The hardware's own algorithms are not published, and the AMD host's results are not correctly
/// rounded: it keeps a few guard bits, not the exact value. Measured with the host oracle
/// (X87TranscendentalTests, 30,000 random operand sets per instruction, 2026-12-07), it lands on the
/// other neighbour of the exact value, or reports the other C1, in 0.4 % (fsincos) to 2.9 % (f2xm1)
/// of cases, always where the exact value lies within about 0.1 ulp of a rounding boundary (checked
/// against 400-bit references). These methods return the correctly rounded result, so they differ
/// from the host there and nowhere else.
/// </remarks>
public static class Float80Transcendental
{
    /// <summary>
    /// π rounded to 66 bits, as an integer P with π ≈ P × 2^-64. FSIN, FCOS, FSINCOS and FPTAN reduce
    /// their argument by this approximation, not by π (SDM Vol. 1, 8.3.10 documents it for Intel; the AMD
    /// host's results for large arguments match it in 99.6 % of cases and miss exact π by up to 100 % error).
    /// </summary>
    private static readonly BigInteger s_pi66 = ExactFunctions.Pi(200).Scale(64).RoundToInteger();

    /// <summary>FSIN, FCOS, FSINCOS and FPTAN leave operands of magnitude 2^63 and above alone and set C2.</summary>
    public static bool InTrigonometricRange(Float80 x) =>
        !(x.Class is Float80Class.Normal && x.Exponent >= Float80.ExponentBias + 63);

    /// <summary>F2XM1: 2^x − 1. Outside [−1, 1] the host returns the operand with PE (the SDM leaves it undefined).</summary>
    public static X87Result TwoToXMinusOne(Float80 x, X87Control control)
    {
        if (Float80Operands.TryNaNResult(x, out var nan))
        {
            return nan;
        }

        if (x.IsZero)
        {
            return new X87Result(x, X87Exceptions.None);
        }

        if (x.IsInfinity)
        {
            return new X87Result(x.IsNegative ? Float80.One.Negate() : x, X87Exceptions.None);
        }

        var value = BigBinary.From(x);
        if (BigBinary.Compare(value.Abs(), BigBinary.One) > 0)
        {
            return new X87Result(x, X87Exceptions.Precision);
        }

        if (BigBinary.Compare(value.Abs(), BigBinary.One) == 0)
        {
            // The two exact results inside the domain, as the host reports them: PE set, C1 set for 1 but not for −½.
            return x.IsNegative
                ? new X87Result(new Float80(true, Float80.ExponentBias - 1, Float80.IntegerBit), X87Exceptions.Precision, false)
                : new X87Result(Float80.One, X87Exceptions.Precision, true);
        }

        return CorrectRounding.Round(
            p => ExactFunctions.Expm1(BigBinary.Multiply(value, ExactFunctions.Ln2(p + 8), p + 8), p),
            control,
            Float80Operands.DenormalFlag(x, x));
    }

    /// <summary>FYL2X: y × log2 x, with x in ST(0) and y in ST(1) (Vol. 2A FYL2X, Table 3-49).</summary>
    public static X87Result YLog2X(Float80 x, Float80 y, X87Control control)
    {
        if (Float80Operands.TryNaNResult(x, y, out var nan))
        {
            return nan;
        }

        if (x.IsNegative && !x.IsZero)
        {
            return Invalid;
        }

        if (x.IsZero)
        {
            // log2 0 = −∞: a finite non-zero y divides by zero (the host then reports no DE for a denormal y).
            return y.IsZero ? Invalid
                : y.IsInfinity ? new X87Result(Infinity(!y.IsNegative), X87Exceptions.None)
                : new X87Result(Infinity(!y.IsNegative), X87Exceptions.ZeroDivide);
        }

        var raised = Float80Operands.DenormalFlag(x, y);
        if (x.IsInfinity)
        {
            return y.IsZero ? Invalid : new X87Result(Infinity(y.IsNegative), raised);
        }

        var u = BigBinary.From(x);
        return LogResult(u, BigBinary.Compare(u, BigBinary.One) < 0, y, control, raised, p => ExactFunctions.Log(u, p));
    }

    /// <summary>FYL2XP1: y × log2(x + 1), with x in ST(0) and y in ST(1) (Vol. 2A FYL2XP1, Table 3-50).</summary>
    public static X87Result YLog2XPlusOne(Float80 x, Float80 y, X87Control control)
    {
        if (Float80Operands.TryNaNResult(x, y, out var nan))
        {
            return nan;
        }

        var raised = Float80Operands.DenormalFlag(x, y);
        if (x.IsZero)
        {
            return y.IsInfinity ? Invalid : new X87Result(x.IsNegative != y.IsNegative ? Float80.NegativeZero : Float80.PositiveZero, raised);
        }

        if (x.IsInfinity)
        {
            return x.IsNegative || y.IsZero ? Invalid : new X87Result(Infinity(y.IsNegative), raised);
        }

        var value = BigBinary.From(x);
        if (BigBinary.Compare(value, BigBinary.FromInt(-1)) <= 0 && !y.IsZero && !y.IsInfinity)
        {
            // Far outside the SDM's domain |x| < 1 − √2/2: measured, the host returns x with PE (a zero or
            // infinite y still gives the signed zero or infinity of an x in (−1, 0)).
            return new X87Result(x, raised | X87Exceptions.Precision);
        }

        // Near zero, ln(1 + x) = 2 atanh(x / (2 + x)) keeps x's relative accuracy without building 1 + x exactly.
        var small = value.Magnitude < -2;
        BigBinary? u = small ? null : value + BigBinary.One;
        return LogResult(
            u,
            value.Sign < 0,
            y,
            control,
            raised,
            p => small ? ExactFunctions.Log1pSmall(value, p) : ExactFunctions.Log(u!.Value, p));
    }

    /// <summary>FPATAN: the angle of (x, y) = atan2(y, x), with x in ST(0) and y in ST(1) (Vol. 2A FPATAN, Table 3-30).</summary>
    public static X87Result PartialArctangent(Float80 x, Float80 y, X87Control control)
    {
        if (Float80Operands.TryNaNResult(x, y, out var nan))
        {
            return nan;
        }

        var raised = Float80Operands.DenormalFlag(x, y);
        var negative = y.IsNegative;
        if (y.IsZero && !x.IsNegative)
        {
            return new X87Result(y, raised);
        }

        if (x.IsInfinity && !x.IsNegative && !y.IsInfinity)
        {
            return new X87Result(negative ? Float80.NegativeZero : Float80.PositiveZero, raised);
        }

        // Every other special case is a multiple of π/4: 4 for y = 0 or x = −∞, 2 for x = 0 or y = ∞, 1 or 3 for two infinities.
        int? quarters = y.IsZero || (x.IsInfinity && !y.IsInfinity) ? 4
            : y.IsInfinity ? (x.IsInfinity ? (x.IsNegative ? 3 : 1) : 2)
            : x.IsZero ? 2
            : null;
        if (quarters is int q)
        {
            return CorrectRounding.Round(p => Signed(BigBinary.Multiply(ExactFunctions.Pi(p + 8).Scale(-2), BigBinary.FromInt(q), p + 8), negative, p), control, raised);
        }

        var ax = BigBinary.From(x).Abs();
        var ay = BigBinary.From(y).Abs();
        var steep = BigBinary.Compare(ay, ax) > 0;
        return CorrectRounding.Round(
            p =>
            {
                var w = p + 8;
                var angle = steep
                    ? BigBinary.Add(ExactFunctions.Pi(w).Scale(-1), ExactFunctions.Atan(BigBinary.Divide(ax, ay, w), w).Negate(), w)
                    : ExactFunctions.Atan(BigBinary.Divide(ay, ax, w), w);
                if (x.IsNegative)
                {
                    angle = BigBinary.Add(ExactFunctions.Pi(w), angle.Negate(), w);
                }

                return Signed(angle, negative, p);
            },
            control,
            raised);
    }

    /// <summary>FSIN, FCOS and FSINCOS: sin x and cos x of an operand in range (<see cref="InTrigonometricRange"/>).</summary>
    public static (X87Result Sin, X87Result Cos) SineCosine(Float80 x, X87Control control)
    {
        if (Float80Operands.TryNaNResult(x, out var nan))
        {
            return (nan, nan);
        }

        if (x.IsInfinity)
        {
            return (Invalid, Invalid);
        }

        if (x.IsZero)
        {
            return (new X87Result(x, X87Exceptions.None), new X87Result(Float80.One, X87Exceptions.None));
        }

        var raised = Float80Operands.DenormalFlag(x, x);
        var (r, quadrant) = Reduce(x);
        var sin = CorrectRounding.Round(p => Quadrant(r, quadrant, p), control, raised);
        var cos = CorrectRounding.Round(p => Quadrant(r, quadrant + 1, p), control, raised);
        return (sin, cos);
    }

    /// <summary>FPTAN: tan x of an operand in range (<see cref="InTrigonometricRange"/>).</summary>
    public static X87Result Tangent(Float80 x, X87Control control)
    {
        if (Float80Operands.TryNaNResult(x, out var nan))
        {
            return nan;
        }

        if (x.IsInfinity)
        {
            return Invalid;
        }

        if (x.IsZero)
        {
            return new X87Result(x, X87Exceptions.None);
        }

        var raised = Float80Operands.DenormalFlag(x, x);
        var (r, quadrant) = Reduce(x);
        return CorrectRounding.Round(
            p =>
            {
                if (r.Magnitude < -(p / 2) - 8)
                {
                    // tan r = r + r³/3 + …: the tail lies beyond any truncated quotient's reach, so r with a
                    // stand-in unit on the side away from zero (where tan r lies) keeps C1 and UE right.
                    return r + new BigBinary(r.Sign, r.Magnitude - p - 24);
                }

                BigBinary sin = ExactFunctions.Sin(r, p + 8), cos = ExactFunctions.Cos(r, p + 8);
                return (quadrant & 1) == 0 ? BigBinary.Divide(sin, cos, p) : BigBinary.Divide(cos, sin, p).Negate();
            },
            control,
            raised);
    }

    private static X87Result Invalid => new(Float80.Indefinite, X87Exceptions.Invalid);

    private static Float80 Infinity(bool negative) => negative ? Float80.NegativeInfinity : Float80.PositiveInfinity;

    private static BigBinary Signed(BigBinary value, bool negative, int precision) =>
        (negative ? value.Negate() : value).Truncate(precision);

    /// <summary>
    /// y × log2 u with ln u given by <paramref name="ln"/>. <paramref name="u"/> is u itself when it is known
    /// exactly (null for 1 + x with tiny x, which is neither 1 nor a power of two): log2 of a power of two is
    /// an integer and the product exact, though the host still reports PE.
    /// </summary>
    private static X87Result LogResult(BigBinary? u, bool belowOne, Float80 y, X87Control control, X87Exceptions raised, Func<int, BigBinary> ln)
    {
        if (u is BigBinary one && BigBinary.Compare(one, BigBinary.One) == 0)
        {
            return y.IsInfinity ? Invalid : new X87Result(y.IsNegative ? Float80.NegativeZero : Float80.PositiveZero, raised);
        }

        if (y.IsInfinity || y.IsZero)
        {
            var negative = y.IsNegative != belowOne;
            return new X87Result(y.IsInfinity ? Infinity(negative) : negative ? Float80.NegativeZero : Float80.PositiveZero, raised);
        }

        var factor = BigBinary.From(y);
        if (u is BigBinary power && BigInteger.IsPow2(power.Mantissa))
        {
            var exact = BigBinary.Multiply(factor, BigBinary.FromInt(power.Magnitude), int.MaxValue);
            var flags = raised;
            var rounded = CorrectRounding.RoundExact(exact, control, ref flags);
            return new X87Result(rounded.ToFloat80(), flags | X87Exceptions.Precision, rounded.RoundedUp);
        }

        return CorrectRounding.Round(
            p => BigBinary.Multiply(factor, BigBinary.Divide(ln(p + 8), ExactFunctions.Ln2(p + 8), p + 8), p),
            control,
            raised);
    }

    /// <summary>x = r + q × π66/2 with q the nearest integer and r exact (π66 = <see cref="s_pi66"/> × 2^-64).</summary>
    private static (BigBinary Remainder, int Quadrant) Reduce(Float80 x)
    {
        var value = BigBinary.From(x);
        var step = new BigBinary(s_pi66, -65);
        var quotient = BigBinary.Divide(value, step, 80);
        var q = quotient.Magnitude < -2 ? BigInteger.Zero : quotient.RoundToInteger();
        var remainder = value - new BigBinary(q * s_pi66, -65);
        return (remainder, (int)(q & 3));
    }

    /// <summary>sin(r + k π/2): ±sin r for even k, ±cos r for odd k, so only one series is summed.</summary>
    private static BigBinary Quadrant(BigBinary r, int k, int precision) => (k & 3) switch
    {
        0 => ExactFunctions.Sin(r, precision),
        1 => ExactFunctions.Cos(r, precision),
        2 => ExactFunctions.Sin(r, precision).Negate(),
        _ => ExactFunctions.Cos(r, precision).Negate(),
    };
}

namespace HvSim.Cpu.X87;

/// <summary>FSCALE, FXTRACT, FPREM and FPREM1 on <see cref="Float80"/> values (SDM Vol. 2A, their instruction pages).</summary>
public static class Float80Scale
{
    /// <summary>Results outside the exponent range whatever the operand: clamping the scale keeps the arithmetic in an int.</summary>
    private const int ScaleLimit = 1 << 17;

    /// <summary>The format FSCALE and FPREM round to: 64 bits, as precision control does not apply to them (SDM Vol. 1, 8.1.5.2).</summary>
    private static RoundingFormat Extended => new(64, 1, Float80.MaxExponent - 1, true);

    /// <summary>FSCALE: a × 2^trunc(b), with the special cases of Vol. 2A FSCALE, Table 3-45.</summary>
    public static X87Result Scale(Float80 a, Float80 b, X87Control control)
    {
        if (Float80Operands.TryNaNResult(a, b, out var nan))
        {
            return nan;
        }

        var raised = Float80Operands.DenormalFlag(a, b);
        if (b.IsInfinity)
        {
            if (!b.IsNegative)
            {
                return a.IsZero
                    ? new X87Result(Float80.Indefinite, X87Exceptions.Invalid)
                    : new X87Result(a.IsNegative ? Float80.NegativeInfinity : Float80.PositiveInfinity, raised);
            }

            return a.IsInfinity
                ? new X87Result(Float80.Indefinite, X87Exceptions.Invalid)
                : new X87Result(a.IsNegative ? Float80.NegativeZero : Float80.PositiveZero, raised);
        }

        if (a.IsZero || a.IsInfinity)
        {
            return new X87Result(a, raised);
        }

        var scale = 0;
        if (!b.IsZero)
        {
            var (eb, mb) = Float80Operands.Unpack(b);
            var unbiased = eb - Float80.ExponentBias;
            scale = unbiased < 0 ? 0 : unbiased >= 20 ? ScaleLimit : (int)(mb >> (63 - unbiased));
            scale = b.IsNegative ? -scale : scale;
        }

        var (ea, ma) = Float80Operands.Unpack(a);
        var target = ea + scale;
        if (target + RoundingFormat.UnmaskedExponentAdjust < -64 || target - RoundingFormat.UnmaskedExponentAdjust > Float80.MaxExponent)
        {
            // Beyond what the unmasked exponent wrap can bring back into range: the host delivers the masked
            // response (0 or ∞ class results with UE or OE and PE) whatever the masks say.
            control = new X87Control((ushort)(control.Word | (ushort)(X87Exceptions.Overflow | X87Exceptions.Underflow)));
        }

        var rounded = Float80Rounding.Round(a.IsNegative, target + 1, (UInt128)ma << 63, Extended, control, ref raised);
        return new X87Result(rounded.ToFloat80(), raised, rounded.RoundedUp);
    }

    /// <summary>
    /// FPREM (truncating quotient) and FPREM1 (IEEE remainder, quotient rounded to nearest even) of a by b.
    /// When the exponents differ by 64 or more only a partial reduction is made: by 2^n with
    /// n = 32 + (difference mod 32) fewer exponent steps, and <see cref="PartialRemainder.Complete"/> is false (C2 set).
    /// </summary>
    public static PartialRemainder Remainder(Float80 a, Float80 b, bool ieee, X87Control control)
    {
        if (Float80Operands.TryNaNResult(a, b, out var nan))
        {
            return new PartialRemainder(nan, true, 0);
        }

        if (a.IsInfinity || b.IsZero)
        {
            return new PartialRemainder(new X87Result(Float80.Indefinite, X87Exceptions.Invalid), true, 0);
        }

        var raised = Float80Operands.DenormalFlag(a, b);
        if (a.IsZero || b.IsInfinity)
        {
            return Exact(a, raised, control);
        }

        var (ea, ma) = Float80Operands.Unpack(a);
        var (eb, mb) = Float80Operands.Unpack(b);
        var difference = ea - eb;
        if (difference < 0 && !(ieee && difference == -1))
        {
            return Exact(a, raised, control);
        }

        var complete = difference < 64;
        var steps = complete ? difference : 32 + (difference & 31);

        // Exact integer division of ma × 2^steps by mb; the remainder has b's scale (2^(eb - 16383 - 63)).
        UInt128 numerator = steps >= 0 ? (UInt128)ma << steps : ma;
        UInt128 divisor = steps >= 0 ? mb : (UInt128)mb << 1;
        var quotient = numerator / divisor;
        var remainder = numerator % divisor;
        var negative = a.IsNegative;
        if (ieee && complete)
        {
            var twice = remainder << 1;
            if (twice > divisor || (twice == divisor && (quotient & 1) != 0))
            {
                quotient++;
                remainder = divisor - remainder;
                negative = !negative;
            }
        }

        var exponent = (complete ? eb : ea - steps) + 1 - (steps >= 0 ? 0 : 1);
        var q = (int)(quotient & 7);
        if (remainder == 0)
        {
            return new PartialRemainder(new X87Result(a.IsNegative ? Float80.NegativeZero : Float80.PositiveZero, raised), complete, q);
        }

        var rounded = Float80Rounding.Round(negative, exponent, remainder << 63, Extended, control, ref raised);
        return new PartialRemainder(new X87Result(rounded.ToFloat80(), raised, rounded.RoundedUp), complete, q);
    }

    private static PartialRemainder Exact(Float80 a, X87Exceptions raised, X87Control control)
    {
        if (a.IsZero || !a.IsDenormalOperand)
        {
            return new PartialRemainder(new X87Result(a, raised), true, 0);
        }

        // A denormal dividend comes back as itself, normalized where the format allows (it cannot here).
        var (ea, ma) = Float80Operands.Unpack(a);
        var rounded = Float80Rounding.Round(a.IsNegative, ea + 1, (UInt128)ma << 63, Extended, control, ref raised);
        return new PartialRemainder(new X87Result(rounded.ToFloat80(), raised, rounded.RoundedUp), true, 0);
    }
}

/// <summary>An FPREM/FPREM1 step: the remainder, whether it is final (C2 clear) and the quotient's low three bits.</summary>
public readonly record struct PartialRemainder(X87Result Result, bool Complete, int QuotientBits);

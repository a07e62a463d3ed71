namespace HvSim.Cpu.X87;

/// <summary>
/// FADD, FSUB, FMUL, FDIV and FSQRT on <see cref="Float80"/> values, exact integer arithmetic followed by one
/// rounding to the control word's precision and rounding mode (SDM Vol. 1, 8.1.5.2 and 8.1.5.3).
/// Special operands follow the SDM instruction pages' tables (Vol. 2A FADD, FDIV, FMUL, FSQRT).
/// </summary>
public static class Float80Arithmetic
{
    public static X87Result Add(Float80 a, Float80 b, X87Control control) => AddSigned(a, b, b.IsNegative, control);

    /// <summary>a − b: the sum with b's sign flipped; NaN selection still sees b as it was.</summary>
    public static X87Result Subtract(Float80 a, Float80 b, X87Control control) => AddSigned(a, b, !b.IsNegative, control);

    public static X87Result Multiply(Float80 a, Float80 b, X87Control control)
    {
        if (Float80Operands.TryNaNResult(a, b, out var nan))
        {
            return nan;
        }

        var negative = a.IsNegative != b.IsNegative;
        if ((a.IsInfinity && b.IsZero) || (a.IsZero && b.IsInfinity))
        {
            return new X87Result(Float80.Indefinite, X87Exceptions.Invalid);
        }

        var raised = Float80Operands.DenormalFlag(a, b);
        if (a.IsInfinity || b.IsInfinity)
        {
            return new X87Result(Infinity(negative), raised);
        }

        if (a.IsZero || b.IsZero)
        {
            return new X87Result(Zero(negative), raised);
        }

        var (ea, ma) = Float80Operands.Unpack(a);
        var (eb, mb) = Float80Operands.Unpack(b);

        // (ma / 2^63)(mb / 2^63) = product / 2^126, i.e. product / 2^127 at one exponent higher.
        var product = (UInt128)ma * mb;
        return Finish(negative, ea + eb - Float80.ExponentBias + 1, product, control, raised);
    }

    public static X87Result Divide(Float80 a, Float80 b, X87Control control)
    {
        if (Float80Operands.TryNaNResult(a, b, out var nan))
        {
            return nan;
        }

        var negative = a.IsNegative != b.IsNegative;
        if ((a.IsInfinity && b.IsInfinity) || (a.IsZero && b.IsZero))
        {
            return new X87Result(Float80.Indefinite, X87Exceptions.Invalid);
        }

        if (b.IsZero && !a.IsInfinity)
        {
            // A finite non-zero dividend over zero is #Z (SDM Vol. 1, 4.9.1.2). Hardware reports ZE alone even
            // for a denormal dividend: the zero divisor is detected before the denormal operand (host oracle).
            return new X87Result(Infinity(negative), X87Exceptions.ZeroDivide);
        }

        var raised = Float80Operands.DenormalFlag(a, b);
        if (a.IsInfinity || b.IsZero)
        {
            return new X87Result(Infinity(negative), raised);
        }

        if (a.IsZero || b.IsInfinity)
        {
            return new X87Result(Zero(negative), raised);
        }

        var (ea, ma) = Float80Operands.Unpack(a);
        var (eb, mb) = Float80Operands.Unpack(b);

        // Long division to 128 quotient bits: scale the dividend so the first 64-bit quotient digit has
        // its top bit set, then divide the remainder once more; a non-zero final remainder is the sticky bit.
        var exponent = ea - eb + Float80.ExponentBias;
        UInt128 numerator;
        if (ma < mb)
        {
            numerator = (UInt128)ma << 64;
            exponent--;
        }
        else
        {
            numerator = (UInt128)ma << 63;
        }

        var high = numerator / mb;
        var remainder = numerator % mb;
        var next = remainder << 64;
        var low = next / mb;
        var sticky = next % mb != 0 ? UInt128.One : UInt128.Zero;
        var quotient = (high << 64) | low | sticky;
        return Finish(negative, exponent, quotient, control, raised);
    }

    public static X87Result SquareRoot(Float80 a, X87Control control)
    {
        if (Float80Operands.TryNaNResult(a, out var nan))
        {
            return nan;
        }

        if (a.IsZero)
        {
            return new X87Result(a, X87Exceptions.None);
        }

        if (a.IsNegative)
        {
            // Negative non-zero operands, −∞ and negative denormals included, are #IA (Vol. 2A FSQRT).
            return new X87Result(Float80.Indefinite, X87Exceptions.Invalid);
        }

        if (a.IsInfinity)
        {
            return new X87Result(a, X87Exceptions.None);
        }

        var raised = Float80Operands.DenormalFlag(a, a);
        var (exponent, significand) = Float80Operands.Unpack(a);
        var unbiased = exponent - Float80.ExponentBias;

        // Make the exponent even; then sqrt(m / 2^63 × 2^e) = isqrt(m × 2^63 or 2^64) / 2^63 × 2^(e/2).
        var radicand = (unbiased & 1) == 0 ? (UInt128)significand << 63 : (UInt128)significand << 64;
        var (root, remainder) = IntegerSquareRoot(radicand);

        // The exact root is never a half-way point, so two bits suffice below the 64 root bits: the
        // half bit (true root ≥ root + ½ exactly when remainder > root) and a sticky bit.
        var result = (UInt128)root << 64;
        if (remainder > root)
        {
            result |= UInt128.One << 63;
        }

        if (remainder != 0)
        {
            result |= UInt128.One;
        }

        return Finish(false, (unbiased >> 1) + Float80.ExponentBias, result, control, raised);
    }

    private static X87Result AddSigned(Float80 a, Float80 b, bool bNegative, X87Control control)
    {
        if (Float80Operands.TryNaNResult(a, b, out var nan))
        {
            return nan;
        }

        if (a.IsInfinity && b.IsInfinity)
        {
            return a.IsNegative == bNegative
                ? new X87Result(a, X87Exceptions.None)
                : new X87Result(Float80.Indefinite, X87Exceptions.Invalid);
        }

        var raised = Float80Operands.DenormalFlag(a, b);
        if (a.IsInfinity)
        {
            return new X87Result(a, raised);
        }

        if (b.IsInfinity)
        {
            return new X87Result(Infinity(bNegative), raised);
        }

        if (a.IsZero && b.IsZero)
        {
            // Exact zero sum: −0 only for (−0) + (−0), or for opposite signs when rounding down (SDM Vol. 2A FADD, results table).
            var negative = a.IsNegative == bNegative ? a.IsNegative : control.Rounding == RoundingControl.Down;
            return new X87Result(Zero(negative), raised);
        }

        if (b.IsZero)
        {
            return RoundOperand(a.IsNegative, a, control, raised);
        }

        if (a.IsZero)
        {
            return RoundOperand(bNegative, b, control, raised);
        }

        var (ea, ma) = Float80Operands.Unpack(a);
        var (eb, mb) = Float80Operands.Unpack(b);
        var aNegative = a.IsNegative;
        if (ea < eb || (ea == eb && ma < mb))
        {
            (ea, ma, aNegative, eb, mb, bNegative) = (eb, mb, bNegative, ea, ma, aNegative);
        }

        // Integer bits at bit 126 leave room for the carry; 63 exact guard bits lie below the operands,
        // and the smaller one is aligned with a sticky bit, so a single rounding is correct.
        var larger = (UInt128)ma << 63;
        var smaller = Float80Rounding.ShiftRightJam((UInt128)mb << 63, ea - eb);
        if (aNegative == bNegative)
        {
            return Finish(aNegative, ea + 1, larger + smaller, control, raised);
        }

        var difference = larger - smaller;
        if (difference == 0)
        {
            // x − x is +0, or −0 when rounding down (IEEE 754 6.3, SDM Vol. 1, 4.8.3.1).
            return new X87Result(Zero(control.Rounding == RoundingControl.Down), raised);
        }

        return Finish(aNegative, ea + 1, difference, control, raised);
    }

    /// <summary>x ± 0 is x rounded to the control word's precision (which can be inexact or tiny).</summary>
    private static X87Result RoundOperand(bool negative, Float80 value, X87Control control, X87Exceptions raised)
    {
        var (exponent, significand) = Float80Operands.Unpack(value);
        return Finish(negative, exponent + 1, (UInt128)significand << 63, control, raised);
    }

    private static X87Result Finish(bool negative, int exponent, UInt128 significand, X87Control control, X87Exceptions raised)
    {
        var rounded = Float80Rounding.Round(negative, exponent, significand, RoundingFormat.Register(control), control, ref raised);
        return new X87Result(rounded.ToFloat80(), raised, rounded.RoundedUp);
    }

    private static Float80 Infinity(bool negative) => negative ? Float80.NegativeInfinity : Float80.PositiveInfinity;

    private static Float80 Zero(bool negative) => negative ? Float80.NegativeZero : Float80.PositiveZero;

    /// <summary>Bit-by-bit integer square root of a radicand in [2^126, 2^128): root in [2^63, 2^64) and radicand − root².</summary>
    private static (ulong Root, UInt128 Remainder) IntegerSquareRoot(UInt128 radicand)
    {
        UInt128 remainder = 0;
        UInt128 root = 0;
        for (var pair = 63; pair >= 0; pair--)
        {
            remainder = (remainder << 2) | ((radicand >> (2 * pair)) & 3);
            root <<= 1;
            var trial = (root << 1) | 1;
            if (remainder >= trial)
            {
                remainder -= trial;
                root |= 1;
            }
        }

        return ((ulong)root, remainder);
    }
}

using HvSim.Cpu.X87;

namespace HvSim.Cpu.SimdFloat;

/// <summary>
/// Exact SSE floating point for one format under any MXCSR: each result is computed exactly (or with
/// a sticky bit below enough exact guard bits) from the exact operands and rounded once by
/// <see cref="Float80Rounding.Round"/> to the format's precision and exponent range, so rounding
/// mode, tininess after rounding, UE/OE/PE follow the x87's shared rules; this file adds what SSE
/// does differently: DAZ on reading, FTZ on writing, SSE's NaN choice, and flags as MXCSR bits.
/// </summary>
/// <remarks>
/// Values are bit patterns (the low <c>F.Width</c> bits of a ulong). Raised exceptions are ORed into
/// <c>raised</c> (MXCSR bit positions); the caller decides what becomes sticky and whether to trap.
/// Exception priority follows SDM Vol. 1, 4.9.2: a NaN operand or another invalid operation or a
/// divide by zero hides a denormal operand; DE is then reported and the computation continues.
/// </remarks>
internal static partial class SoftFloat<F> where F : struct, IBinaryFormat
{
    private static ulong SignBit => 1UL << (F.Width - 1);

    private static ulong FractionMask => (1UL << F.FractionBits) - 1;

    private static ulong QuietBit => 1UL << (F.FractionBits - 1);

    private static ulong ExponentField => (ulong)F.MaxExponentField << F.FractionBits;

    /// <summary>The QNaN floating-point indefinite: sign set, quiet bit only (SDM Vol. 1, 4.8.3.7, Table 4-3).</summary>
    public static ulong DefaultNaN => SignBit | ExponentField | QuietBit;

    public static ulong Infinity(bool negative) => (negative ? SignBit : 0) | ExponentField;

    public static ulong Zero(bool negative) => negative ? SignBit : 0;

    public static ulong Quiet(ulong bits) => bits | QuietBit;

    /// <summary>Classifies and unpacks; with DAZ a denormal reads as a zero of its sign and raises nothing (SDM Vol. 1, 10.2.3.4).</summary>
    public static Operand Read(ulong bits, uint mxcsr)
    {
        bool negative = (bits & SignBit) != 0;
        int exponent = (int)((bits >> F.FractionBits) & (ulong)F.MaxExponentField);
        ulong fraction = bits & FractionMask;
        if (exponent == F.MaxExponentField)
        {
            OperandKind kind = fraction == 0 ? OperandKind.Infinity
                : (fraction & QuietBit) != 0 ? OperandKind.QuietNaN : OperandKind.SignalingNaN;
            return new Operand(kind, negative, 0, 0, false);
        }
        if (exponent == 0)
        {
            if (fraction == 0 || Mxcsr.Daz(mxcsr))
            {
                return new Operand(OperandKind.Zero, negative, 0, 0, false);
            }
            int shift = System.Numerics.BitOperations.LeadingZeroCount(fraction);
            return new Operand(OperandKind.Finite, negative, Float80.ExponentBias + 64 - F.Bias - F.FractionBits - shift, fraction << shift, true);
        }
        ulong significand = ((1UL << F.FractionBits) | fraction) << (63 - F.FractionBits);
        return new Operand(OperandKind.Finite, negative, Float80.ExponentBias + exponent - F.Bias, significand, false);
    }

    /// <summary>The bits an operand reads as after DAZ (a denormal becomes a zero of its sign).</summary>
    public static ulong AfterDaz(ulong bits, uint mxcsr) =>
        Mxcsr.Daz(mxcsr) && (bits & ExponentField) == 0 ? bits & SignBit : bits;

    /// <summary>
    /// SSE's NaN result (SDM Vol. 1, 4.8.3.5, Table 4-7): the first source operand if it is a NaN, else
    /// the second, quieted; IE when either is an SNaN.
    /// </summary>
    private static ulong PropagateNaN(ulong a, in Operand x, ulong b, in Operand y, ref uint raised)
    {
        if (x.IsSignalingNaN || y.IsSignalingNaN)
        {
            raised |= Mxcsr.Invalid;
        }
        return Quiet(x.IsNaN ? a : b);
    }

    /// <summary>
    /// Rounds value = significand / 2^127 × 2^(exponent − 16383) (non-zero) to the format. With FTZ and
    /// UE masked, a tiny result (denormal after rounding, or UE raised) becomes a zero of its sign with
    /// UE and PE set (SDM Vol. 1, 10.2.3.3). An unmasked OE or UE (the instruction then traps and
    /// delivers nothing) comes with PE only when the result rounded to the format's precision with an
    /// unbounded exponent is inexact, as the host shows (an exact power-of-two quotient that overflows
    /// raises OE alone): the x87's rule for its wrapped-exponent results (SDM Vol. 1, 4.9.1.4-5), not
    /// the PE of the masked response (∞ or a denormalized value).
    /// </summary>
    public static ulong Round(bool negative, int exponent, UInt128 significand, uint mxcsr, ref uint raised)
    {
        X87Exceptions flags = X87Exceptions.None;
        X87Control control = Mxcsr.ToX87Control(mxcsr);
        RoundedValue rounded = Float80Rounding.Round(negative, exponent, significand, F.Rounding, control, ref flags);
        if (Mxcsr.Unmasked((uint)flags & (Mxcsr.Overflow | Mxcsr.Underflow), mxcsr) != 0)
        {
            X87Exceptions unbounded = X87Exceptions.None;
            Float80Rounding.Round(negative, exponent, significand, Unbounded, control, ref unbounded);
            flags = (flags & ~X87Exceptions.Precision) | (unbounded & X87Exceptions.Precision);
        }
        bool denormal = !rounded.IsInfinity && (rounded.Significand & Float80.IntegerBit) == 0;
        if (Mxcsr.Ftz(mxcsr) && (denormal || (flags & X87Exceptions.Underflow) != 0)
            && (mxcsr & (Mxcsr.Underflow << Mxcsr.MaskShift)) != 0)
        {
            raised |= Mxcsr.Underflow | Mxcsr.Precision;
            return Zero(negative);
        }
        raised |= (uint)flags;
        return Encode(rounded);
    }

    /// <summary>The format's precision with an exponent range no result reaches (for the PE of an unmasked OE or UE).</summary>
    private static RoundingFormat Unbounded => new(F.Rounding.SignificandBits, int.MinValue / 2, int.MaxValue / 2, false);

    private static ulong Encode(RoundedValue rounded)
    {
        if (rounded.IsInfinity)
        {
            return Infinity(rounded.Negative);
        }
        ulong sign = rounded.Negative ? SignBit : 0;
        ulong fraction = rounded.Significand >> (63 - F.FractionBits);
        if ((rounded.Significand & Float80.IntegerBit) == 0)
        {
            return sign | fraction; // denormal (or zero): exponent field 0
        }
        return sign | ((ulong)(rounded.Exponent - Float80.ExponentBias + F.Bias) << F.FractionBits) | (fraction & FractionMask);
    }

    /// <summary>A finite operand rounded to this format (x ± 0, and conversions from the other format).</summary>
    public static ulong RoundOperand(bool negative, in Operand x, uint mxcsr, ref uint raised) =>
        Round(negative, x.Exponent, (UInt128)x.Significand << 64, mxcsr, ref raised);

    /// <summary>a + b, or a − b when <paramref name="subtract"/> (SDM Vol. 2 ADDSS/SUBSS; special cases IEEE 754 6.1, 6.3, 7.2).</summary>
    public static ulong Add(ulong a, ulong b, bool subtract, uint mxcsr, ref uint raised)
    {
        Operand x = Read(a, mxcsr);
        Operand y = Read(b, mxcsr);
        if (x.IsNaN || y.IsNaN)
        {
            return PropagateNaN(a, x, b, y, ref raised);
        }
        bool yNegative = y.Negative != subtract;
        if (x.IsInfinity && y.IsInfinity && x.Negative != yNegative)
        {
            raised |= Mxcsr.Invalid;
            return DefaultNaN;
        }
        raised |= Operand.DenormalFlag(x, y);
        if (x.IsInfinity || y.IsInfinity)
        {
            return Infinity(x.IsInfinity ? x.Negative : yNegative);
        }
        bool down = Mxcsr.Rounding(mxcsr) == RoundingControl.Down;
        if (x.IsZero && y.IsZero)
        {
            return Zero(x.Negative == yNegative ? x.Negative : down);
        }
        if (y.IsZero)
        {
            return RoundOperand(x.Negative, x, mxcsr, ref raised);
        }
        if (x.IsZero)
        {
            return RoundOperand(yNegative, y, mxcsr, ref raised);
        }

        int ea = x.Exponent, eb = y.Exponent;
        ulong ma = x.Significand, mb = y.Significand;
        bool aNegative = x.Negative;
        if (ea < eb || (ea == eb && ma < mb))
        {
            (ea, ma, aNegative, eb, mb, yNegative) = (eb, mb, yNegative, ea, ma, aNegative);
        }
        // Integer bits at 126 leave room for the carry; the 63 bits below the operands are exact guard
        // bits and the aligned smaller operand keeps a sticky bit, so the one rounding is correct.
        UInt128 larger = (UInt128)ma << 63;
        UInt128 smaller = Float80Rounding.ShiftRightJam((UInt128)mb << 63, ea - eb);
        if (aNegative == yNegative)
        {
            return Round(aNegative, ea + 1, larger + smaller, mxcsr, ref raised);
        }
        UInt128 difference = larger - smaller;
        // x − x is +0, or −0 when rounding down (IEEE 754 6.3).
        return difference == 0 ? Zero(down) : Round(aNegative, ea + 1, difference, mxcsr, ref raised);
    }

    public static ulong Multiply(ulong a, ulong b, uint mxcsr, ref uint raised)
    {
        Operand x = Read(a, mxcsr);
        Operand y = Read(b, mxcsr);
        if (x.IsNaN || y.IsNaN)
        {
            return PropagateNaN(a, x, b, y, ref raised);
        }
        bool negative = x.Negative != y.Negative;
        if ((x.IsInfinity && y.IsZero) || (x.IsZero && y.IsInfinity))
        {
            raised |= Mxcsr.Invalid;
            return DefaultNaN;
        }
        raised |= Operand.DenormalFlag(x, y);
        if (x.IsInfinity || y.IsInfinity)
        {
            return Infinity(negative);
        }
        if (x.IsZero || y.IsZero)
        {
            return Zero(negative);
        }
        // (ma / 2^63)(mb / 2^63) = product / 2^126 = product / 2^127 × 2.
        return Round(negative, x.Exponent + y.Exponent - Float80.ExponentBias + 1, (UInt128)x.Significand * y.Significand, mxcsr, ref raised);
    }

    public static ulong Divide(ulong a, ulong b, uint mxcsr, ref uint raised)
    {
        Operand x = Read(a, mxcsr);
        Operand y = Read(b, mxcsr);
        if (x.IsNaN || y.IsNaN)
        {
            return PropagateNaN(a, x, b, y, ref raised);
        }
        bool negative = x.Negative != y.Negative;
        if ((x.IsInfinity && y.IsInfinity) || (x.IsZero && y.IsZero))
        {
            raised |= Mxcsr.Invalid;
            return DefaultNaN;
        }
        if (y.IsZero && !x.IsInfinity)
        {
            // #Z outranks a denormal dividend (SDM Vol. 1, 4.9.2).
            raised |= Mxcsr.ZeroDivide;
            return Infinity(negative);
        }
        raised |= Operand.DenormalFlag(x, y);
        if (x.IsInfinity)
        {
            return Infinity(negative);
        }
        if (x.IsZero || y.IsInfinity)
        {
            return Zero(negative);
        }
        // 64 quotient bits with the leading one at bit 63 (at most 53 are kept), the remainder as sticky bit.
        ulong ma = x.Significand, mb = y.Significand;
        int exponent = x.Exponent - y.Exponent + Float80.ExponentBias;
        UInt128 numerator = (UInt128)ma << 63;
        if (ma < mb)
        {
            numerator <<= 1;
            exponent--;
        }
        UInt128 quotient = numerator / mb;
        bool sticky = numerator - (quotient * mb) != 0;
        return Round(negative, exponent, (quotient << 64) | (sticky ? UInt128.One : UInt128.Zero), mxcsr, ref raised);
    }

    public static ulong SquareRoot(ulong a, uint mxcsr, ref uint raised)
    {
        Operand x = Read(a, mxcsr);
        if (x.IsNaN)
        {
            return PropagateNaN(a, x, a, x, ref raised);
        }
        if (x.IsZero)
        {
            return Zero(x.Negative); // sqrt(−0) = −0 (IEEE 754 6.3)
        }
        if (x.Negative)
        {
            raised |= Mxcsr.Invalid;
            return DefaultNaN;
        }
        if (x.IsInfinity)
        {
            return a;
        }
        raised |= Operand.DenormalFlag(x, x);
        int unbiased = x.Exponent - Float80.ExponentBias;
        // Even exponent: sqrt(m / 2^63 × 2^e) = isqrt(m × 2^63 or 2^64) / 2^63 × 2^(e/2) (floor).
        UInt128 radicand = (unbiased & 1) == 0 ? (UInt128)x.Significand << 63 : (UInt128)x.Significand << 64;
        (ulong root, UInt128 remainder) = IntegerSquareRoot(radicand);
        // The true root is never a half-way point: root + ½ ≤ true root exactly when remainder > root.
        UInt128 result = (UInt128)root << 64;
        if (remainder > root)
        {
            result |= UInt128.One << 63;
        }
        if (remainder != 0)
        {
            result |= UInt128.One;
        }
        return Round(false, (unbiased >> 1) + Float80.ExponentBias, result, mxcsr, ref raised);
    }

    /// <summary>Integer square root of a radicand in [2^126, 2^128): a double estimate corrected to floor, and radicand − root².</summary>
    private static (ulong Root, UInt128 Remainder) IntegerSquareRoot(UInt128 radicand)
    {
        var root = (ulong)Math.Sqrt((double)radicand);
        // The estimate is within a few units of the true floor; step to it exactly.
        while ((UInt128)root * root > radicand)
        {
            root--;
        }
        while (root != ulong.MaxValue && (UInt128)(root + 1) * (root + 1) <= radicand)
        {
            root++;
        }
        return (root, radicand - ((UInt128)root * root));
    }

    /// <summary>
    /// Float to integer (cvtss2si, cvttsd2si, cvtps2dq...): rounded by <paramref name="rounding"/>;
    /// NaN, infinity and out-of-range values give the integer indefinite (the minimum integer) with IE
    /// (SDM Vol. 1, 4.8.3.7 and 11.5.2.1); an inexact in-range result raises PE.
    /// </summary>
    public static ulong ToInteger(ulong bits, bool wide, RoundingControl rounding, uint mxcsr, ref uint raised)
    {
        ulong indefinite = wide ? 0x8000_0000_0000_0000UL : 0x8000_0000UL;
        Operand x = Read(bits, mxcsr);
        if (x.IsNaN || x.IsInfinity)
        {
            raised |= Mxcsr.Invalid;
            return indefinite;
        }
        if (x.IsZero)
        {
            return 0;
        }
        if (!TryRoundToInteger(x, rounding, out ulong magnitude, out bool inexact))
        {
            raised |= Mxcsr.Invalid;
            return indefinite;
        }
        ulong limit = wide ? 1UL << 63 : 1UL << 31;
        if (magnitude > limit || (magnitude == limit && !x.Negative))
        {
            raised |= Mxcsr.Invalid;
            return indefinite;
        }
        if (inexact)
        {
            raised |= Mxcsr.Precision;
        }
        ulong value = x.Negative ? 0 - magnitude : magnitude;
        return wide ? value : (uint)value;
    }

    /// <summary>
    /// roundss/roundsd element (SSE4.1): the integral value of the same format nearest in the given
    /// direction; NaN quieted (IE for SNaN), ±0 and ±∞ unchanged; PE when inexact and not suppressed.
    /// </summary>
    public static ulong RoundToIntegral(ulong bits, RoundingControl rounding, bool suppressPrecision, uint mxcsr, ref uint raised)
    {
        Operand x = Read(bits, mxcsr);
        if (x.IsNaN)
        {
            return PropagateNaN(bits, x, bits, x, ref raised);
        }
        if (x.Kind != OperandKind.Finite)
        {
            return AfterDaz(bits, mxcsr);
        }
        if (x.Exponent - Float80.ExponentBias >= F.FractionBits)
        {
            return bits; // no fraction bits left: already integral
        }
        TryRoundToInteger(x, rounding, out ulong magnitude, out bool inexact);
        if (inexact && !suppressPrecision)
        {
            raised |= Mxcsr.Precision;
        }
        if (magnitude == 0)
        {
            return Zero(x.Negative);
        }
        // Below 2^F.FractionBits + 1: exact in the format, so this rounding raises nothing.
        uint none = 0;
        return Round(x.Negative, Float80.ExponentBias + 127, magnitude, Mxcsr.DefaultControl, ref none);
    }

    /// <summary>The magnitude of a finite operand rounded to an integer; false when it does not fit 64 bits.</summary>
    private static bool TryRoundToInteger(in Operand x, RoundingControl rounding, out ulong magnitude, out bool inexact)
    {
        // value = Significand × 2^shift.
        int shift = x.Exponent - Float80.ExponentBias - 63;
        if (shift >= 0)
        {
            inexact = false;
            magnitude = shift == 0 ? x.Significand : 0;
            return shift == 0;
        }
        ulong integer, fraction;
        int right = -shift;
        if (right >= 64)
        {
            integer = 0;
            // Below ½ (right > 64) only the sticky bit matters, and the value is non-zero.
            fraction = right == 64 ? x.Significand : right >= 128 ? 1 : (x.Significand >> (right - 64)) | 1;
        }
        else
        {
            integer = x.Significand >> right;
            fraction = x.Significand << (64 - right);
        }
        bool half = (fraction & (1UL << 63)) != 0;
        bool sticky = (fraction << 1) != 0;
        inexact = half || sticky;
        bool increment = rounding switch
        {
            RoundingControl.NearestEven => half && (sticky || (integer & 1) != 0),
            RoundingControl.Down => inexact && x.Negative,
            RoundingControl.Up => inexact && !x.Negative,
            _ => false,
        };
        magnitude = integer + (increment ? 1UL : 0);
        return !(increment && magnitude == 0);
    }

    /// <summary>Integer to this format (cvtsi2ss, cvtdq2ps...): rounded by MXCSR.RC, PE when inexact.</summary>
    public static ulong FromInteger(long value, uint mxcsr, ref uint raised)
    {
        if (value == 0)
        {
            return 0;
        }
        bool negative = value < 0;
        ulong magnitude = negative ? 0 - (ulong)value : (ulong)value;
        return Round(negative, Float80.ExponentBias + 127, magnitude, mxcsr, ref raised);
    }

    /// <summary>
    /// Conversion from format <typeparamref name="TFrom"/> (cvtss2sd, cvtsd2ss, cvtps2pd, cvtpd2ps): NaNs keep
    /// sign and leading payload bits, quieted (IE for SNaN); DE for a denormal source; finite values rounded.
    /// </summary>
    public static ulong Convert<TFrom>(ulong bits, uint mxcsr, ref uint raised) where TFrom : struct, IBinaryFormat
    {
        Operand x = SoftFloat<TFrom>.Read(bits, mxcsr);
        switch (x.Kind)
        {
            case OperandKind.QuietNaN:
            case OperandKind.SignalingNaN:
            {
                if (x.IsSignalingNaN)
                {
                    raised |= Mxcsr.Invalid;
                }
                ulong fraction = bits & ((1UL << TFrom.FractionBits) - 1);
                fraction = F.FractionBits >= TFrom.FractionBits
                    ? fraction << (F.FractionBits - TFrom.FractionBits)
                    : fraction >> (TFrom.FractionBits - F.FractionBits);
                return (x.Negative ? SignBit : 0) | ExponentField | fraction | QuietBit;
            }
            case OperandKind.Infinity:
                return Infinity(x.Negative);
            case OperandKind.Zero:
                return Zero(x.Negative);
        }
        raised |= x.IsDenormal ? Mxcsr.Denormal : 0;
        return RoundOperand(x.Negative, x, mxcsr, ref raised);
    }
}

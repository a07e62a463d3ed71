using System.Numerics;

namespace HvSim.Cpu.X87.Exact;

/// <summary>
/// An arbitrary-precision binary number, value = Mantissa × 2^Exponent, for the x87 transcendentals:
/// the 80-bit results are rounded from values computed with far more bits than the format has
/// (see <see cref="CorrectRounding"/>). Operations that cannot be exact take a precision in bits
/// and truncate toward zero to it; additions of aligned values and negation are exact.
/// </summary>
internal readonly record struct BigBinary(BigInteger Mantissa, int Exponent)
{
    public static BigBinary Zero => new(BigInteger.Zero, 0);

    public static BigBinary One => new(BigInteger.One, 0);

    public static BigBinary FromInt(long value) => new(value, 0);

    /// <summary>The exact value of a finite <see cref="Float80"/> (denormals read exponent field 0 as 1).</summary>
    public static BigBinary From(Float80 value)
    {
        var exponent = value.Exponent == 0 ? 1 : value.Exponent;
        BigInteger mantissa = value.Significand;
        return new BigBinary(value.IsNegative ? -mantissa : mantissa, exponent - Float80.ExponentBias - 63);
    }

    public int Sign => Mantissa.Sign;

    public bool IsZero => Mantissa.IsZero;

    /// <summary>Bits in |Mantissa|.</summary>
    public int Bits => (int)BigInteger.Abs(Mantissa).GetBitLength();

    /// <summary>floor(log2 |value|) for a non-zero value: the position of the leading bit.</summary>
    public int Magnitude => Exponent + Bits - 1;

    public BigBinary Negate() => new(-Mantissa, Exponent);

    public BigBinary Abs() => new(BigInteger.Abs(Mantissa), Exponent);

    /// <summary>value × 2^count, exact.</summary>
    public BigBinary Scale(int count) => new(Mantissa, Exponent + count);

    /// <summary>Keeps the leading <paramref name="precision"/> bits, truncating toward zero.</summary>
    public BigBinary Truncate(int precision)
    {
        var excess = Bits - precision;
        if (excess <= 0)
        {
            return this;
        }

        var magnitude = BigInteger.Abs(Mantissa) >> excess;
        return new BigBinary(Mantissa.Sign < 0 ? -magnitude : magnitude, Exponent + excess);
    }

    /// <summary>The exact sum.</summary>
    public static BigBinary operator +(BigBinary a, BigBinary b)
    {
        if (a.IsZero)
        {
            return b;
        }

        if (b.IsZero)
        {
            return a;
        }

        return a.Exponent >= b.Exponent
            ? new BigBinary((a.Mantissa << (a.Exponent - b.Exponent)) + b.Mantissa, b.Exponent)
            : new BigBinary(a.Mantissa + (b.Mantissa << (b.Exponent - a.Exponent)), a.Exponent);
    }

    public static BigBinary operator -(BigBinary a, BigBinary b) => a + b.Negate();

    /// <summary>
    /// The sum to <paramref name="precision"/> bits. An addend whose leading bit lies more than
    /// precision + 8 places below the other's is dropped rather than aligned (its contribution is below
    /// the truncation error), which keeps sums like 1 + 2^-16000 from building a 16000-bit integer.
    /// </summary>
    public static BigBinary Add(BigBinary a, BigBinary b, int precision)
    {
        if (!a.IsZero && !b.IsZero)
        {
            var gap = a.Magnitude - b.Magnitude;
            if (gap > precision + 8)
            {
                return a.Truncate(precision);
            }

            if (-gap > precision + 8)
            {
                return b.Truncate(precision);
            }
        }

        return (a + b).Truncate(precision);
    }

    public static BigBinary Multiply(BigBinary a, BigBinary b, int precision) =>
        new BigBinary(a.Mantissa * b.Mantissa, a.Exponent + b.Exponent).Truncate(precision);

    /// <summary>a / b with <paramref name="precision"/> significant bits, truncated toward zero.</summary>
    public static BigBinary Divide(BigBinary a, BigBinary b, int precision)
    {
        if (a.IsZero)
        {
            return Zero;
        }

        var shift = precision + b.Bits - a.Bits + 1;
        var numerator = shift >= 0 ? a.Mantissa << shift : a.Mantissa >> -shift;
        return new BigBinary(BigInteger.Divide(numerator, b.Mantissa), a.Exponent - b.Exponent - shift).Truncate(precision);
    }

    /// <summary>√value of a non-negative value to <paramref name="precision"/> bits (Newton's method on integers).</summary>
    public static BigBinary SquareRoot(BigBinary value, int precision)
    {
        if (value.IsZero)
        {
            return Zero;
        }

        // Widen the mantissa to at least 2 × precision bits with an even exponent, then take the integer root.
        var shift = Math.Max(0, (2 * precision) - value.Bits + 2);
        if (((value.Exponent - shift) & 1) != 0)
        {
            shift++;
        }

        var n = value.Mantissa << shift;
        var x = BigInteger.One << (int)((n.GetBitLength() + 1) / 2);
        while (true)
        {
            var next = (x + (n / x)) >> 1;
            if (next >= x)
            {
                break;
            }

            x = next;
        }

        return new BigBinary(x, (value.Exponent - shift) / 2).Truncate(precision);
    }

    public static int Compare(BigBinary a, BigBinary b) => (a - b).Sign;

    /// <summary>The integer nearest to the value (ties away from zero).</summary>
    public BigInteger RoundToInteger()
    {
        if (Exponent >= 0)
        {
            return Mantissa << Exponent;
        }

        var magnitude = BigInteger.Abs(Mantissa);
        var rounded = (magnitude + (BigInteger.One << (-Exponent - 1))) >> -Exponent;
        return Mantissa.Sign < 0 ? -rounded : rounded;
    }
}

namespace HvSim.Cpu.X87;

/// <summary>
/// Rounding to an integral value: FRNDINT (result stays a <see cref="Float80"/>) and FIST/FISTP
/// (result is a 16-, 32- or 64-bit integer), plus the exact FILD conversions.
/// Both round by the rounding control and ignore precision control (SDM Vol. 1, 8.1.5.2).
/// </summary>
public static class Float80Integer
{
    public static Float80 FromInt64(long value)
    {
        if (value == 0)
        {
            return Float80.PositiveZero;
        }

        // FILD is always exact: 64 significand bits hold any 64-bit integer (Vol. 2A FILD).
        var magnitude = value < 0 ? (ulong)-(value + 1) + 1 : (ulong)value;
        var shift = System.Numerics.BitOperations.LeadingZeroCount(magnitude);
        return new Float80(value < 0, Float80.ExponentBias + 63 - shift, magnitude << shift);
    }

    /// <summary>FRNDINT (Vol. 2A FRNDINT): #IA for SNaN or unsupported, DE for denormals, PE when inexact.</summary>
    public static X87Result RoundToIntegral(Float80 value, X87Control control)
    {
        if (Float80Operands.TryNaNResult(value, out var nan))
        {
            return nan;
        }

        if (value.IsZero || value.IsInfinity)
        {
            return new X87Result(value, X87Exceptions.None);
        }

        var raised = Float80Operands.DenormalFlag(value, value);
        var (exponent, _) = Float80Operands.Unpack(value);
        if (exponent - Float80.ExponentBias >= 63)
        {
            // No fraction bits: already integral.
            return new X87Result(value, raised);
        }

        var (integer, inexact, roundedUp) = RoundMagnitude(value, control.Rounding);
        if (inexact)
        {
            raised |= X87Exceptions.Precision;
        }

        if (integer == 0)
        {
            return new X87Result(new Float80(value.IsNegative, 0, 0), raised, roundedUp);
        }

        var shift = System.Numerics.BitOperations.LeadingZeroCount(integer);
        return new X87Result(new Float80(value.IsNegative, Float80.ExponentBias + 63 - shift, integer << shift), raised, roundedUp);
    }

    /// <summary>
    /// FIST/FISTP to a <paramref name="bits"/>-bit integer (16, 32 or 64). NaN, ∞, unsupported encodings and
    /// out-of-range results are #IA, whose masked response is the integer indefinite 100…0 (Vol. 2A FIST,
    /// Vol. 1, 4.8.3.7). The value is returned sign-extended to 64 bits.
    /// </summary>
    public static (long Value, X87Exceptions Exceptions, bool RoundedUp) ToInteger(Float80 value, int bits, X87Control control)
    {
        var indefinite = long.MinValue >> (64 - bits);
        if (value.IsUnsupported || value.IsNaN || value.IsInfinity)
        {
            return (indefinite, X87Exceptions.Invalid, false);
        }

        if (value.IsZero)
        {
            return (0, X87Exceptions.None, false);
        }

        var (exponent, _) = Float80Operands.Unpack(value);
        if (exponent - Float80.ExponentBias >= 64)
        {
            return (indefinite, X87Exceptions.Invalid, false);
        }

        var (magnitude, inexact, roundedUp) = exponent - Float80.ExponentBias == 63
            ? (value.Significand, false, false)
            : RoundMagnitude(value, control.Rounding);
        var limit = 1UL << (bits - 1);
        if (value.IsNegative ? magnitude > limit : magnitude >= limit)
        {
            return (indefinite, X87Exceptions.Invalid, false);
        }

        var result = value.IsNegative ? (long)(0 - magnitude) : (long)magnitude;
        return (result, inexact ? X87Exceptions.Precision : X87Exceptions.None, roundedUp);
    }

    /// <summary>
    /// Rounds |value| (finite, non-zero, below 2^63) to an integer: the magnitude, whether fraction bits were
    /// lost and whether the magnitude was increased.
    /// </summary>
    private static (ulong Integer, bool Inexact, bool RoundedUp) RoundMagnitude(Float80 value, RoundingControl rounding)
    {
        var (exponent, significand) = Float80Operands.Unpack(value);
        var fractionBits = 63 - (exponent - Float80.ExponentBias);

        // Two bits below the units place: the half bit, then a sticky bit for everything further down.
        var scaled = Float80Rounding.ShiftRightJam((UInt128)significand << 2, fractionBits);
        var integer = (ulong)(scaled >> 2);
        var rest = (int)(scaled & 3);
        var up = rounding switch
        {
            RoundingControl.NearestEven => rest > 2 || (rest == 2 && (integer & 1) != 0),
            RoundingControl.Down => rest != 0 && value.IsNegative,
            RoundingControl.Up => rest != 0 && !value.IsNegative,
            _ => false,
        };
        return (up ? integer + 1 : integer, rest != 0, up);
    }
}

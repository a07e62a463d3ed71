namespace HvSim.Cpu.X87;

/// <summary>
/// Rounds an exact (or sticky-jammed) result to a <see cref="RoundingFormat"/> under the control word's
/// rounding mode, raising PE, UE and OE as the SDM specifies (Vol. 1, 4.8.4 and 4.9.1.4 to 4.9.1.6).
/// </summary>
internal static class Float80Rounding
{
    /// <summary>
    /// Rounds value = significand / 2^127 × 2^(exponent − 16383). The lowest bit of
    /// <paramref name="significand"/> may be a sticky bit standing for discarded non-zero bits: callers keep
    /// at least two bits below the rounding position exact so that such a bit never changes the decision.
    /// A zero significand must be handled by the caller (the sign of an exact zero depends on the operation).
    /// </summary>
    public static RoundedValue Round(
        bool negative, int exponent, UInt128 significand, RoundingFormat format, X87Control control, ref X87Exceptions raised)
    {
        var leadingZeros = (int)UInt128.LeadingZeroCount(significand);
        significand <<= leadingZeros;
        exponent -= leadingZeros;

        // Tininess is detected after rounding (IEEE 754 7.5 leaves the choice to the implementation; the
        // host oracle shows the x87's): tiny when the result rounded to the target precision with an
        // unbounded exponent is below the smallest normal. Only a result just below it can round up out of tininess.
        var dropped = 128 - format.SignificandBits;
        var tiny = exponent < format.MinExponent
            && !(exponent == format.MinExponent - 1 && CarriesOut(negative, significand, dropped, control.Rounding));
        var underflowMasked = control.IsMasked(X87Exceptions.Underflow);
        if (tiny && format.AdjustsExponentWhenUnmasked && !underflowMasked)
        {
            // Unmasked underflow on the stack: deliver the normalized result scaled by 2^24576 (SDM Vol. 1, 8.5.5.2).
            exponent += RoundingFormat.UnmaskedExponentAdjust;
            raised |= X87Exceptions.Underflow;
            tiny = false;
        }
        else if (tiny)
        {
            // Masked response: denormalize, then round at the same bit position as a normal result (SDM Vol. 1, 4.9.1.5).
            significand = ShiftRightJam(significand, format.MinExponent - exponent);
            exponent = format.MinExponent;
        }

        var lowMask = (UInt128.One << dropped) - 1;
        var inexact = (significand & lowMask) != 0;
        var roundUp = IncrementsOnRounding(negative, significand, dropped, control.Rounding);
        significand &= ~lowMask;
        if (roundUp)
        {
            significand += UInt128.One << dropped;
            if (significand == 0)
            {
                // Carry out of the integer bit: 1.111…1 rounded to 10.000…0.
                significand = UInt128.One << 127;
                exponent++;
            }
        }

        if (inexact)
        {
            raised |= X87Exceptions.Precision;
        }

        // Masked UE needs tiny and inexact; unmasked UE needs only tiny (SDM Vol. 1, 4.9.1.5).
        if (tiny && (inexact || !underflowMasked))
        {
            raised |= X87Exceptions.Underflow;
        }

        if (exponent > format.MaxExponent)
        {
            if (format.AdjustsExponentWhenUnmasked && !control.IsMasked(X87Exceptions.Overflow))
            {
                // Unmasked overflow on the stack: the rounded result scaled by 2^-24576 (SDM Vol. 1, 8.5.4.2).
                raised |= X87Exceptions.Overflow;
                return new RoundedValue(negative, exponent - RoundingFormat.UnmaskedExponentAdjust, (ulong)(significand >> 64), false) { RoundedUp = roundUp };
            }

            return OverflowResponse(negative, format, control, ref raised);
        }

        return new RoundedValue(negative, exponent, (ulong)(significand >> 64), false) { RoundedUp = roundUp };
    }

    /// <summary>Whether rounding away the low <paramref name="dropped"/> bits adds one unit in the last kept place (SDM Vol. 1, 4.8.4, Table 4-8).</summary>
    private static bool IncrementsOnRounding(bool negative, UInt128 significand, int dropped, RoundingControl rounding)
    {
        var remainder = significand & ((UInt128.One << dropped) - 1);
        var half = UInt128.One << (dropped - 1);
        return rounding switch
        {
            RoundingControl.NearestEven => remainder > half || (remainder == half && ((significand >> dropped) & 1) != 0),
            RoundingControl.Down => remainder != 0 && negative,
            RoundingControl.Up => remainder != 0 && !negative,
            _ => false,
        };
    }

    /// <summary>Whether rounding a normalized significand carries out of its top bit (all kept bits are ones and it increments).</summary>
    private static bool CarriesOut(bool negative, UInt128 significand, int dropped, RoundingControl rounding) =>
        (significand >> dropped) == (UInt128.MaxValue >> dropped) && IncrementsOnRounding(negative, significand, dropped, rounding);

    /// <summary>Shifts right, ORing every bit shifted out into bit 0 so inexactness survives.</summary>
    public static UInt128 ShiftRightJam(UInt128 value, int count)
    {
        if (count <= 0)
        {
            return value;
        }

        if (count >= 128)
        {
            return value != 0 ? UInt128.One : UInt128.Zero;
        }

        var lost = value << (128 - count);
        return (value >> count) | (lost != 0 ? UInt128.One : UInt128.Zero);
    }

    /// <summary>
    /// The masked overflow response (SDM Vol. 1, 4.9.1.4, Table 4-10): ∞ when rounding goes away from
    /// zero in the result's direction, otherwise the largest finite number of the format. OE and PE are set.
    /// </summary>
    private static RoundedValue OverflowResponse(bool negative, RoundingFormat format, X87Control control, ref X87Exceptions raised)
    {
        raised |= X87Exceptions.Overflow | X87Exceptions.Precision;
        var toInfinity = control.Rounding switch
        {
            RoundingControl.NearestEven => true,
            RoundingControl.Down => negative,
            RoundingControl.Up => !negative,
            _ => false,
        };
        if (toInfinity)
        {
            return new RoundedValue(negative, Float80.MaxExponent, Float80.IntegerBit, true) { RoundedUp = true };
        }

        var largest = ulong.MaxValue << (64 - format.SignificandBits);
        return new RoundedValue(negative, format.MaxExponent, largest, false);
    }
}

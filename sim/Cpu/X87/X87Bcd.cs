namespace HvSim.Cpu.X87;

/// <summary>
/// The 80-bit packed BCD format of FBLD and FBSTP (SDM Vol. 1, 4.7, Figure 4-9): 18 decimal digits,
/// two per byte in bytes 0 to 8 (the lower digit in the low nibble), the sign in bit 7 of byte 9.
/// </summary>
public static class X87Bcd
{
    public const ulong MaxMagnitude = 999_999_999_999_999_999;

    /// <summary>FBLD: exact (18 digits fit a 64-bit significand); a set sign bit makes a negative value, −0 included.</summary>
    public static Float80 ToFloat80(ReadOnlySpan<byte> bytes)
    {
        ulong magnitude = 0;
        for (var i = 8; i >= 0; i--)
        {
            // Nibbles above 9 are undefined encodings (Vol. 2A FBLD); they are weighted as their values here.
            magnitude = (magnitude * 10) + (ulong)(bytes[i] >> 4);
            magnitude = (magnitude * 10) + (ulong)(bytes[i] & 0xF);
        }

        var negative = (bytes[9] & 0x80) != 0;
        if (magnitude == 0)
        {
            return negative ? Float80.NegativeZero : Float80.PositiveZero;
        }

        var value = Float80Integer.FromInt64((long)magnitude);
        return negative ? value.Negate() : value;
    }

    /// <summary>
    /// FBSTP: rounds by RC to an integer; NaN, ∞, unsupported encodings and magnitudes above 18 digits are
    /// #IA, whose masked response is the packed BCD indefinite FFFF C000 0000 0000 0000 (Vol. 2A FBSTP).
    /// </summary>
    public static (byte[] Bytes, X87Exceptions Exceptions, bool RoundedUp) FromFloat80(Float80 value, X87Control control)
    {
        var bytes = new byte[10];
        var (integer, exceptions, roundedUp) = Float80Integer.ToInteger(value, 64, control);
        var magnitude = integer < 0 ? (ulong)-(integer + 1) + 1 : (ulong)integer;
        if ((exceptions & X87Exceptions.Invalid) != 0 || magnitude > MaxMagnitude)
        {
            bytes[7] = 0xC0;
            bytes[8] = 0xFF;
            bytes[9] = 0xFF;
            return (bytes, X87Exceptions.Invalid, false);
        }

        for (var i = 0; i < 9; i++)
        {
            var low = (byte)(magnitude % 10);
            magnitude /= 10;
            var high = (byte)(magnitude % 10);
            magnitude /= 10;
            bytes[i] = (byte)((high << 4) | low);
        }

        bytes[9] = value.IsNegative ? (byte)0x80 : (byte)0;
        return (bytes, exceptions, roundedUp);
    }
}

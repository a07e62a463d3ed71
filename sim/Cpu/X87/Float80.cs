using System.Buffers.Binary;

namespace HvSim.Cpu.X87;

/// <summary>
/// An 80-bit double extended-precision value exactly as the x87 holds it (SDM Vol. 1, 4.2.2, Figure 4-3):
/// sign, 15-bit biased exponent and a 64-bit significand whose bit 63 is the explicit integer bit.
/// The host has no such type, so every operation on it is integer arithmetic (see <see cref="Float80Arithmetic"/>).
/// </summary>
public readonly record struct Float80(ushort SignExponent, ulong Significand)
{
    public const int ExponentBias = 16383;
    public const int MaxExponent = 0x7FFF;
    public const ulong IntegerBit = 1UL << 63;

    /// <summary>Bit 62, the quiet bit of a NaN (SDM Vol. 1, 4.8.3.4).</summary>
    public const ulong QuietBit = 1UL << 62;

    public static Float80 PositiveZero => new(0, 0);

    public static Float80 NegativeZero => new(0x8000, 0);

    public static Float80 PositiveInfinity => new(0x7FFF, IntegerBit);

    public static Float80 NegativeInfinity => new(0xFFFF, IntegerBit);

    /// <summary>The real indefinite, the default QNaN of invalid operations: 0xFFFF C000000000000000 (SDM Vol. 1, 4.8.3.7).</summary>
    public static Float80 Indefinite => new(0xFFFF, IntegerBit | QuietBit);

    public static Float80 One => new(ExponentBias, IntegerBit);

    public Float80(bool negative, int exponent, ulong significand)
        : this((ushort)((negative ? 0x8000 : 0) | (exponent & MaxExponent)), significand)
    {
    }

    public bool IsNegative => (SignExponent & 0x8000) != 0;

    /// <summary>The biased exponent field, 0 to 0x7FFF.</summary>
    public int Exponent => SignExponent & MaxExponent;

    public Float80Class Class
    {
        get
        {
            var integer = (Significand & IntegerBit) != 0;
            var fraction = Significand & ~IntegerBit;
            return Exponent switch
            {
                0 when Significand == 0 => Float80Class.Zero,
                0 => integer ? Float80Class.PseudoDenormal : Float80Class.Denormal,
                MaxExponent when !integer => fraction == 0 ? Float80Class.PseudoInfinity : Float80Class.PseudoNaN,
                MaxExponent when fraction == 0 => Float80Class.Infinity,
                MaxExponent => (fraction & QuietBit) != 0 ? Float80Class.QuietNaN : Float80Class.SignalingNaN,
                _ => integer ? Float80Class.Normal : Float80Class.Unnormal,
            };
        }
    }

    public bool IsNaN => Class is Float80Class.QuietNaN or Float80Class.SignalingNaN;

    public bool IsSignalingNaN => Class == Float80Class.SignalingNaN;

    /// <summary>Unnormal, pseudo-NaN or pseudo-infinity: rejected with #IA by arithmetic (SDM Vol. 1, 8.2.2).</summary>
    public bool IsUnsupported => Class is Float80Class.Unnormal or Float80Class.PseudoInfinity or Float80Class.PseudoNaN;

    /// <summary>Denormal or pseudo-denormal: using it as an arithmetic operand raises DE (SDM Vol. 1, 4.9.1.3).</summary>
    public bool IsDenormalOperand => Class is Float80Class.Denormal or Float80Class.PseudoDenormal;

    public bool IsZero => Class == Float80Class.Zero;

    public bool IsInfinity => Class == Float80Class.Infinity;

    public Float80 Negate() => new((ushort)(SignExponent ^ 0x8000), Significand);

    public Float80 Abs() => new((ushort)(SignExponent & 0x7FFF), Significand);

    /// <summary>This NaN with its quiet bit set (SDM Vol. 1, 4.8.3.4: an SNaN operand is converted to a QNaN).</summary>
    public Float80 Quieted() => new(SignExponent, Significand | QuietBit);

    /// <summary>Reads the 10-byte memory format: significand in bytes 0-7, sign and exponent in bytes 8-9, little endian.</summary>
    public static Float80 FromBytes(ReadOnlySpan<byte> tenBytes) =>
        new(BinaryPrimitives.ReadUInt16LittleEndian(tenBytes[8..]), BinaryPrimitives.ReadUInt64LittleEndian(tenBytes));

    public void WriteBytes(Span<byte> tenBytes)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(tenBytes, Significand);
        BinaryPrimitives.WriteUInt16LittleEndian(tenBytes[8..], SignExponent);
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[10];
        WriteBytes(bytes);
        return bytes;
    }

    public override string ToString() => $"{SignExponent:X4}:{Significand:X16} ({Class})";
}

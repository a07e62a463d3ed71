using HvSim.Cpu.X87;

namespace HvSim.Cpu.SimdFloat;

/// <summary>
/// An IEEE 754 binary interchange format as SSE holds it (SDM Vol. 1, 4.2.2): values travel as their
/// bit patterns in a ulong. Implemented by <see cref="Binary32"/> and <see cref="Binary64"/> so the
/// soft arithmetic is written once and specialized per format by the JIT.
/// </summary>
internal interface IBinaryFormat
{
    /// <summary>Fraction bits (23 or 52); the significand has one more.</summary>
    static abstract int FractionBits { get; }

    /// <summary>All-ones exponent field (0xFF or 0x7FF).</summary>
    static abstract int MaxExponentField { get; }

    static abstract int Bias { get; }

    /// <summary>Width in bits (32 or 64).</summary>
    static abstract int Width { get; }

    /// <summary>The precision and exponent range <see cref="Float80Rounding.Round"/> rounds to.</summary>
    static abstract RoundingFormat Rounding { get; }
}

internal struct Binary32 : IBinaryFormat
{
    public static int FractionBits => 23;
    public static int MaxExponentField => 0xFF;
    public static int Bias => 127;
    public static int Width => 32;
    public static RoundingFormat Rounding => RoundingFormat.Single;
}

internal struct Binary64 : IBinaryFormat
{
    public static int FractionBits => 52;
    public static int MaxExponentField => 0x7FF;
    public static int Bias => 1023;
    public static int Width => 64;
    public static RoundingFormat Rounding => RoundingFormat.Double;
}

/// <summary>IEEE binary16, the F16C storage format (SDM Vol. 1, 14.4.1): exponents −14 to 15, 11-bit significand.</summary>
internal struct Binary16 : IBinaryFormat
{
    public static int FractionBits => 10;
    public static int MaxExponentField => 0x1F;
    public static int Bias => 15;
    public static int Width => 16;
    public static RoundingFormat Rounding => new(11, Float80.ExponentBias - 14, Float80.ExponentBias + 15, false);
}

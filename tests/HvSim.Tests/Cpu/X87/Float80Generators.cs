using FsCheck;
using FsCheck.Fluent;
using HvSim.Cpu.X87;

namespace HvSim.Tests.Cpu.X87;

/// <summary>An operation's inputs: ST(0) = A, ST(1) = B, and the control word.</summary>
public sealed record X87Case(Float80 A, Float80 B, X87Control Control)
{
    public override string ToString() => $"a={A} b={B} cw=0x{Control.Word:X4}";
}

/// <summary>
/// Operands covering every encoding class, exponents at and near the extremes, significands at the rounding
/// boundaries of each precision, and pairs close enough for cancellation; every RC and PC (the reserved PC 01 included) with all exceptions masked.
/// </summary>
public static class Float80Generators
{
    public static readonly Gen<ulong> Random64 =
        from high in Gen.Choose(int.MinValue, int.MaxValue)
        from low in Gen.Choose(int.MinValue, int.MaxValue)
        select ((ulong)(uint)high << 32) | (uint)low;

    /// <summary>Significands with a set integer bit, biased toward patterns that sit on or next to rounding boundaries.</summary>
    public static readonly Gen<ulong> NormalSignificand = Gen.Frequency(
        (4, Random64.Select(s => s | Float80.IntegerBit)),
        (1, Gen.Elements(Float80.IntegerBit, ulong.MaxValue, 0xC000_0000_0000_0000, 0x8000_0000_0000_0001)),
        (3, from boundary in Gen.Elements(11, 40, 0)
            from pattern in Gen.Elements(0UL, 1UL, 0x7FFFFFFFFFFUL)
            from high in Random64
            from half in Gen.Elements(true, false)
            select BoundaryPattern(high, boundary, pattern, half)));

    public static readonly Gen<int> NormalExponent = Gen.Frequency(
        (3, Gen.Choose(Float80.ExponentBias - 70, Float80.ExponentBias + 70)),
        (2, Gen.Choose(1, 80)),
        (2, Gen.Choose(0x7FFE - 80, 0x7FFE)),
        (1, Gen.Choose(1, 0x7FFE)),
        (1, Gen.Elements(16383 - 1022, 16383 - 1074, 16383 + 1023, 16383 - 126, 16383 - 149, 16383 + 127, 16383 - 16383 / 2, 16383 + 8191)));

    public static readonly Gen<Float80> Value = Gen.Frequency(
        (12, from sign in Gen.Elements(false, true) from exponent in NormalExponent from significand in NormalSignificand
             select new Float80(sign, exponent, significand)),
        (3, from sign in Gen.Elements(false, true) from significand in Gen.Frequency((3, Random64), (1, Gen.Elements(1UL, 2UL, 0x7FFF_FFFF_FFFF_FFFFUL)))
            select new Float80(sign, 0, significand & ~Float80.IntegerBit)),
        (1, from sign in Gen.Elements(false, true) from significand in Random64 select new Float80(sign, 0, significand | Float80.IntegerBit)),
        (1, Gen.Elements(Float80.PositiveZero, Float80.NegativeZero, Float80.PositiveInfinity, Float80.NegativeInfinity, Float80.Indefinite, Float80.One)),
        (2, from sign in Gen.Elements(false, true) from quiet in Gen.Elements(false, true) from fraction in Random64
            select new Float80(sign, Float80.MaxExponent, Float80.IntegerBit | (quiet ? Float80.QuietBit : 0) | (fraction >> 2) | (quiet ? 0 : 1UL))),
        (1, from sign in Gen.Elements(false, true) from exponent in Gen.Elements(1, 100, 16383, 0x7FFE, 0x7FFF) from fraction in Random64
            select new Float80(sign, exponent, fraction & ~Float80.IntegerBit)));

    public static readonly Gen<X87Control> Control =
        from rounding in Gen.Elements(Enum.GetValues<RoundingControl>())
        from precision in Gen.Elements(Enum.GetValues<PrecisionControl>())
        select X87Control.Create(rounding, precision);

    /// <summary>B independent of A, or near A (same or adjacent exponent, perturbed significand) to force cancellation and ties.</summary>
    public static readonly Gen<X87Case> Pair =
        from a in Value
        from b in Gen.Frequency(
            (3, Value),
            (2, from delta in Gen.Choose(-3, 3) from bits in Gen.Choose(0, 64) from negate in Gen.Elements(false, true) from noise in Random64
                select Near(a, delta, bits, noise, negate)))
        from control in Control
        select new X87Case(a, b, control);

    public static Arbitrary<X87Case> Pairs() => Arb.From(Pair);

    private static ulong BoundaryPattern(ulong high, int boundary, ulong pattern, bool half)
    {
        // Bits below the 53-bit (11 dropped) or 24-bit (40 dropped) rounding point set to an exact half or a
        // near-half, or (boundary 0) a significand whose 64-bit sum with a neighbour ties.
        var mask = boundary == 0 ? 0xFFUL : (1UL << boundary) - 1;
        var low = half ? (mask + 1) >> 1 : pattern & mask;
        return ((high & ~mask) | low) | Float80.IntegerBit;
    }

    private static Float80 Near(Float80 a, int delta, int bits, ulong noise, bool negate)
    {
        var exponent = Math.Clamp(a.Exponent + delta, 0, Float80.MaxExponent);
        var significand = a.Significand ^ (bits == 64 ? noise : noise & ((1UL << bits) - 1));
        var near = new Float80(a.IsNegative ^ negate, exponent, significand);
        return near;
    }
}

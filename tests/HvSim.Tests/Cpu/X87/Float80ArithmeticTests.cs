using HvSim.Cpu.X87;

namespace HvSim.Tests.Cpu.X87;

/// <summary>Hand-derived edge cases of the arithmetic; <see cref="Float80OracleProperties"/> covers the rest against the host.</summary>
public sealed class Float80ArithmeticTests
{
    private const X87Exceptions PE = X87Exceptions.Precision;
    private const X87Exceptions UE = X87Exceptions.Underflow;
    private const X87Exceptions OE = X87Exceptions.Overflow;
    private const X87Exceptions IE = X87Exceptions.Invalid;

    private static readonly Float80 Largest = new(0x7FFE, ulong.MaxValue);
    private static readonly Float80 SmallestNormal = new(0x0001, Float80.IntegerBit);
    private static readonly Float80 SmallestDenormal = new(0x0000, 1);
    private static readonly Float80 Two = new(false, 16384, Float80.IntegerBit);

    private static X87Control Control(RoundingControl rounding, PrecisionControl precision = PrecisionControl.Extended) =>
        X87Control.Create(rounding, precision);

    private static Float80 Power(int exponent, ulong significand = Float80.IntegerBit) => new(false, Float80.ExponentBias + exponent, significand);

    [Theory]
    [InlineData(RoundingControl.NearestEven, 0UL, false)]
    [InlineData(RoundingControl.Down, 0UL, false)]
    [InlineData(RoundingControl.TowardZero, 0UL, false)]
    [InlineData(RoundingControl.Up, 1UL, true)]
    public void HalfwayAt64BitsFollowsTheRoundingMode(RoundingControl rounding, ulong lowBit, bool roundedUp)
    {
        // 1 + 2^-64 lies exactly half-way between 1 and 1 + 2^-63.
        var result = Float80Arithmetic.Add(Float80.One, Power(-64), Control(rounding));
        Assert.Equal(new Float80(0x3FFF, Float80.IntegerBit | lowBit), result.Value);
        Assert.Equal(PE, result.Exceptions);
        Assert.Equal(roundedUp, result.RoundedUp);
    }

    [Fact]
    public void HalfwayRoundsToEven()
    {
        var odd = new Float80(0x3FFF, Float80.IntegerBit | 1);
        var result = Float80Arithmetic.Add(odd, Power(-64), X87Control.Default);
        Assert.Equal(new Float80(0x3FFF, Float80.IntegerBit | 2), result.Value);
        Assert.True(result.RoundedUp);
    }

    [Theory]
    [InlineData(PrecisionControl.Single, 24)]
    [InlineData(PrecisionControl.Double, 53)]
    [InlineData(PrecisionControl.Extended, 64)]
    public void PrecisionControlSetsTheRoundingPoint(PrecisionControl precision, int bits)
    {
        // (1 + ulp) + ulp/2 is a tie with an odd last bit: it rounds up to 1 + 2 ulp at exactly that precision.
        var ulp = Float80.IntegerBit >> (bits - 1);
        var oddOne = new Float80(0x3FFF, Float80.IntegerBit | ulp);
        var result = Float80Arithmetic.Add(oddOne, Power(-bits), Control(RoundingControl.NearestEven, precision));
        Assert.Equal(new Float80(0x3FFF, Float80.IntegerBit | (2 * ulp)), result.Value);
        Assert.Equal(PE, result.Exceptions);
    }

    [Theory]
    [InlineData(RoundingControl.NearestEven, false, true)]
    [InlineData(RoundingControl.Up, false, true)]
    [InlineData(RoundingControl.Down, false, false)]
    [InlineData(RoundingControl.TowardZero, false, false)]
    [InlineData(RoundingControl.Down, true, true)]
    [InlineData(RoundingControl.Up, true, false)]
    public void MaskedOverflowGivesInfinityOrLargestByRoundingMode(RoundingControl rounding, bool negative, bool infinity)
    {
        // SDM Vol. 1, Table 4-10; with PC=24 the largest finite has 24 significand bits.
        var operand = negative ? Largest.Negate() : Largest;
        var result = Float80Arithmetic.Multiply(operand, Two, Control(rounding, PrecisionControl.Single));
        var largest = new Float80(negative, 0x7FFE, 0xFFFF_FF00_0000_0000);
        var expected = infinity ? (negative ? Float80.NegativeInfinity : Float80.PositiveInfinity) : largest;
        Assert.Equal(expected, result.Value);
        Assert.Equal(OE | PE, result.Exceptions);
    }

    [Fact]
    public void ExactDenormalResultRaisesNoUnderflowWhenMasked()
    {
        var result = Float80Arithmetic.Divide(SmallestNormal, Two, X87Control.Default);
        Assert.Equal(new Float80(0x0000, 0x4000_0000_0000_0000), result.Value);
        Assert.Equal(X87Exceptions.None, result.Exceptions);
    }

    [Theory]
    [InlineData(RoundingControl.NearestEven, 0UL)]
    [InlineData(RoundingControl.Up, 1UL)]
    public void InexactTinyResultUnderflows(RoundingControl rounding, ulong expected)
    {
        var result = Float80Arithmetic.Divide(SmallestDenormal, Two, Control(rounding));
        Assert.Equal(new Float80(0x0000, expected), result.Value);
        Assert.Equal(X87Exceptions.Denormal | UE | PE, result.Exceptions);
    }

    [Fact]
    public void UnmaskedUnderflowAndOverflowWrapTheExponent()
    {
        // SDM Vol. 1, 8.5.4.2 and 8.5.5.2: the result is scaled by 2^±24576 instead of the masked response.
        var unmasked = X87Control.Create(RoundingControl.NearestEven, PrecisionControl.Extended, X87Exceptions.All & ~(UE | OE));
        var tiny = Float80Arithmetic.Multiply(SmallestNormal, SmallestNormal, unmasked);
        Assert.Equal(new Float80(false, (2 * (1 - 16383)) + 16383 + 24576, Float80.IntegerBit), tiny.Value);
        Assert.Equal(UE, tiny.Exceptions);

        var huge = Float80Arithmetic.Multiply(new Float80(0x7FFE, Float80.IntegerBit), Two, unmasked);
        Assert.Equal(new Float80(false, 0x7FFF - 24576, Float80.IntegerBit), huge.Value);
        Assert.Equal(OE, huge.Exceptions);
    }

    [Fact]
    public void InvalidOperationsGiveTheRealIndefinite()
    {
        var control = X87Control.Default;
        Assert.Equal(new X87Result(Float80.Indefinite, IE), Float80Arithmetic.Add(Float80.PositiveInfinity, Float80.NegativeInfinity, control));
        Assert.Equal(new X87Result(Float80.Indefinite, IE), Float80Arithmetic.Multiply(Float80.PositiveZero, Float80.NegativeInfinity, control));
        Assert.Equal(new X87Result(Float80.Indefinite, IE), Float80Arithmetic.Divide(Float80.NegativeZero, Float80.PositiveZero, control));
        Assert.Equal(new X87Result(Float80.Indefinite, IE), Float80Arithmetic.SquareRoot(Float80.One.Negate(), control));
        Assert.Equal(new X87Result(Float80.Indefinite, IE), Float80Arithmetic.Add(new Float80(0x3FFF, 1), Float80.One, control));
        Assert.Equal(new X87Result(Float80.NegativeInfinity, X87Exceptions.ZeroDivide), Float80Arithmetic.Divide(Float80.One, Float80.NegativeZero, control));
    }

    [Fact]
    public void NaNsPropagateByTheSdmRules()
    {
        var control = X87Control.Default;
        var quietSmall = new Float80(0x7FFF, 0xC000_0000_0000_0001);
        var quietLarge = new Float80(0xFFFF, 0xC000_0000_0000_0002);
        var signaling = new Float80(0x7FFF, 0xBFFF_FFFF_FFFF_FFFF);
        Assert.Equal(new X87Result(quietLarge, X87Exceptions.None), Float80Arithmetic.Add(quietSmall, quietLarge, control));
        Assert.Equal(new X87Result(quietSmall, IE), Float80Arithmetic.Multiply(signaling, quietSmall, control));
        Assert.Equal(new X87Result(signaling.Quieted(), IE), Float80Arithmetic.Subtract(Float80.One, signaling, control));
        Assert.Equal(new X87Result(quietSmall, X87Exceptions.None), Float80Arithmetic.Divide(quietSmall.Negate(), quietSmall, control));
    }

    [Fact]
    public void ExactZeroSumsTakeTheIeeeSign()
    {
        Assert.Equal(Float80.PositiveZero, Float80Arithmetic.Subtract(Float80.One, Float80.One, X87Control.Default).Value);
        Assert.Equal(Float80.NegativeZero, Float80Arithmetic.Subtract(Float80.One, Float80.One, Control(RoundingControl.Down)).Value);
        Assert.Equal(Float80.NegativeZero, Float80Arithmetic.Add(Float80.NegativeZero, Float80.NegativeZero, X87Control.Default).Value);
        Assert.Equal(Float80.PositiveZero, Float80Arithmetic.Add(Float80.NegativeZero, Float80.PositiveZero, X87Control.Default).Value);
    }

    [Fact]
    public void SquareRootIsCorrectlyRounded()
    {
        Assert.Equal(new X87Result(Two, X87Exceptions.None), Float80Arithmetic.SquareRoot(Power(2), X87Control.Default));

        // √2 = 1.6A09E667F3BCC908 B2FB…: the 64-bit significand B504F333F9DE6484 is followed by 0101…, so it rounds down.
        var root = Float80Arithmetic.SquareRoot(Two, X87Control.Default);
        Assert.Equal(new X87Result(new Float80(0x3FFF, 0xB504_F333_F9DE_6484), PE), root);
        Assert.Equal(new Float80(0x3FFF, 0xB504_F333_F9DE_6485), Float80Arithmetic.SquareRoot(Two, Control(RoundingControl.Up)).Value);
    }

    [Fact]
    public void ComparisonsSetTheConditionCodes()
    {
        Assert.Equal(new X87Comparison(X87Relation.Equal, X87Exceptions.None), Float80Compare.Compare(Float80.NegativeZero, Float80.PositiveZero, false));
        Assert.Equal(0x0100, Float80Compare.Compare(Float80.One, Two, false).ConditionCodes);
        Assert.Equal(X87Relation.Greater, Float80Compare.Compare(Float80.One, Float80.NegativeInfinity, false).Relation);
        Assert.Equal(new X87Comparison(X87Relation.Unordered, IE), Float80Compare.Compare(Float80.Indefinite, Float80.One, false));
        Assert.Equal(new X87Comparison(X87Relation.Unordered, X87Exceptions.None), Float80Compare.Compare(Float80.Indefinite, Float80.One, true));
        Assert.Equal(0x4500, Float80Compare.Compare(Float80.Indefinite, Float80.One, true).ConditionCodes);
    }
}

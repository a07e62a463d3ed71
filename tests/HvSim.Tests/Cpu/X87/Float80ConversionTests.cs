using HvSim.Cpu.X87;

namespace HvSim.Tests.Cpu.X87;

/// <summary>FLD/FST of single and double, FILD/FIST and FRNDINT edge cases.</summary>
public sealed class Float80ConversionTests
{
    private static readonly Float80 TwoAndAHalf = new(0x4000, 0xA000_0000_0000_0000);

    [Fact]
    public void DoubleAndSingleWidenExactly()
    {
        Assert.Equal(new X87Result(Float80.One, X87Exceptions.None), Float80Binary.FromDouble(0x3FF0_0000_0000_0000));
        Assert.Equal(new X87Result(new Float80(false, 16383 - 1074, Float80.IntegerBit), X87Exceptions.Denormal), Float80Binary.FromDouble(1));
        Assert.Equal(new X87Result(new Float80(true, 16383 - 149, Float80.IntegerBit), X87Exceptions.Denormal), Float80Binary.FromSingle(0x8000_0001));
        Assert.Equal(new X87Result(new Float80(0x7FFF, 0xC000_0100_0000_0000), X87Exceptions.Invalid), Float80Binary.FromSingle(0x7F80_0001));
        Assert.Equal(new X87Result(Float80.NegativeInfinity, X87Exceptions.None), Float80Binary.FromDouble(0xFFF0_0000_0000_0000));
    }

    [Fact]
    public void DoubleAndSingleNarrowWithRoundingAndExceptions()
    {
        var control = X87Control.Default;
        Assert.Equal((0x3FF0_0000_0000_0000UL, X87Exceptions.None, false), Float80Binary.ToDouble(Float80.One, control));

        // 1 + 2^-53 is a tie at double precision: to even (1.0) unless rounding up.
        var tie = new Float80(0x3FFF, Float80.IntegerBit | (1UL << 10));
        Assert.Equal((0x3FF0_0000_0000_0000UL, X87Exceptions.Precision, false), Float80Binary.ToDouble(tie, control));
        Assert.Equal((0x3FF0_0000_0000_0001UL, X87Exceptions.Precision, true), Float80Binary.ToDouble(tie, X87Control.Create(RoundingControl.Up, PrecisionControl.Extended)));

        var huge = new Float80(0x7FFE, ulong.MaxValue);
        Assert.Equal((0x7FF0_0000_0000_0000UL, X87Exceptions.Overflow | X87Exceptions.Precision, true), Float80Binary.ToDouble(huge, control));
        Assert.Equal((0x7F7F_FFFFU, X87Exceptions.Overflow | X87Exceptions.Precision, false), Float80Binary.ToSingle(huge, X87Control.Create(RoundingControl.TowardZero, PrecisionControl.Extended)));

        // 2^-1074 is the smallest double denormal: exact, so no underflow when masked; half of it rounds to 0.
        Assert.Equal((1UL, X87Exceptions.None, false), Float80Binary.ToDouble(new Float80(false, 16383 - 1074, Float80.IntegerBit), control));
        Assert.Equal((0UL, X87Exceptions.Underflow | X87Exceptions.Precision, false), Float80Binary.ToDouble(new Float80(false, 16383 - 1075, Float80.IntegerBit), control));
        Assert.Equal((Float80Binary.DoubleIndefinite, X87Exceptions.Invalid, false), Float80Binary.ToDouble(new Float80(0x3FFF, 0), control));
    }

    [Fact]
    public void IntegersLoadExactly()
    {
        Assert.Equal(new Float80(true, 16383 + 63, Float80.IntegerBit), Float80Integer.FromInt64(long.MinValue));
        Assert.Equal(new Float80(false, 16383 + 62, ulong.MaxValue << 1), Float80Integer.FromInt64(long.MaxValue));
        Assert.Equal(Float80.PositiveZero, Float80Integer.FromInt64(0));
    }

    [Theory]
    [InlineData(RoundingControl.NearestEven, false, 2L, false)]
    [InlineData(RoundingControl.Up, false, 3L, true)]
    [InlineData(RoundingControl.Down, true, -3L, true)]
    [InlineData(RoundingControl.TowardZero, true, -2L, false)]
    public void IntegerStoresRoundByRoundingControl(RoundingControl rounding, bool negative, long expected, bool roundedUp)
    {
        var value = negative ? TwoAndAHalf.Negate() : TwoAndAHalf;
        var control = X87Control.Create(rounding, PrecisionControl.Single);
        Assert.Equal((expected, X87Exceptions.Precision, roundedUp), Float80Integer.ToInteger(value, 32, control));
    }

    [Fact]
    public void OutOfRangeIntegerStoresGiveTheIntegerIndefinite()
    {
        var control = X87Control.Default;
        Assert.Equal((-32768L, X87Exceptions.None, false), Float80Integer.ToInteger(Float80Integer.FromInt64(-32768), 16, control));
        Assert.Equal((-32768L, X87Exceptions.Invalid, false), Float80Integer.ToInteger(Float80Integer.FromInt64(32768), 16, control));
        Assert.Equal((int.MinValue, X87Exceptions.Invalid, false), Float80Integer.ToInteger(Float80.Indefinite, 32, control));
        Assert.Equal((long.MinValue, X87Exceptions.Invalid, false), Float80Integer.ToInteger(Float80.PositiveInfinity, 64, control));
    }

    [Fact]
    public void RoundToIntegralKeepsTheSign()
    {
        var half = new Float80(0xBFFE, Float80.IntegerBit);
        Assert.Equal(new X87Result(Float80.NegativeZero, X87Exceptions.Precision), Float80Integer.RoundToIntegral(half, X87Control.Default));
        var oneAndHalf = new Float80(0x3FFF, 0xC000_0000_0000_0000);
        Assert.Equal(new X87Result(new Float80(0x4000, Float80.IntegerBit), X87Exceptions.Precision, true), Float80Integer.RoundToIntegral(oneAndHalf, X87Control.Default));
        var big = new Float80(0x403E, 0x8000_0000_0000_0001);
        Assert.Equal(new X87Result(big, X87Exceptions.None), Float80Integer.RoundToIntegral(big, X87Control.Default));
    }
}

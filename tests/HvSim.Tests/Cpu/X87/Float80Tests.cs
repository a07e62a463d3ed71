using HvSim.Cpu.X87;

namespace HvSim.Tests.Cpu.X87;

/// <summary>Encoding, classification and memory format of <see cref="Float80"/> (SDM Vol. 1, 4.2.2 and 8.2.2).</summary>
public sealed class Float80Tests
{
    [Theory]
    [InlineData(0x0000, 0x0000000000000000UL, Float80Class.Zero)]
    [InlineData(0x8000, 0x0000000000000000UL, Float80Class.Zero)]
    [InlineData(0x0000, 0x0000000000000001UL, Float80Class.Denormal)]
    [InlineData(0x8000, 0x7FFFFFFFFFFFFFFFUL, Float80Class.Denormal)]
    [InlineData(0x0000, 0x8000000000000000UL, Float80Class.PseudoDenormal)]
    [InlineData(0x0001, 0x8000000000000000UL, Float80Class.Normal)]
    [InlineData(0x7FFE, 0xFFFFFFFFFFFFFFFFUL, Float80Class.Normal)]
    [InlineData(0x3FFF, 0x4000000000000000UL, Float80Class.Unnormal)]
    [InlineData(0x7FFF, 0x8000000000000000UL, Float80Class.Infinity)]
    [InlineData(0xFFFF, 0xC000000000000000UL, Float80Class.QuietNaN)]
    [InlineData(0x7FFF, 0x8000000000000001UL, Float80Class.SignalingNaN)]
    [InlineData(0x7FFF, 0x0000000000000000UL, Float80Class.PseudoInfinity)]
    [InlineData(0x7FFF, 0x4000000000000000UL, Float80Class.PseudoNaN)]
    public void ClassifiesEveryEncoding(int signExponent, ulong significand, Float80Class expected)
    {
        var value = new Float80((ushort)signExponent, significand);
        Assert.Equal(expected, value.Class);
        Assert.Equal(expected is Float80Class.Unnormal or Float80Class.PseudoInfinity or Float80Class.PseudoNaN, value.IsUnsupported);
    }

    [Fact]
    public void MemoryFormatIsSignificandThenSignAndExponentLittleEndian()
    {
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0x80, 0xFF, 0x3F }, Float80.One.ToBytes());
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF }, Float80.Indefinite.ToBytes());
    }

    [Theory]
    [InlineData(0x0000, 0UL)]
    [InlineData(0x8000, 1UL)]
    [InlineData(0x7FFE, ulong.MaxValue)]
    [InlineData(0xFFFF, 0x8000000000000001UL)]
    [InlineData(0x1234, 0x0123456789ABCDEFUL)]
    public void MemoryFormatRoundTrips(int signExponent, ulong significand)
    {
        var value = new Float80((ushort)signExponent, significand);
        Assert.Equal(value, Float80.FromBytes(value.ToBytes()));
    }

    [Fact]
    public void ControlWordFieldsDecode()
    {
        var control = new X87Control(0x0F7F);
        Assert.Equal(RoundingControl.TowardZero, control.Rounding);
        Assert.Equal(PrecisionControl.Extended, control.Precision);
        Assert.Equal(X87Exceptions.All, control.Masks);
        Assert.Equal(24, X87Control.Create(RoundingControl.NearestEven, PrecisionControl.Single).SignificandBits);
        Assert.Equal(53, X87Control.Create(RoundingControl.NearestEven, PrecisionControl.Double).SignificandBits);
        Assert.Equal(X87Control.Default, X87Control.Create(RoundingControl.NearestEven, PrecisionControl.Extended));
    }
}

namespace HvSim.Cpu.X87;

/// <summary>
/// Conversions between <see cref="Float80"/> and the IEEE single and double formats, as FLD m32fp/m64fp and
/// FST/FSTP m32fp/m64fp perform them (SDM Vol. 2A FLD, FST). Works on raw bit patterns: no host
/// floating-point arithmetic is involved.
/// </summary>
public static class Float80Binary
{
    public const ulong DoubleIndefinite = 0xFFF8_0000_0000_0000;
    public const uint SingleIndefinite = 0xFFC0_0000;

    private static readonly BinaryFormat DoubleLayout = new(52, 11, RoundingFormat.Double);
    private static readonly BinaryFormat SingleLayout = new(23, 8, RoundingFormat.Single);

    /// <summary>FLD m64fp: always exact; #IA for an SNaN (which is quieted), DE for a denormal.</summary>
    public static X87Result FromDouble(ulong bits) => Widen(bits, DoubleLayout);

    /// <summary>FLD m32fp: always exact; #IA for an SNaN (which is quieted), DE for a denormal.</summary>
    public static X87Result FromSingle(uint bits) => Widen(bits, SingleLayout);

    /// <summary>FST m64fp: rounded by RC (not PC); #IA for SNaN and unsupported, UE, OE and PE as for arithmetic.</summary>
    public static (ulong Bits, X87Exceptions Exceptions, bool RoundedUp) ToDouble(Float80 value, X87Control control) =>
        Narrow(value, DoubleLayout, DoubleIndefinite, control);

    /// <summary>FST m32fp; see <see cref="ToDouble"/>.</summary>
    public static (uint Bits, X87Exceptions Exceptions, bool RoundedUp) ToSingle(Float80 value, X87Control control)
    {
        var (bits, raised, up) = Narrow(value, SingleLayout, SingleIndefinite, control);
        return ((uint)bits, raised, up);
    }

    private static X87Result Widen(ulong bits, BinaryFormat layout)
    {
        var negative = (bits >> (layout.FractionBits + layout.ExponentBits)) != 0;
        var exponent = (int)(bits >> layout.FractionBits) & layout.MaxExponentField;
        var fraction = bits & layout.FractionMask;
        var topAligned = fraction << (63 - layout.FractionBits);
        if (exponent == layout.MaxExponentField)
        {
            if (fraction == 0)
            {
                return new X87Result(negative ? Float80.NegativeInfinity : Float80.PositiveInfinity, X87Exceptions.None);
            }

            var nan = new Float80(negative, Float80.MaxExponent, Float80.IntegerBit | topAligned);
            return nan.IsSignalingNaN
                ? new X87Result(nan.Quieted(), X87Exceptions.Invalid)
                : new X87Result(nan, X87Exceptions.None);
        }

        if (exponent == 0)
        {
            if (fraction == 0)
            {
                return new X87Result(new Float80(negative, 0, 0), X87Exceptions.None);
            }

            // A denormal becomes a normal extended value (SDM Vol. 1, 4.8.3.2: the wider exponent holds it).
            var shift = System.Numerics.BitOperations.LeadingZeroCount(topAligned);
            var unbiased = 1 - layout.Bias - shift;
            return new X87Result(new Float80(negative, unbiased + Float80.ExponentBias, topAligned << shift), X87Exceptions.Denormal);
        }

        return new X87Result(
            new Float80(negative, exponent - layout.Bias + Float80.ExponentBias, Float80.IntegerBit | topAligned),
            X87Exceptions.None);
    }

    private static (ulong Bits, X87Exceptions Exceptions, bool RoundedUp) Narrow(
        Float80 value, BinaryFormat layout, ulong indefinite, X87Control control)
    {
        var signBit = value.IsNegative ? 1UL << (layout.FractionBits + layout.ExponentBits) : 0;
        var infinity = signBit | ((ulong)layout.MaxExponentField << layout.FractionBits);
        if (value.IsUnsupported)
        {
            return (indefinite, X87Exceptions.Invalid, false);
        }

        if (value.IsNaN)
        {
            // The NaN's fraction is truncated to the narrower format; an SNaN is quieted (SDM Vol. 1, 4.8.3.4).
            var raised = value.IsSignalingNaN ? X87Exceptions.Invalid : X87Exceptions.None;
            var fraction = ((value.Significand | Float80.QuietBit) << 1) >> (64 - layout.FractionBits);
            return (infinity | fraction, raised, false);
        }

        if (value.IsInfinity)
        {
            return (infinity, X87Exceptions.None, false);
        }

        if (value.IsZero)
        {
            return (signBit, X87Exceptions.None, false);
        }

        var exceptions = X87Exceptions.None;
        var (exponent, significand) = Float80Operands.Unpack(value);
        var rounded = Float80Rounding.Round(value.IsNegative, exponent, (UInt128)significand << 64, layout.Rounding, control, ref exceptions);
        if (rounded.IsInfinity)
        {
            return (infinity, exceptions, rounded.RoundedUp);
        }

        var normal = (rounded.Significand & Float80.IntegerBit) != 0;
        var field = normal ? (ulong)(rounded.Exponent - Float80.ExponentBias + layout.Bias) : 0;
        var packed = signBit | (field << layout.FractionBits) | ((rounded.Significand >> (63 - layout.FractionBits)) & layout.FractionMask);
        return (packed, exceptions, rounded.RoundedUp);
    }

    private sealed record BinaryFormat(int FractionBits, int ExponentBits, RoundingFormat Rounding)
    {
        public int MaxExponentField => (1 << ExponentBits) - 1;

        public int Bias => (1 << (ExponentBits - 1)) - 1;

        public ulong FractionMask => (1UL << FractionBits) - 1;
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using HvSim.Cpu.X87;

namespace HvSim.Cpu.SimdFloat;

/// <summary>An element operation on two sources in both formats (the per-lane step of the packed forms).</summary>
internal interface IElementOp
{
    static abstract uint Single(uint a, uint b, uint mxcsr, ref uint raised);

    static abstract ulong Double(ulong a, ulong b, uint mxcsr, ref uint raised);
}

internal struct AddElement : IElementOp
{
    public static uint Single(uint a, uint b, uint mxcsr, ref uint raised) => ScalarFloat.Add(a, b, mxcsr, ref raised);
    public static ulong Double(ulong a, ulong b, uint mxcsr, ref uint raised) => ScalarFloat.Add(a, b, mxcsr, ref raised);
}

internal struct SubtractElement : IElementOp
{
    public static uint Single(uint a, uint b, uint mxcsr, ref uint raised) => ScalarFloat.Subtract(a, b, mxcsr, ref raised);
    public static ulong Double(ulong a, ulong b, uint mxcsr, ref uint raised) => ScalarFloat.Subtract(a, b, mxcsr, ref raised);
}

internal struct MultiplyElement : IElementOp
{
    public static uint Single(uint a, uint b, uint mxcsr, ref uint raised) => ScalarFloat.Multiply(a, b, mxcsr, ref raised);
    public static ulong Double(ulong a, ulong b, uint mxcsr, ref uint raised) => ScalarFloat.Multiply(a, b, mxcsr, ref raised);
}

internal struct DivideElement : IElementOp
{
    public static uint Single(uint a, uint b, uint mxcsr, ref uint raised) => ScalarFloat.Divide(a, b, mxcsr, ref raised);
    public static ulong Double(ulong a, ulong b, uint mxcsr, ref uint raised) => ScalarFloat.Divide(a, b, mxcsr, ref raised);
}

/// <summary>Square root of the second source (the first is ignored).</summary>
internal struct SquareRootElement : IElementOp
{
    public static uint Single(uint a, uint b, uint mxcsr, ref uint raised) => ScalarFloat.SquareRoot(b, mxcsr, ref raised);
    public static ulong Double(ulong a, ulong b, uint mxcsr, ref uint raised) => ScalarFloat.SquareRoot(b, mxcsr, ref raised);
}

internal struct MinElement : IElementOp
{
    public static uint Single(uint a, uint b, uint mxcsr, ref uint raised) => (uint)ScalarFloat.MinMax<Binary32>(a, b, false, mxcsr, ref raised);
    public static ulong Double(ulong a, ulong b, uint mxcsr, ref uint raised) => ScalarFloat.MinMax<Binary64>(a, b, false, mxcsr, ref raised);
}

internal struct MaxElement : IElementOp
{
    public static uint Single(uint a, uint b, uint mxcsr, ref uint raised) => (uint)ScalarFloat.MinMax<Binary32>(a, b, true, mxcsr, ref raised);
    public static ulong Double(ulong a, ulong b, uint mxcsr, ref uint raised) => ScalarFloat.MinMax<Binary64>(a, b, true, mxcsr, ref raised);
}

/// <summary>
/// Packed SSE floating point on 128-bit values: four binary32 or two binary64 lanes, each lane an
/// <see cref="IElementOp"/> (flags of all lanes ORed). Add, subtract, multiply, divide and square root
/// first try the whole vector on the host (the argument of <see cref="ScalarFloat"/>'s remarks,
/// checked for all lanes at once). A 256-bit VEX form is two calls, one per half.
/// </summary>
/// <remarks>The FMA forms (three sources) are <see cref="FusedFloat"/>.</remarks>
internal static class PackedFloat
{
    public static Vector128<byte> Each32<T>(Vector128<byte> a, Vector128<byte> b, uint mxcsr, ref uint raised) where T : struct, IElementOp
    {
        Vector128<uint> x = a.AsUInt32(), y = b.AsUInt32();
        uint r0 = T.Single(x.GetElement(0), y.GetElement(0), mxcsr, ref raised);
        uint r1 = T.Single(x.GetElement(1), y.GetElement(1), mxcsr, ref raised);
        uint r2 = T.Single(x.GetElement(2), y.GetElement(2), mxcsr, ref raised);
        uint r3 = T.Single(x.GetElement(3), y.GetElement(3), mxcsr, ref raised);
        return Vector128.Create(r0, r1, r2, r3).AsByte();
    }

    public static Vector128<byte> Each64<T>(Vector128<byte> a, Vector128<byte> b, uint mxcsr, ref uint raised) where T : struct, IElementOp
    {
        Vector128<ulong> x = a.AsUInt64(), y = b.AsUInt64();
        ulong r0 = T.Double(x.GetElement(0), y.GetElement(0), mxcsr, ref raised);
        ulong r1 = T.Double(x.GetElement(1), y.GetElement(1), mxcsr, ref raised);
        return Vector128.Create(r0, r1).AsByte();
    }

    /// <summary>The scalar form: the low lane computed, the upper lanes of the first source kept.</summary>
    public static Vector128<byte> Low32<T>(Vector128<byte> a, Vector128<byte> b, uint mxcsr, ref uint raised) where T : struct, IElementOp =>
        a.AsUInt32().WithElement(0, T.Single(a.AsUInt32().ToScalar(), b.AsUInt32().ToScalar(), mxcsr, ref raised)).AsByte();

    public static Vector128<byte> Low64<T>(Vector128<byte> a, Vector128<byte> b, uint mxcsr, ref uint raised) where T : struct, IElementOp =>
        a.AsUInt64().WithElement(0, T.Double(a.AsUInt64().ToScalar(), b.AsUInt64().ToScalar(), mxcsr, ref raised)).AsByte();

    /// <summary>Every lane's exponent field in the ordinary range of <see cref="ScalarFloat.Ordinary(uint)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool AllOrdinary(Vector128<float> x, Vector128<float> y, Vector128<float> r)
    {
        Vector128<uint> mask = Vector128.Create(0xFFu), two = Vector128.Create(2u);
        Vector128<uint> ex = ((x.AsUInt32() >> 23) & mask) - two;
        Vector128<uint> ey = ((y.AsUInt32() >> 23) & mask) - two;
        Vector128<uint> er = ((r.AsUInt32() >> 23) & mask) - two;
        return Vector128.LessThanAll(Vector128.Max(Vector128.Max(ex, ey), er), Vector128.Create(0xFCu));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool AllOrdinary(Vector128<double> x, Vector128<double> y, Vector128<double> r)
    {
        Vector128<ulong> mask = Vector128.Create(0x7FFUL), low = Vector128.Create(64UL);
        Vector128<ulong> ex = ((x.AsUInt64() >> 52) & mask) - low;
        Vector128<ulong> ey = ((y.AsUInt64() >> 52) & mask) - low;
        Vector128<ulong> er = ((r.AsUInt64() >> 52) & mask) - low;
        Vector128<ulong> limit = Vector128.Create(0x7BEUL);
        return Vector128.LessThanAll(ex, limit) && Vector128.LessThanAll(ey, limit) && Vector128.LessThanAll(er, limit);
    }

    public static Vector128<byte> AddPs(Vector128<byte> a, Vector128<byte> b, uint mxcsr, ref uint raised) =>
        SumPs<AddElement>(a, b, Vector128<uint>.Zero, mxcsr, ref raised);

    public static Vector128<byte> SubPs(Vector128<byte> a, Vector128<byte> b, uint mxcsr, ref uint raised) =>
        SumPs<SubtractElement>(a, b, Vector128.Create(0x8000_0000u), mxcsr, ref raised);

    public static Vector128<byte> AddPd(Vector128<byte> a, Vector128<byte> b, uint mxcsr, ref uint raised) =>
        SumPd<AddElement>(a, b, Vector128<ulong>.Zero, mxcsr, ref raised);

    public static Vector128<byte> SubPd(Vector128<byte> a, Vector128<byte> b, uint mxcsr, ref uint raised) =>
        SumPd<SubtractElement>(a, b, Vector128.Create(0x8000_0000_0000_0000UL), mxcsr, ref raised);

    /// <summary>a + (b with <paramref name="negate"/>'s sign flips) on the host with TwoSum for PE; <typeparamref name="T"/> otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> SumPs<T>(Vector128<byte> a, Vector128<byte> b, Vector128<uint> negate, uint mxcsr, ref uint raised) where T : struct, IElementOp
    {
        if (Mxcsr.IsDefaultControl(mxcsr))
        {
            Vector128<float> x = a.AsSingle(), y = (b.AsUInt32() ^ negate).AsSingle();
            Vector128<float> r = x + y;
            if (AllOrdinary(x, y, r))
            {
                if ((mxcsr & Mxcsr.Precision) == 0)
                {
                    Vector128<float> yPart = r - x;
                    if (!Vector128.EqualsAll((x - (r - yPart)) + (y - yPart), Vector128<float>.Zero))
                    {
                        raised |= Mxcsr.Precision;
                    }
                }
                return r.AsByte();
            }
        }
        return Each32<T>(a, b, mxcsr, ref raised);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> SumPd<T>(Vector128<byte> a, Vector128<byte> b, Vector128<ulong> negate, uint mxcsr, ref uint raised) where T : struct, IElementOp
    {
        if (Mxcsr.IsDefaultControl(mxcsr))
        {
            Vector128<double> x = a.AsDouble(), y = (b.AsUInt64() ^ negate).AsDouble();
            Vector128<double> r = x + y;
            if (AllOrdinary(x, y, r))
            {
                if ((mxcsr & Mxcsr.Precision) == 0)
                {
                    Vector128<double> yPart = r - x;
                    if (!Vector128.EqualsAll((x - (r - yPart)) + (y - yPart), Vector128<double>.Zero))
                    {
                        raised |= Mxcsr.Precision;
                    }
                }
                return r.AsByte();
            }
        }
        return Each64<T>(a, b, mxcsr, ref raised);
    }

    public static Vector128<byte> MulPs(Vector128<byte> a, Vector128<byte> b, uint mxcsr, ref uint raised)
    {
        if (Mxcsr.IsDefaultControl(mxcsr))
        {
            Vector128<float> x = a.AsSingle(), y = b.AsSingle(), r = x * y;
            if (AllOrdinary(x, y, r))
            {
                // Products of two 24-bit significands are exact in double.
                if ((mxcsr & Mxcsr.Precision) == 0
                    && !(Vector128.EqualsAll(Vector128.WidenLower(x) * Vector128.WidenLower(y), Vector128.WidenLower(r))
                        && Vector128.EqualsAll(Vector128.WidenUpper(x) * Vector128.WidenUpper(y), Vector128.WidenUpper(r))))
                {
                    raised |= Mxcsr.Precision;
                }
                return r.AsByte();
            }
        }
        return Each32<MultiplyElement>(a, b, mxcsr, ref raised);
    }

    public static Vector128<byte> DivPs(Vector128<byte> a, Vector128<byte> b, uint mxcsr, ref uint raised)
    {
        if (Mxcsr.IsDefaultControl(mxcsr))
        {
            Vector128<float> x = a.AsSingle(), y = b.AsSingle(), r = x / y;
            if (AllOrdinary(x, y, r))
            {
                if ((mxcsr & Mxcsr.Precision) == 0
                    && !(Vector128.EqualsAll(Vector128.WidenLower(r) * Vector128.WidenLower(y), Vector128.WidenLower(x))
                        && Vector128.EqualsAll(Vector128.WidenUpper(r) * Vector128.WidenUpper(y), Vector128.WidenUpper(x))))
                {
                    raised |= Mxcsr.Precision;
                }
                return r.AsByte();
            }
        }
        return Each32<DivideElement>(a, b, mxcsr, ref raised);
    }

    public static Vector128<byte> MulPd(Vector128<byte> a, Vector128<byte> b, uint mxcsr, ref uint raised)
    {
        if (Mxcsr.IsDefaultControl(mxcsr))
        {
            Vector128<double> x = a.AsDouble(), y = b.AsDouble(), r = x * y;
            if (AllOrdinary(x, y, r))
            {
                if ((mxcsr & Mxcsr.Precision) == 0 && !Vector128.EqualsAll(Vector128.FusedMultiplyAdd(x, y, -r), Vector128<double>.Zero))
                {
                    raised |= Mxcsr.Precision;
                }
                return r.AsByte();
            }
        }
        return Each64<MultiplyElement>(a, b, mxcsr, ref raised);
    }

    public static Vector128<byte> DivPd(Vector128<byte> a, Vector128<byte> b, uint mxcsr, ref uint raised)
    {
        if (Mxcsr.IsDefaultControl(mxcsr))
        {
            Vector128<double> x = a.AsDouble(), y = b.AsDouble(), r = x / y;
            if (AllOrdinary(x, y, r))
            {
                if ((mxcsr & Mxcsr.Precision) == 0 && !Vector128.EqualsAll(Vector128.FusedMultiplyAdd(r, y, -x), Vector128<double>.Zero))
                {
                    raised |= Mxcsr.Precision;
                }
                return r.AsByte();
            }
        }
        return Each64<DivideElement>(a, b, mxcsr, ref raised);
    }

    public static Vector128<byte> SqrtPs(Vector128<byte> b, uint mxcsr, ref uint raised)
    {
        if (Mxcsr.IsDefaultControl(mxcsr))
        {
            Vector128<float> x = b.AsSingle(), r = Vector128.Sqrt(x);
            if (AllOrdinary(x, x, r))
            {
                if ((mxcsr & Mxcsr.Precision) == 0
                    && !(Vector128.EqualsAll(Vector128.WidenLower(r) * Vector128.WidenLower(r), Vector128.WidenLower(x))
                        && Vector128.EqualsAll(Vector128.WidenUpper(r) * Vector128.WidenUpper(r), Vector128.WidenUpper(x))))
                {
                    raised |= Mxcsr.Precision;
                }
                return r.AsByte();
            }
        }
        return Each32<SquareRootElement>(b, b, mxcsr, ref raised);
    }

    public static Vector128<byte> SqrtPd(Vector128<byte> b, uint mxcsr, ref uint raised)
    {
        if (Mxcsr.IsDefaultControl(mxcsr))
        {
            Vector128<double> x = b.AsDouble(), r = Vector128.Sqrt(x);
            if (AllOrdinary(x, x, r))
            {
                if ((mxcsr & Mxcsr.Precision) == 0 && !Vector128.EqualsAll(Vector128.FusedMultiplyAdd(r, r, -x), Vector128<double>.Zero))
                {
                    raised |= Mxcsr.Precision;
                }
                return r.AsByte();
            }
        }
        return Each64<SquareRootElement>(b, b, mxcsr, ref raised);
    }

    /// <summary>roundps/roundpd/roundss/roundsd imm8 (SDM Vol. 2 ROUNDPS, Table 4-18): bits 1:0 the mode, bit 2 use MXCSR.RC, bit 3 suppress PE.</summary>
    public static RoundingControl RoundingOf(byte imm, uint mxcsr) => (imm & 4) != 0 ? Mxcsr.Rounding(mxcsr) : (RoundingControl)(imm & 3);
}

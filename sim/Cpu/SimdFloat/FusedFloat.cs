using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HvSim.Cpu.SimdFloat;

/// <summary>
/// An FMA element operation: a × b + c with the instruction's signs, for element <c>lane</c> of its
/// 128-bit half (vfmaddsub/vfmsubadd alternate by element parity, which the upper half repeats).
/// </summary>
internal interface IFusedElementOp
{
    static abstract uint Single(uint a, uint b, uint c, int lane, uint mxcsr, ref uint raised);

    static abstract ulong Double(ulong a, ulong b, ulong c, int lane, uint mxcsr, ref uint raised);
}

internal struct FmaddElement : IFusedElementOp
{
    public static uint Single(uint a, uint b, uint c, int lane, uint m, ref uint r) => FusedFloat.Single(a, b, c, false, false, m, ref r);
    public static ulong Double(ulong a, ulong b, ulong c, int lane, uint m, ref uint r) => FusedFloat.Double(a, b, c, false, false, m, ref r);
}

internal struct FmsubElement : IFusedElementOp
{
    public static uint Single(uint a, uint b, uint c, int lane, uint m, ref uint r) => FusedFloat.Single(a, b, c, false, true, m, ref r);
    public static ulong Double(ulong a, ulong b, ulong c, int lane, uint m, ref uint r) => FusedFloat.Double(a, b, c, false, true, m, ref r);
}

internal struct FnmaddElement : IFusedElementOp
{
    public static uint Single(uint a, uint b, uint c, int lane, uint m, ref uint r) => FusedFloat.Single(a, b, c, true, false, m, ref r);
    public static ulong Double(ulong a, ulong b, ulong c, int lane, uint m, ref uint r) => FusedFloat.Double(a, b, c, true, false, m, ref r);
}

internal struct FnmsubElement : IFusedElementOp
{
    public static uint Single(uint a, uint b, uint c, int lane, uint m, ref uint r) => FusedFloat.Single(a, b, c, true, true, m, ref r);
    public static ulong Double(ulong a, ulong b, ulong c, int lane, uint m, ref uint r) => FusedFloat.Double(a, b, c, true, true, m, ref r);
}

/// <summary>vfmaddsub: even elements a × b − c, odd elements a × b + c (SDM Vol. 2 VFMADDSUB132PD).</summary>
internal struct FmaddsubElement : IFusedElementOp
{
    public static uint Single(uint a, uint b, uint c, int lane, uint m, ref uint r) => FusedFloat.Single(a, b, c, false, (lane & 1) == 0, m, ref r);
    public static ulong Double(ulong a, ulong b, ulong c, int lane, uint m, ref uint r) => FusedFloat.Double(a, b, c, false, (lane & 1) == 0, m, ref r);
}

/// <summary>vfmsubadd: even elements a × b + c, odd elements a × b − c (SDM Vol. 2 VFMSUBADD132PD).</summary>
internal struct FmsubaddElement : IFusedElementOp
{
    public static uint Single(uint a, uint b, uint c, int lane, uint m, ref uint r) => FusedFloat.Single(a, b, c, false, (lane & 1) != 0, m, ref r);
    public static ulong Double(ulong a, ulong b, ulong c, int lane, uint m, ref uint r) => FusedFloat.Double(a, b, c, false, (lane & 1) != 0, m, ref r);
}

/// <summary>
/// Fused multiply-add elements and their packed and scalar forms on 128-bit values (a 256-bit form is
/// two calls). The exact arithmetic is <see cref="SoftFloat{F}.FusedMultiplyAdd"/>; the fast path, as
/// in <see cref="ScalarFloat"/>, is the host's own FMA under the default control when a, b, c and the
/// result are ordinary (no NaN, ∞, zero or denormal operand; a result neither tiny nor overflowing):
/// then only PE is in question. For binary32 it is decided exactly: the product of two 24-bit
/// significands is exact in binary64, and TwoSum gives the error of adding the addend to it, so the
/// result is exact when that sum is exact and equals the rounded result. For binary64 there is no
/// cheap error-free transformation of an FMA, so while PE is clear the exact path decides.
/// </summary>
internal static class FusedFloat
{
    public static uint Single(uint a, uint b, uint c, bool negateProduct, bool negateAddend, uint mxcsr, ref uint raised)
    {
        if (Mxcsr.IsDefaultControl(mxcsr) && ScalarFloat.Ordinary(a) & ScalarFloat.Ordinary(b) & ScalarFloat.Ordinary(c))
        {
            float x = BitConverter.UInt32BitsToSingle(a), y = BitConverter.UInt32BitsToSingle(b), z = BitConverter.UInt32BitsToSingle(c);
            x = negateProduct ? -x : x;
            z = negateAddend ? -z : z;
            float r = MathF.FusedMultiplyAdd(x, y, z);
            uint result = BitConverter.SingleToUInt32Bits(r);
            if (ScalarFloat.Ordinary(result))
            {
                if ((mxcsr & Mxcsr.Precision) == 0)
                {
                    double p = (double)x * y;
                    double s = p + z;
                    double pPart = s - z;
                    bool exact = (z - (s - pPart)) + (p - pPart) == 0 && s == r;
                    raised |= exact ? 0 : Mxcsr.Precision;
                }
                return result;
            }
        }
        return (uint)SoftFloat<Binary32>.FusedMultiplyAdd(a, b, c, negateProduct, negateAddend, mxcsr, ref raised);
    }

    public static ulong Double(ulong a, ulong b, ulong c, bool negateProduct, bool negateAddend, uint mxcsr, ref uint raised)
    {
        if ((mxcsr & Mxcsr.Precision) != 0 && Mxcsr.IsDefaultControl(mxcsr)
            && ScalarFloat.Ordinary(a) & ScalarFloat.Ordinary(b) & ScalarFloat.Ordinary(c))
        {
            double x = BitConverter.UInt64BitsToDouble(a), y = BitConverter.UInt64BitsToDouble(b), z = BitConverter.UInt64BitsToDouble(c);
            double r = Math.FusedMultiplyAdd(negateProduct ? -x : x, y, negateAddend ? -z : z);
            ulong result = BitConverter.DoubleToUInt64Bits(r);
            if (ScalarFloat.Ordinary(result))
            {
                return result;
            }
        }
        return SoftFloat<Binary64>.FusedMultiplyAdd(a, b, c, negateProduct, negateAddend, mxcsr, ref raised);
    }

    public static Vector128<byte> Packed32<T>(Vector128<byte> a, Vector128<byte> b, Vector128<byte> c, uint mxcsr, ref uint raised) where T : struct, IFusedElementOp
    {
        Vector128<uint> x = a.AsUInt32(), y = b.AsUInt32(), z = c.AsUInt32();
        uint r0 = T.Single(x.GetElement(0), y.GetElement(0), z.GetElement(0), 0, mxcsr, ref raised);
        uint r1 = T.Single(x.GetElement(1), y.GetElement(1), z.GetElement(1), 1, mxcsr, ref raised);
        uint r2 = T.Single(x.GetElement(2), y.GetElement(2), z.GetElement(2), 2, mxcsr, ref raised);
        uint r3 = T.Single(x.GetElement(3), y.GetElement(3), z.GetElement(3), 3, mxcsr, ref raised);
        return Vector128.Create(r0, r1, r2, r3).AsByte();
    }

    public static Vector128<byte> Packed64<T>(Vector128<byte> a, Vector128<byte> b, Vector128<byte> c, uint mxcsr, ref uint raised) where T : struct, IFusedElementOp
    {
        Vector128<ulong> x = a.AsUInt64(), y = b.AsUInt64(), z = c.AsUInt64();
        ulong r0 = T.Double(x.GetElement(0), y.GetElement(0), z.GetElement(0), 0, mxcsr, ref raised);
        ulong r1 = T.Double(x.GetElement(1), y.GetElement(1), z.GetElement(1), 1, mxcsr, ref raised);
        return Vector128.Create(r0, r1).AsByte();
    }

    /// <summary>The scalar form: element 0 computed, the other elements of <paramref name="keep"/> (the destination) kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Low32<T>(Vector128<byte> keep, Vector128<byte> a, Vector128<byte> b, Vector128<byte> c, uint mxcsr, ref uint raised) where T : struct, IFusedElementOp =>
        keep.AsUInt32().WithElement(0, T.Single(a.AsUInt32().ToScalar(), b.AsUInt32().ToScalar(), c.AsUInt32().ToScalar(), 0, mxcsr, ref raised)).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Low64<T>(Vector128<byte> keep, Vector128<byte> a, Vector128<byte> b, Vector128<byte> c, uint mxcsr, ref uint raised) where T : struct, IFusedElementOp =>
        keep.AsUInt64().WithElement(0, T.Double(a.AsUInt64().ToScalar(), b.AsUInt64().ToScalar(), c.AsUInt64().ToScalar(), 0, mxcsr, ref raised)).AsByte();
}

using System.Runtime.Intrinsics;
using HvSim.Cpu.SimdFloat;

namespace HvSim.Cpu.Ops;

/// <summary>
/// An FMA operation on one 128-bit half: the result from the three encoded operands (the destination,
/// which is also the first source; VEX.vvvv; ModRM.rm) and MXCSR, raised exceptions ORed into <c>raised</c>.
/// </summary>
internal interface IFmaXmmOp
{
    static abstract Vector128<byte> Apply(Vector128<byte> dst, Vector128<byte> src2, Vector128<byte> src3, uint mxcsr, ref uint raised);
}

/// <summary>Which encoded operands are the multiplicands a, b and the addend c of a × b + c (the 132/213/231 of the mnemonic).</summary>
internal interface IFmaOrder
{
    static abstract (Vector128<byte> A, Vector128<byte> B, Vector128<byte> C) Pick(Vector128<byte> dst, Vector128<byte> src2, Vector128<byte> src3);
}

/// <summary>132: DEST × SRC3 + SRC2 (SDM Vol. 2 VFMADD132PD).</summary>
internal struct Order132 : IFmaOrder
{
    public static (Vector128<byte> A, Vector128<byte> B, Vector128<byte> C) Pick(Vector128<byte> dst, Vector128<byte> src2, Vector128<byte> src3) => (dst, src3, src2);
}

/// <summary>213: SRC2 × DEST + SRC3.</summary>
internal struct Order213 : IFmaOrder
{
    public static (Vector128<byte> A, Vector128<byte> B, Vector128<byte> C) Pick(Vector128<byte> dst, Vector128<byte> src2, Vector128<byte> src3) => (src2, dst, src3);
}

/// <summary>231: SRC2 × SRC3 + DEST.</summary>
internal struct Order231 : IFmaOrder
{
    public static (Vector128<byte> A, Vector128<byte> B, Vector128<byte> C) Pick(Vector128<byte> dst, Vector128<byte> src2, Vector128<byte> src3) => (src2, src3, dst);
}

internal struct FmaPs<TElement, TOrder> : IFmaXmmOp where TElement : struct, IFusedElementOp where TOrder : struct, IFmaOrder
{
    public static Vector128<byte> Apply(Vector128<byte> dst, Vector128<byte> src2, Vector128<byte> src3, uint m, ref uint r)
    {
        var (a, b, c) = TOrder.Pick(dst, src2, src3);
        return FusedFloat.Packed32<TElement>(a, b, c, m, ref r);
    }
}

internal struct FmaPd<TElement, TOrder> : IFmaXmmOp where TElement : struct, IFusedElementOp where TOrder : struct, IFmaOrder
{
    public static Vector128<byte> Apply(Vector128<byte> dst, Vector128<byte> src2, Vector128<byte> src3, uint m, ref uint r)
    {
        var (a, b, c) = TOrder.Pick(dst, src2, src3);
        return FusedFloat.Packed64<TElement>(a, b, c, m, ref r);
    }
}

/// <summary>The scalar forms keep the destination's bits 127:32 (SDM VFMADD132SS: "DEST[127:32] := DEST[127:32]").</summary>
internal struct FmaSs<TElement, TOrder> : IFmaXmmOp where TElement : struct, IFusedElementOp where TOrder : struct, IFmaOrder
{
    public static Vector128<byte> Apply(Vector128<byte> dst, Vector128<byte> src2, Vector128<byte> src3, uint m, ref uint r)
    {
        var (a, b, c) = TOrder.Pick(dst, src2, src3);
        return FusedFloat.Low32<TElement>(dst, a, b, c, m, ref r);
    }
}

internal struct FmaSd<TElement, TOrder> : IFmaXmmOp where TElement : struct, IFusedElementOp where TOrder : struct, IFmaOrder
{
    public static Vector128<byte> Apply(Vector128<byte> dst, Vector128<byte> src2, Vector128<byte> src3, uint m, ref uint r)
    {
        var (a, b, c) = TOrder.Pick(dst, src2, src3);
        return FusedFloat.Low64<TElement>(dst, a, b, c, m, ref r);
    }
}

/// <summary>
/// The FMA handler shapes (operands as <see cref="AvxOps"/>: Dst also the first source, Sub VEX.vvvv,
/// Src ModRM.rm or memory of the width in Imm bits 15:8), with the VEX.128 zeroing and the all-or-nothing
/// write on an unmasked exception of <see cref="AvxFloatHandlers"/>.
/// </summary>
internal static unsafe class FmaHandlers
{
    public static int F128R<T>(Cpu c, ref DecodedOp op) where T : struct, IFmaXmmOp
    {
        uint raised = 0;
        Vector128<byte> result = T.Apply(c.Xmm(op.Dst), c.Xmm(op.Sub), c.Xmm(op.Src), c.Mxcsr, ref raised);
        return AvxFloatHandlers.Complete128(c, op.Dst, result, raised);
    }

    public static int F128M<T>(Cpu c, ref DecodedOp op) where T : struct, IFmaXmmOp
    {
        if (!AvxOps.Load(c, ref op, out Vector256<byte> source))
        {
            return Exec.ExitFault;
        }
        uint raised = 0;
        Vector128<byte> result = T.Apply(c.Xmm(op.Dst), c.Xmm(op.Sub), source.GetLower(), c.Mxcsr, ref raised);
        return AvxFloatHandlers.Complete128(c, op.Dst, result, raised);
    }

    public static int F256R<T>(Cpu c, ref DecodedOp op) where T : struct, IFmaXmmOp
    {
        uint raised = 0;
        Vector128<byte> low = T.Apply(c.Xmm(op.Dst), c.Xmm(op.Sub), c.Xmm(op.Src), c.Mxcsr, ref raised);
        Vector128<byte> high = T.Apply(c.YmmHigh(op.Dst), c.YmmHigh(op.Sub), c.YmmHigh(op.Src), c.Mxcsr, ref raised);
        return AvxFloatHandlers.Complete256(c, op.Dst, low, high, raised);
    }

    public static int F256M<T>(Cpu c, ref DecodedOp op) where T : struct, IFmaXmmOp
    {
        if (!c.Read256(c.Ea(ref op), out Vector256<byte> source))
        {
            return Exec.ExitFault;
        }
        uint raised = 0;
        Vector128<byte> low = T.Apply(c.Xmm(op.Dst), c.Xmm(op.Sub), source.GetLower(), c.Mxcsr, ref raised);
        Vector128<byte> high = T.Apply(c.YmmHigh(op.Dst), c.YmmHigh(op.Sub), source.GetUpper(), c.Mxcsr, ref raised);
        return AvxFloatHandlers.Complete256(c, op.Dst, low, high, raised);
    }
}

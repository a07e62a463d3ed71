using System.Runtime.Intrinsics;
using HvSim.Cpu.SimdFloat;

namespace HvSim.Cpu.Ops;

/// <summary>
/// SSE/SSE2 floating point that is not a plain vector operation: the flag-setting compares
/// (comiss/comisd/ucomiss/ucomisd), conversions between XMM and general registers, and
/// ldmxcsr/stmxcsr. Exceptions go through <see cref="SseFloatHandlers.Report"/> like the vector forms.
/// </summary>
internal static unsafe class SseFloatOps
{
    /// <summary>MXCSR bits that must be zero: ldmxcsr with any set raises #GP(0) (MXCSR_MASK 0xFFFF, DAZ supported).</summary>
    public const uint MxcsrReserved = 0xFFFF_0000;

    /// <summary>(u)comisd xmm, xmm/m64 (Sub 8) or (u)comiss xmm, xmm/m32 (Sub 4); Size 1 for comis (IE on QNaN), 0 for ucomis.</summary>
    public static int ComisR(Cpu c, ref DecodedOp op) => Comis(c, ref op, c.Xmm(op.Src).AsUInt64().ToScalar());

    public static int ComisM(Cpu c, ref DecodedOp op)
    {
        return c.Read(c.Ea(ref op), op.Sub, out ulong bits) ? Comis(c, ref op, bits) : Exec.ExitFault;
    }

    /// <summary>SDM COMISD: unordered ZF=PF=CF=1; less CF=1; equal ZF=1; greater none; OF, SF, AF cleared. Flags stay unchanged on #XM.</summary>
    private static int Comis(Cpu c, ref DecodedOp op, ulong source)
    {
        uint raised = 0;
        ulong a = c.Xmm(op.Dst).AsUInt64().ToScalar();
        bool signalling = op.Size != 0;
        ulong flags = op.Sub == 8
            ? ScalarFloat.CompareFlags<Binary64>(a, source, signalling, c.Mxcsr, ref raised)
            : ScalarFloat.CompareFlags<Binary32>((uint)a, (uint)source, signalling, c.Mxcsr, ref raised);
        if (!SseFloatHandlers.IsQuiet(raised, c.Mxcsr) && !SseFloatHandlers.Report(c, raised))
        {
            return c.Raise(Vector.SimdFloatingPoint);
        }
        c.SetFlagBits(flags);
        return Exec.Next;
    }

    /// <summary>XMM (or m32/m64) to GPR conversions: Dst is a GPR slot, Size its width (4 or 8).</summary>
    public static int ToGprR<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmToGpr
    {
        return ToGpr<T>(c, ref op, c.Xmm(op.Src).AsUInt64().ToScalar());
    }

    /// <summary>As <see cref="ToGprR{T}"/> from memory; Sub is the memory width (4 or 8).</summary>
    public static int ToGprM<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmToGpr
    {
        return c.Read(c.Ea(ref op), op.Sub, out ulong bits) ? ToGpr<T>(c, ref op, bits) : Exec.ExitFault;
    }

    private static int ToGpr<T>(Cpu c, ref DecodedOp op, ulong source) where T : struct, IXmmToGpr
    {
        uint raised = 0;
        ulong value = T.Apply(source, op.Size == 8, c.Mxcsr, ref raised);
        if (!SseFloatHandlers.IsQuiet(raised, c.Mxcsr) && !SseFloatHandlers.Report(c, raised))
        {
            return c.Raise(Vector.SimdFloatingPoint);
        }
        c.WriteReg(op.Dst, op.Size, value);
        return Exec.Next;
    }

    /// <summary>GPR (or m32/m64) to XMM conversions: Src is a GPR slot, Size the integer width (4 or 8).</summary>
    public static int FromGprR<T>(Cpu c, ref DecodedOp op) where T : struct, IGprToXmm
    {
        return FromGpr<T>(c, ref op, c.ReadReg(op.Src, op.Size));
    }

    public static int FromGprM<T>(Cpu c, ref DecodedOp op) where T : struct, IGprToXmm
    {
        return c.Read(c.Ea(ref op), op.Size, out ulong value) ? FromGpr<T>(c, ref op, value) : Exec.ExitFault;
    }

    private static int FromGpr<T>(Cpu c, ref DecodedOp op, ulong value) where T : struct, IGprToXmm
    {
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        uint raised = 0;
        Vector128<byte> result = T.Apply(d, value, op.Size == 8, c.Mxcsr, ref raised);
        return SseFloatHandlers.Complete(c, ref d, result, raised);
    }

    public static int Ldmxcsr(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), 4, out ulong value))
        {
            return Exec.ExitFault;
        }
        if ((value & MxcsrReserved) != 0)
        {
            return c.Raise(Vector.GeneralProtection);
        }
        c.Mxcsr = (uint)value;
        return Exec.Next;
    }

    public static int Stmxcsr(Cpu c, ref DecodedOp op)
    {
        return c.Write(c.Ea(ref op), 4, c.Mxcsr) ? Exec.Next : Exec.ExitFault;
    }
}

/// <summary>A conversion from the low element of an XMM value (bits) to a 32- or 64-bit integer.</summary>
internal interface IXmmToGpr
{
    static abstract ulong Apply(ulong source, bool wide, uint mxcsr, ref uint raised);
}

/// <summary>A conversion from a 32- or 64-bit integer (zero-extended in <c>value</c>) into the destination's low element.</summary>
internal interface IGprToXmm
{
    static abstract Vector128<byte> Apply(Vector128<byte> dst, ulong value, bool wide, uint mxcsr, ref uint raised);
}

// Out-of-range and NaN inputs give the "integer indefinite" value (0x80000000...) with IE (SDM Vol. 1, 11.5.2.1).
internal struct Cvttsd2si : IXmmToGpr
{
    public static ulong Apply(ulong s, bool wide, uint m, ref uint r) => ScalarFloat.ToInteger<Binary64>(s, wide, true, m, ref r);
}

internal struct Cvtsd2si : IXmmToGpr
{
    public static ulong Apply(ulong s, bool wide, uint m, ref uint r) => ScalarFloat.ToInteger<Binary64>(s, wide, false, m, ref r);
}

internal struct Cvttss2si : IXmmToGpr
{
    public static ulong Apply(ulong s, bool wide, uint m, ref uint r) => ScalarFloat.ToInteger<Binary32>((uint)s, wide, true, m, ref r);
}

internal struct Cvtss2si : IXmmToGpr
{
    public static ulong Apply(ulong s, bool wide, uint m, ref uint r) => ScalarFloat.ToInteger<Binary32>((uint)s, wide, false, m, ref r);
}

internal struct Cvtsi2sd : IGprToXmm
{
    public static Vector128<byte> Apply(Vector128<byte> d, ulong v, bool wide, uint m, ref uint r) =>
        d.AsUInt64().WithElement(0, ScalarFloat.FromInteger64(wide ? (long)v : (int)v, m, ref r)).AsByte();
}

internal struct Cvtsi2ss : IGprToXmm
{
    public static Vector128<byte> Apply(Vector128<byte> d, ulong v, bool wide, uint m, ref uint r) =>
        d.AsUInt32().WithElement(0, ScalarFloat.FromInteger32(wide ? (long)v : (int)v, m, ref r)).AsByte();
}

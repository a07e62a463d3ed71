using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HvSim.Cpu.Ops;

/// <summary>
/// SSE/SSE2 floating point that is not a plain struct operation: the flag-setting compares
/// (comiss/comisd/ucomiss/ucomisd), conversions between XMM and general registers, and
/// ldmxcsr/stmxcsr.
/// </summary>
/// <remarks>
/// Arithmetic runs on the host's SSE unit through System.Runtime.Intrinsics, so results are the
/// IEEE-754 results the guest's CPU would give — under the host's MXCSR, which .NET keeps at the
/// default (round to nearest, all exceptions masked, no DAZ/FTZ). The guest's MXCSR is stored and
/// reported but its rounding mode, DAZ and FTZ are not applied, and the sticky exception flags are
/// not updated: integer programs and glibc's startup never depend on either.
/// </remarks>
internal static unsafe class SseFloatOps
{
    /// <summary>MXCSR bits that must be zero: ldmxcsr with any set raises #GP(0) (MXCSR_MASK 0xFFFF, DAZ supported).</summary>
    public const uint MxcsrReserved = 0xFFFF_0000;

    /// <summary>(u)comisd xmm, xmm: ZF, PF, CF from the low doubles; OF, SF, AF cleared.</summary>
    public static int ComisdR(Cpu c, ref DecodedOp op)
    {
        c.SetFlagBits(CompareFlags(c.Xmm(op.Dst).AsDouble().ToScalar(), c.Xmm(op.Src).AsDouble().ToScalar()));
        return Exec.Next;
    }

    public static int ComisdM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), 8, out ulong bits))
        {
            return Exec.ExitFault;
        }
        c.SetFlagBits(CompareFlags(c.Xmm(op.Dst).AsDouble().ToScalar(), BitConverter.UInt64BitsToDouble(bits)));
        return Exec.Next;
    }

    /// <summary>(u)comiss: as (u)comisd on singles (widening to double is exact and keeps NaN-ness).</summary>
    public static int ComissR(Cpu c, ref DecodedOp op)
    {
        c.SetFlagBits(CompareFlags(c.Xmm(op.Dst).AsSingle().ToScalar(), c.Xmm(op.Src).AsSingle().ToScalar()));
        return Exec.Next;
    }

    public static int ComissM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), 4, out ulong bits))
        {
            return Exec.ExitFault;
        }
        c.SetFlagBits(CompareFlags(c.Xmm(op.Dst).AsSingle().ToScalar(), BitConverter.UInt32BitsToSingle((uint)bits)));
        return Exec.Next;
    }

    /// <summary>SDM COMISD: unordered ZF=PF=CF=1; less CF=1; equal ZF=1; greater none.</summary>
    private static ulong CompareFlags(double a, double b)
    {
        if (a < b)
        {
            return FlagBits.CF;
        }
        if (a > b)
        {
            return 0;
        }
        return a == b ? FlagBits.ZF : FlagBits.ZF | FlagBits.PF | FlagBits.CF;
    }

    /// <summary>XMM (or m32/m64) to GPR conversions: Dst is a GPR slot, Size its width (4 or 8).</summary>
    public static int ToGprR<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmToGpr
    {
        c.WriteReg(op.Dst, op.Size, T.Apply(c.Xmm(op.Src), op.Size == 8));
        return Exec.Next;
    }

    /// <summary>As <see cref="ToGprR{T}"/> from memory; Sub is the memory width (4 or 8).</summary>
    public static int ToGprM<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmToGpr
    {
        if (!c.Read(c.Ea(ref op), op.Sub, out ulong bits))
        {
            return Exec.ExitFault;
        }
        c.WriteReg(op.Dst, op.Size, T.Apply(Vector128.CreateScalar(bits).AsByte(), op.Size == 8));
        return Exec.Next;
    }

    /// <summary>GPR (or m32/m64) to XMM conversions: Src is a GPR slot, Size the integer width (4 or 8).</summary>
    public static int FromGprR<T>(Cpu c, ref DecodedOp op) where T : struct, IGprToXmm
    {
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        d = T.Apply(d, c.ReadReg(op.Src, op.Size), op.Size == 8);
        return Exec.Next;
    }

    public static int FromGprM<T>(Cpu c, ref DecodedOp op) where T : struct, IGprToXmm
    {
        if (!c.Read(c.Ea(ref op), op.Size, out ulong value))
        {
            return Exec.ExitFault;
        }
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        d = T.Apply(d, value, op.Size == 8);
        return Exec.Next;
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

/// <summary>A conversion from the low element of an XMM value to a 32- or 64-bit integer.</summary>
internal interface IXmmToGpr
{
    static abstract ulong Apply(Vector128<byte> src, bool wide);
}

/// <summary>A conversion from a 32- or 64-bit integer (zero-extended in <c>value</c>) into the destination's low element.</summary>
internal interface IGprToXmm
{
    static abstract Vector128<byte> Apply(Vector128<byte> dst, ulong value, bool wide);
}

// Out-of-range and NaN inputs give the "integer indefinite" value (0x80000000...) as on hardware.
internal struct Cvttsd2si : IXmmToGpr
{
    public static ulong Apply(Vector128<byte> s, bool wide) =>
        wide ? (ulong)Sse2.X64.ConvertToInt64WithTruncation(s.AsDouble()) : (uint)Sse2.ConvertToInt32WithTruncation(s.AsDouble());
}

internal struct Cvtsd2si : IXmmToGpr
{
    public static ulong Apply(Vector128<byte> s, bool wide) =>
        wide ? (ulong)Sse2.X64.ConvertToInt64(s.AsDouble()) : (uint)Sse2.ConvertToInt32(s.AsDouble());
}

internal struct Cvttss2si : IXmmToGpr
{
    public static ulong Apply(Vector128<byte> s, bool wide) =>
        wide ? (ulong)Sse.X64.ConvertToInt64WithTruncation(s.AsSingle()) : (uint)Sse.ConvertToInt32WithTruncation(s.AsSingle());
}

internal struct Cvtss2si : IXmmToGpr
{
    public static ulong Apply(Vector128<byte> s, bool wide) =>
        wide ? (ulong)Sse.X64.ConvertToInt64(s.AsSingle()) : (uint)Sse.ConvertToInt32(s.AsSingle());
}

internal struct Cvtsi2sd : IGprToXmm
{
    public static Vector128<byte> Apply(Vector128<byte> d, ulong v, bool wide) =>
        (wide ? Sse2.X64.ConvertScalarToVector128Double(d.AsDouble(), (long)v) : Sse2.ConvertScalarToVector128Double(d.AsDouble(), (int)v)).AsByte();
}

internal struct Cvtsi2ss : IGprToXmm
{
    public static Vector128<byte> Apply(Vector128<byte> d, ulong v, bool wide) =>
        (wide ? Sse.X64.ConvertScalarToVector128Single(d.AsSingle(), (long)v) : Sse.ConvertScalarToVector128Single(d.AsSingle(), (int)v)).AsByte();
}

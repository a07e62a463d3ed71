using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HvSim.Cpu.Ops;

/// <summary>
/// An XMM operation of the form dst = f(dst, src): the new destination from the old destination
/// and the source operand (a register, or memory loaded into the low bytes of a vector).
/// </summary>
/// <remarks>
/// Implemented by one small struct per instruction; the generic handlers of <see cref="SseOps"/>
/// are instantiated per struct, so the JIT inlines each operation into its own handler and the
/// hot loop pays no second dispatch.
/// </remarks>
internal interface IXmmOp
{
    static abstract Vector128<byte> Apply(Vector128<byte> dst, Vector128<byte> src);
}

/// <summary>As <see cref="IXmmOp"/>, with the instruction's imm8.</summary>
internal interface IXmmImmOp
{
    static abstract Vector128<byte> Apply(Vector128<byte> dst, Vector128<byte> src, byte imm);
}

/// <summary>
/// The generic SSE handler shapes: register or memory source (128-bit aligned, 128-bit
/// unaligned, 64-bit, 32-bit), with or without imm8. DecodedOp: Dst and Src are XMM numbers,
/// Imm is the imm8.
/// </summary>
internal static unsafe class SseOps
{
    public static int RR<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmOp
    {
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        d = T.Apply(d, c.Xmm(op.Src));
        return Exec.Next;
    }

    /// <summary>xmm, m128 for legacy SSE: the operand must be 16-byte aligned (SDM Vol. 1, 11.4.1; #GP(0) otherwise).</summary>
    public static int RM128<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmOp
    {
        if (!LoadAligned(c, ref op, out Vector128<byte> source))
        {
            return Exec.ExitFault;
        }
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        d = T.Apply(d, source);
        return Exec.Next;
    }

    /// <summary>xmm, m128 for the unaligned loads (movdqu, movups, movupd).</summary>
    public static int RM128U<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmOp
    {
        if (!c.Read128(c.Ea(ref op), out Vector128<byte> source))
        {
            return Exec.ExitFault;
        }
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        d = T.Apply(d, source);
        return Exec.Next;
    }

    /// <summary>xmm, m64 (no alignment requirement): the source vector holds the 8 bytes, upper half zero.</summary>
    public static int RM64<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmOp
    {
        if (!c.Read(c.Ea(ref op), 8, out ulong value))
        {
            return Exec.ExitFault;
        }
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        d = T.Apply(d, Vector128.CreateScalar(value).AsByte());
        return Exec.Next;
    }

    /// <summary>xmm, m32 (no alignment requirement): the source vector holds the 4 bytes, the rest zero.</summary>
    public static int RM32<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmOp
    {
        if (!c.Read(c.Ea(ref op), 4, out ulong value))
        {
            return Exec.ExitFault;
        }
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        d = T.Apply(d, Vector128.CreateScalar((uint)value).AsByte());
        return Exec.Next;
    }

    public static int RRI<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmImmOp
    {
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        d = T.Apply(d, c.Xmm(op.Src), (byte)op.Imm);
        return Exec.Next;
    }

    public static int RM128I<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmImmOp
    {
        if (!LoadAligned(c, ref op, out Vector128<byte> source))
        {
            return Exec.ExitFault;
        }
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        d = T.Apply(d, source, (byte)op.Imm);
        return Exec.Next;
    }

    public static int RM64I<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmImmOp
    {
        if (!c.Read(c.Ea(ref op), 8, out ulong value))
        {
            return Exec.ExitFault;
        }
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        d = T.Apply(d, Vector128.CreateScalar(value).AsByte(), (byte)op.Imm);
        return Exec.Next;
    }

    public static int RM32I<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmImmOp
    {
        if (!c.Read(c.Ea(ref op), 4, out ulong value))
        {
            return Exec.ExitFault;
        }
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        d = T.Apply(d, Vector128.CreateScalar((uint)value).AsByte(), (byte)op.Imm);
        return Exec.Next;
    }

    /// <summary>
    /// Shift by imm8 (psllw xmm, imm8 ...): the same operation as the shift by an XMM count, with
    /// the count vector built from the immediate; both forms treat counts above the element width
    /// alike (SDM PSLLW/PSRLW/PSRAW: "count" is the 64-bit value).
    /// </summary>
    public static int ShiftImm<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmOp
    {
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        d = T.Apply(d, Vector128.CreateScalar(op.Imm).AsByte());
        return Exec.Next;
    }

    /// <summary>Loads an aligned m128 operand; false with #GP or #PF recorded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool LoadAligned(Cpu c, ref DecodedOp op, out Vector128<byte> value)
    {
        ulong ea = c.Ea(ref op);
        if ((ea & 15) != 0)
        {
            value = default;
            c.Raise(Vector.GeneralProtection);
            return false;
        }
        return c.Read128(ea, out value);
    }
}

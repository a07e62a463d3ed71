using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HvSim.Cpu.Ops;

/// <summary>
/// SSE/SSE2 data movement: XMM loads and stores of 128, 64 and 32 bits, transfers between XMM
/// and general registers, the sign-mask extractions, pinsrw/pextrw and maskmovdqu.
/// </summary>
/// <remarks>
/// Loads go through the generic shapes of <see cref="SseOps"/> with the merge structs below;
/// stores and GPR transfers have their own handlers. DecodedOp: Dst/Src are XMM numbers or
/// GPR slots as each handler says; Size is the GPR operand size.
/// </remarks>
internal static unsafe class SseMoveOps
{
    /// <summary>movdqa/movaps/movapd/movntdq/movntps/movntpd m128, xmm: #GP(0) unless 16-byte aligned.</summary>
    public static int StoreAligned(Cpu c, ref DecodedOp op)
    {
        ulong ea = c.Ea(ref op);
        if ((ea & 15) != 0)
        {
            return c.Raise(Vector.GeneralProtection);
        }
        return c.Write128(ea, c.Xmm(op.Src)) ? Exec.Next : Exec.ExitFault;
    }

    /// <summary>movdqu/movups/movupd m128, xmm. A store that crosses into a read-only page writes nothing.</summary>
    public static int StoreUnaligned(Cpu c, ref DecodedOp op)
    {
        return c.Write128(c.Ea(ref op), c.Xmm(op.Src)) ? Exec.Next : Exec.ExitFault;
    }

    /// <summary>movq/movsd/movlps/movlpd m64, xmm: the low quadword.</summary>
    public static int StoreLow64(Cpu c, ref DecodedOp op)
    {
        return c.Write(c.Ea(ref op), 8, c.Xmm(op.Src).AsUInt64().ToScalar()) ? Exec.Next : Exec.ExitFault;
    }

    /// <summary>movhps/movhpd m64, xmm: the high quadword.</summary>
    public static int StoreHigh64(Cpu c, ref DecodedOp op)
    {
        return c.Write(c.Ea(ref op), 8, c.Xmm(op.Src).AsUInt64().GetElement(1)) ? Exec.Next : Exec.ExitFault;
    }

    /// <summary>movd/movss m32, xmm: the low doubleword.</summary>
    public static int StoreLow32(Cpu c, ref DecodedOp op)
    {
        return c.Write(c.Ea(ref op), 4, c.Xmm(op.Src).AsUInt32().ToScalar()) ? Exec.Next : Exec.ExitFault;
    }

    /// <summary>movd xmm, r32 / movq xmm, r64: zero-extends into the whole register. Src is a GPR slot.</summary>
    public static int XmmFromGpr(Cpu c, ref DecodedOp op)
    {
        c.Xmm(op.Dst) = Vector128.CreateScalar(c.ReadReg(op.Src, op.Size)).AsByte();
        return Exec.Next;
    }

    /// <summary>movd r32, xmm / movq r64, xmm (a 32-bit write zeroes the upper half). Dst is a GPR slot.</summary>
    public static int GprFromXmm(Cpu c, ref DecodedOp op)
    {
        c.WriteReg(op.Dst, op.Size, c.Xmm(op.Src).AsUInt64().ToScalar());
        return Exec.Next;
    }

    /// <summary>pmovmskb r32/r64, xmm: the sixteen byte sign bits, zero-extended.</summary>
    public static int Pmovmskb(Cpu c, ref DecodedOp op)
    {
        c.R(op.Dst) = (uint)Sse2.MoveMask(c.Xmm(op.Src));
        return Exec.Next;
    }

    public static int Movmskps(Cpu c, ref DecodedOp op)
    {
        c.R(op.Dst) = (uint)Sse.MoveMask(c.Xmm(op.Src).AsSingle());
        return Exec.Next;
    }

    public static int Movmskpd(Cpu c, ref DecodedOp op)
    {
        c.R(op.Dst) = (uint)Sse2.MoveMask(c.Xmm(op.Src).AsDouble());
        return Exec.Next;
    }

    /// <summary>pextrw r32/r64, xmm, imm8: word imm8[2:0], zero-extended. Dst is a GPR slot.</summary>
    public static int Pextrw(Cpu c, ref DecodedOp op)
    {
        c.R(op.Dst) = c.Xmm(op.Src).AsUInt16().GetElement((int)(op.Imm & 7));
        return Exec.Next;
    }

    /// <summary>pinsrw xmm, r32, imm8: the register's low word into word imm8[2:0]. Src is a GPR slot.</summary>
    public static int PinsrwR(Cpu c, ref DecodedOp op)
    {
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        d = d.AsUInt16().WithElement((int)(op.Imm & 7), (ushort)c.R(op.Src)).AsByte();
        return Exec.Next;
    }

    /// <summary>pinsrw xmm, m16, imm8.</summary>
    public static int PinsrwM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), 2, out ulong value))
        {
            return Exec.ExitFault;
        }
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        d = d.AsUInt16().WithElement((int)(op.Imm & 7), (ushort)value).AsByte();
        return Exec.Next;
    }

    /// <summary>
    /// maskmovdqu xmm1, xmm2: stores the bytes of xmm1 (Dst) whose mask byte in xmm2 (Src) has its
    /// top bit set, at [rDI] (the memory fields hold rDI and any segment override). Every selected
    /// byte is checked for write permission before any is written, so a fault changes nothing
    /// (the SDM leaves partial stores implementation-defined; this is the simplest consistent choice).
    /// </summary>
    public static int Maskmovdqu(Cpu c, ref DecodedOp op)
    {
        ulong ea = c.Ea(ref op);
        uint mask = (uint)Sse2.MoveMask(c.Xmm(op.Src));
        Vector128<byte> data = c.Xmm(op.Dst);
        for (uint bits = mask; bits != 0; bits &= bits - 1)
        {
            if (!c.RmwRead(ea + (ulong)System.Numerics.BitOperations.TrailingZeroCount(bits), 1, out _))
            {
                return Exec.ExitFault;
            }
        }
        for (uint bits = mask; bits != 0; bits &= bits - 1)
        {
            int i = System.Numerics.BitOperations.TrailingZeroCount(bits);
            c.Write(ea + (ulong)i, 1, data.GetElement(i));
        }
        return Exec.Next;
    }
}

/// <summary>The source as it is (whole-register moves; loads whose unloaded bytes are zero).</summary>
internal struct MoveSource : IXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> dst, Vector128<byte> src) => src;
}

/// <summary>movss xmm, xmm: the low doubleword replaced, the rest kept.</summary>
internal struct MoveMergeLow32 : IXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> dst, Vector128<byte> src) =>
        dst.AsUInt32().WithElement(0, src.AsUInt32().ToScalar()).AsByte();
}

/// <summary>movsd xmm, xmm and movlps/movlpd xmm, m64: the low quadword replaced, the high kept.</summary>
internal struct MoveMergeLow64 : IXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> dst, Vector128<byte> src) =>
        Vector128.Create(src.AsUInt64().ToScalar(), dst.AsUInt64().GetElement(1)).AsByte();
}

/// <summary>movq xmm, xmm: the low quadword, the high one zeroed.</summary>
internal struct MoveZeroExtend64 : IXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> dst, Vector128<byte> src) =>
        Vector128.CreateScalar(src.AsUInt64().ToScalar()).AsByte();
}

/// <summary>movlhps xmm, xmm and movhps/movhpd xmm, m64: the source's low quadword into the high one.</summary>
internal struct MoveLowToHigh : IXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> dst, Vector128<byte> src) =>
        Vector128.Create(dst.AsUInt64().ToScalar(), src.AsUInt64().ToScalar()).AsByte();
}

/// <summary>movhlps xmm, xmm: the source's high quadword into the low one.</summary>
internal struct MoveHighToLow : IXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> dst, Vector128<byte> src) =>
        Vector128.Create(src.AsUInt64().GetElement(1), dst.AsUInt64().GetElement(1)).AsByte();
}

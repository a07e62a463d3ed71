using System.Runtime.Intrinsics;

namespace HvSim.Cpu.Ops;

/// <summary>
/// VEX data movement that is not a generic shape of <see cref="AvxOps"/>: the aligned loads and
/// stores, 256-bit stores, lane extraction to memory, transfers between vector and general
/// registers, the sign-mask extractions, vpinsrw, vzeroupper/vzeroall and the vptest family.
/// DecodedOp fields as in <see cref="AvxOps"/> unless a handler says otherwise.
/// </summary>
internal static unsafe class AvxMoveOps
{
    /// <summary>vmovdqa/vmovaps/vmovapd/vmovntdqa xmm, m128: #GP(0) unless 16-byte aligned (SDM Vol. 2A, 2.5, Table 2-18).</summary>
    public static int LoadAligned128(Cpu c, ref DecodedOp op)
    {
        ulong ea = c.Ea(ref op);
        if ((ea & 15) != 0)
        {
            return c.Raise(Vector.GeneralProtection);
        }
        if (!c.Read128(ea, out Vector128<byte> value))
        {
            return Exec.ExitFault;
        }
        c.SetXmmVex(op.Dst, value);
        return Exec.Next;
    }

    /// <summary>vmovdqa/vmovaps/vmovapd/vmovntdqa ymm, m256: #GP(0) unless 32-byte aligned.</summary>
    public static int LoadAligned256(Cpu c, ref DecodedOp op)
    {
        ulong ea = c.Ea(ref op);
        if ((ea & 31) != 0)
        {
            return c.Raise(Vector.GeneralProtection);
        }
        if (!c.Read256(ea, out Vector256<byte> value))
        {
            return Exec.ExitFault;
        }
        c.SetYmm(op.Dst, value);
        return Exec.Next;
    }

    /// <summary>vmovdqa/vmovaps/vmovapd/vmovntdq/vmovntps/vmovntpd m256, ymm: #GP(0) unless 32-byte aligned.</summary>
    public static int StoreAligned256(Cpu c, ref DecodedOp op)
    {
        ulong ea = c.Ea(ref op);
        if ((ea & 31) != 0)
        {
            return c.Raise(Vector.GeneralProtection);
        }
        return c.Write256(ea, c.Ymm(op.Src)) ? Exec.Next : Exec.ExitFault;
    }

    /// <summary>vmovdqu/vmovups/vmovupd m256, ymm. A store that crosses into a read-only page writes nothing.</summary>
    public static int Store256(Cpu c, ref DecodedOp op)
    {
        return c.Write256(c.Ea(ref op), c.Ymm(op.Src)) ? Exec.Next : Exec.ExitFault;
    }

    /// <summary>vextracti128/vextractf128 m128, ymm, imm8: imm8[0] picks the lane stored.</summary>
    public static int StoreLane128(Cpu c, ref DecodedOp op)
    {
        Vector128<byte> lane = (op.Imm & 1) == 0 ? c.Xmm(op.Src) : c.YmmHigh(op.Src);
        return c.Write128(c.Ea(ref op), lane) ? Exec.Next : Exec.ExitFault;
    }

    /// <summary>vmovd xmm, r32 / vmovq xmm, r64: zero-extended into the whole YMM register. Src is a GPR slot.</summary>
    public static int XmmFromGpr(Cpu c, ref DecodedOp op)
    {
        c.SetXmmVex(op.Dst, Vector128.CreateScalar(c.ReadReg(op.Src, op.Size)).AsByte());
        return Exec.Next;
    }

    /// <summary>vpmovmskb r32/r64, ymm: the 32 byte sign bits, zero-extended. Dst is a GPR slot.</summary>
    public static int Pmovmskb256(Cpu c, ref DecodedOp op)
    {
        c.R(op.Dst) = c.Ymm(op.Src).ExtractMostSignificantBits();
        return Exec.Next;
    }

    /// <summary>vmovmskps r, ymm: the eight dword sign bits.</summary>
    public static int Movmskps256(Cpu c, ref DecodedOp op)
    {
        c.R(op.Dst) = c.Ymm(op.Src).AsUInt32().ExtractMostSignificantBits();
        return Exec.Next;
    }

    /// <summary>vmovmskpd r, ymm: the four qword sign bits.</summary>
    public static int Movmskpd256(Cpu c, ref DecodedOp op)
    {
        c.R(op.Dst) = c.Ymm(op.Src).AsUInt64().ExtractMostSignificantBits();
        return Exec.Next;
    }

    /// <summary>vpinsrw xmm1, xmm2, r32, imm8: xmm2 with word imm8[2:0] replaced. Src is a GPR slot, Sub the vector source.</summary>
    public static int PinsrwR(Cpu c, ref DecodedOp op)
    {
        c.SetXmmVex(op.Dst, c.Xmm(op.Sub).AsUInt16().WithElement((int)(op.Imm & 7), (ushort)c.R(op.Src)).AsByte());
        return Exec.Next;
    }

    /// <summary>vpinsrw xmm1, xmm2, m16, imm8.</summary>
    public static int PinsrwM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), 2, out ulong value))
        {
            return Exec.ExitFault;
        }
        c.SetXmmVex(op.Dst, c.Xmm(op.Sub).AsUInt16().WithElement((int)(op.Imm & 7), (ushort)value).AsByte());
        return Exec.Next;
    }

    /// <summary>vpextrw m16, xmm, imm8 (the SSE4.1-style encoding VEX.66.0F3A 15).</summary>
    public static int PextrwStore(Cpu c, ref DecodedOp op)
    {
        return c.Write(c.Ea(ref op), 2, c.Xmm(op.Src).AsUInt16().GetElement((int)(op.Imm & 7))) ? Exec.Next : Exec.ExitFault;
    }

    /// <summary>vzeroupper: bits 255:128 of every vector register cleared (SDM VZEROUPPER).</summary>
    public static int Vzeroupper(Cpu c, ref DecodedOp op)
    {
        c.ZeroUpperHalves();
        return Exec.Next;
    }

    /// <summary>vzeroall: every vector register cleared.</summary>
    public static int Vzeroall(Cpu c, ref DecodedOp op)
    {
        c.ZeroUpperHalves();
        for (int i = 0; i < 16; i++)
        {
            c.Xmm(i) = default;
        }
        return Exec.Next;
    }

    /// <summary>
    /// vptest/vtestps/vtestpd with a register source. Sub selects the bits tested: 0 every bit
    /// (vptest), 4 the dword sign bits (vtestps), 8 the qword sign bits (vtestpd). ZF = (a AND b)
    /// is zero, CF = (NOT a AND b) is zero, OF SF AF PF cleared (SDM PTEST, VTESTPS).
    /// </summary>
    public static int TestR(Cpu c, ref DecodedOp op)
    {
        SetTestFlags(c, op.Sub, c.Ymm(op.Dst), c.Ymm(op.Src), op.Size);
        return Exec.Next;
    }

    public static int TestM(Cpu c, ref DecodedOp op)
    {
        if (!AvxOps.Load(c, ref op, out Vector256<byte> source))
        {
            return Exec.ExitFault;
        }
        SetTestFlags(c, op.Sub, c.Ymm(op.Dst), source, op.Size);
        return Exec.Next;
    }

    private static void SetTestFlags(Cpu c, int kind, Vector256<byte> a, Vector256<byte> b, int size)
    {
        if (size == 16)
        {
            a = a.GetLower().ToVector256();
            b = b.GetLower().ToVector256();
        }
        Vector256<byte> tested = kind switch
        {
            4 => Vector256.Create(0x8000_0000u).AsByte(),
            8 => Vector256.Create(0x8000_0000_0000_0000UL).AsByte(),
            _ => Vector256<byte>.AllBitsSet,
        };
        bool zf = ((a & b & tested) == Vector256<byte>.Zero);
        bool cf = ((~a & b & tested) == Vector256<byte>.Zero);
        c.SetFlagBits((zf ? FlagBits.ZF : 0) | (cf ? FlagBits.CF : 0));
    }
}

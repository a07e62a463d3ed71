using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HvSim.Cpu.Ops;

/// <summary>
/// SSE4.2 handlers: the packed string compares (pcmpestri, pcmpestrm, pcmpistri, pcmpistrm;
/// <see cref="PackedStringCompare"/> computes them) and crc32.
/// </summary>
/// <remarks>
/// String compares — DecodedOp: Dst is xmm1, Src xmm2 (register forms), Imm the imm8, Sub
/// <see cref="ExplicitLengths"/> for pcmpestr*, Size the width of the length registers (4, or 8
/// with REX.W). The m128 operand has no alignment rule (SDM PCMPESTRI: "this instruction does
/// not cause #GP if the memory operand is not aligned to 16 Byte boundary").
/// crc32 — Dst is the destination GPR, Src the source GPR, Size the source size.
/// </remarks>
internal static unsafe class Sse42Ops
{
    public const byte ExplicitLengths = 1;

    public static int StringIndexRR(Cpu c, ref DecodedOp op)
    {
        StringIndex(c, ref op, c.Xmm(op.Src));
        return Exec.Next;
    }

    public static int StringIndexRM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read128(c.Ea(ref op), out Vector128<byte> source))
        {
            return Exec.ExitFault;
        }
        StringIndex(c, ref op, source);
        return Exec.Next;
    }

    public static int StringMaskRR(Cpu c, ref DecodedOp op)
    {
        StringMask(c, ref op, c.Xmm(op.Src));
        return Exec.Next;
    }

    public static int StringMaskRM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read128(c.Ea(ref op), out Vector128<byte> source))
        {
            return Exec.ExitFault;
        }
        StringMask(c, ref op, source);
        return Exec.Next;
    }

    /// <summary>pcmp*stri: the index into ECX (a 32-bit write: RCX's upper half is cleared).</summary>
    private static void StringIndex(Cpu c, ref DecodedOp op, Vector128<byte> b)
    {
        byte imm = (byte)op.Imm;
        uint result = Compare(c, ref op, b, imm, out ulong flags);
        c.R(Reg.Rcx) = PackedStringCompare.Index(result, imm);
        c.SetFlagBits(flags);
    }

    /// <summary>pcmp*strm: the mask into XMM0.</summary>
    private static void StringMask(Cpu c, ref DecodedOp op, Vector128<byte> b)
    {
        byte imm = (byte)op.Imm;
        uint result = Compare(c, ref op, b, imm, out ulong flags);
        c.Xmm(0) = PackedStringCompare.Mask(result, imm);
        c.SetFlagBits(flags);
    }

    private static uint Compare(Cpu c, ref DecodedOp op, Vector128<byte> b, byte imm, out ulong flags)
    {
        Vector128<byte> a = c.Xmm(op.Dst);
        int lengthA, lengthB;
        if (op.Sub == ExplicitLengths)
        {
            lengthA = PackedStringCompare.ExplicitLength(c.R(Reg.Rax), op.Size, imm);
            lengthB = PackedStringCompare.ExplicitLength(c.R(Reg.Rdx), op.Size, imm);
        }
        else
        {
            lengthA = PackedStringCompare.ImplicitLength(a, imm);
            lengthB = PackedStringCompare.ImplicitLength(b, imm);
        }
        return PackedStringCompare.Compare(a, b, lengthA, lengthB, imm, out flags);
    }

    /// <summary>crc32 r32/r64, r8/r16/r32/r64. Flags are not affected.</summary>
    public static int Crc32RR(Cpu c, ref DecodedOp op)
    {
        Crc32(c, ref op, c.ReadReg(op.Src, op.Size));
        return Exec.Next;
    }

    public static int Crc32RM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), op.Size, out ulong source))
        {
            return Exec.ExitFault;
        }
        Crc32(c, ref op, source);
        return Exec.Next;
    }

    /// <summary>
    /// CRC-32C (Castagnoli, reflected) of the source bytes onto the low 32 bits of the destination;
    /// the result is written as a 32-bit value (the r64 forms clear the upper half: SDM CRC32).
    /// </summary>
    private static void Crc32(Cpu c, ref DecodedOp op, ulong source)
    {
        uint crc = (uint)c.R(op.Dst);
        crc = op.Size switch
        {
            1 => Sse42.Crc32(crc, (byte)source),
            2 => Sse42.Crc32(crc, (ushort)source),
            4 => Sse42.Crc32(crc, (uint)source),
            _ => (uint)Sse42.X64.Crc32(crc, source),
        };
        c.R(op.Dst) = crc;
    }
}

using System.Runtime.Intrinsics;

namespace HvSim.Cpu.Ops;

// The VEX forms of SSSE3, SSE4.1, SSE4.2 and PCLMULQDQ that are not simply the legacy struct
// applied to each 128-bit lane (AvxOps' L shapes do those): the AVX2 widenings, whose 256-bit
// form reads one 128-bit source and feeds its upper lane from the middle of it; vmpsadbw's
// 256-bit form, whose upper lane has its own imm8 bits; and the inserts and packed-string masks,
// whose VEX form writes bits 255:128 as zero. The element rules stay in the legacy structs and
// handlers (Sse41Ops, Sse4Handlers, Sse42Ops).

/// <summary>The source of the upper lane of a VEX.256 widening: the source elements after the ones the lower lane consumed, moved down.</summary>
internal interface IWidening
{
    static abstract Vector128<byte> UpperLaneSource(Vector128<byte> source);
}

/// <summary>Bytes to words, words to doublewords, doublewords to quadwords: each lane consumes 8 source bytes.</summary>
internal struct WidenTwice : IWidening
{
    public static Vector128<byte> UpperLaneSource(Vector128<byte> source) => Vector128.CreateScalar(source.AsUInt64().GetElement(1)).AsByte();
}

/// <summary>Bytes to doublewords, words to quadwords: 4 source bytes per lane.</summary>
internal struct WidenFourTimes : IWidening
{
    public static Vector128<byte> UpperLaneSource(Vector128<byte> source) => Vector128.CreateScalar(source.AsUInt32().GetElement(1)).AsByte();
}

/// <summary>Bytes to quadwords: 2 source bytes per lane.</summary>
internal struct WidenEightTimes : IWidening
{
    public static Vector128<byte> UpperLaneSource(Vector128<byte> source) => Vector128.CreateScalar(source.AsUInt16().GetElement(1)).AsByte();
}

/// <summary>
/// vmpsadbw ymm1, ymm2, ymm3/m256, imm8: each lane as mpsadbw, the lower with imm8[2:0], the upper
/// with imm8[5:3] (SDM MPSADBW, "VMPSADBW (VEX.256 encoded version)").
/// </summary>
internal struct MpsadbwLanes : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm) => Vector256.Create(
        Mpsadbw.Apply(a.GetLower(), b.GetLower(), imm),
        Mpsadbw.Apply(a.GetUpper(), b.GetUpper(), (byte)(imm >> 3)));
}

/// <summary>
/// Handlers of the VEX.256 widenings, the VEX element inserts and the VEX packed-string masks.
/// DecodedOp as the legacy handlers (<see cref="Sse4Handlers"/>, <see cref="Sse42Ops"/>) and
/// <see cref="AvxOps"/>, with Sub the VEX.vvvv register the inserts merge into.
/// </summary>
internal static unsafe class AvxSse4Ops
{
    /// <summary>
    /// vpmovsx*/vpmovzx* ymm1, xmm2: the lower lane is the legacy widening of the source's first
    /// elements, the upper lane of the next ones (SDM VPMOVSXBW, "VEX.256 encoded version": sixteen
    /// bytes to sixteen words, and so on). Both lanes are computed before either is written (xmm2
    /// may be ymm1's own lower half).
    /// </summary>
    public static int Widen256R<T, TWidening>(Cpu c, ref DecodedOp op)
        where T : struct, IXmmOp
        where TWidening : struct, IWidening
    {
        Widen256<T, TWidening>(c, op.Dst, c.Xmm(op.Src));
        return Exec.Next;
    }

    /// <summary>As <see cref="Widen256R{T, TWidening}"/> from m128, m64 or m32 (the bytes the widening uses; no alignment rule).</summary>
    public static int Widen256M<T, TWidening>(Cpu c, ref DecodedOp op)
        where T : struct, IXmmOp
        where TWidening : struct, IWidening
    {
        if (!AvxOps.Load(c, ref op, out Vector256<byte> source))
        {
            return Exec.ExitFault;
        }
        Widen256<T, TWidening>(c, op.Dst, source.GetLower());
        return Exec.Next;
    }

    private static void Widen256<T, TWidening>(Cpu c, int dst, Vector128<byte> source)
        where T : struct, IXmmOp
        where TWidening : struct, IWidening
    {
        Vector128<byte> low = T.Apply(default, source);
        Vector128<byte> high = T.Apply(default, TWidening.UpperLaneSource(source));
        c.Xmm(dst) = low;
        c.YmmHigh(dst) = high;
    }

    /// <summary>vpinsrb/vpinsrd/vpinsrq xmm1, xmm2, r32/r64, imm8: xmm2 with the register's low element at imm8 (modulo the count).</summary>
    public static int PinsrR(Cpu c, ref DecodedOp op)
    {
        c.SetXmmVex(op.Dst, Sse4Handlers.Insert(c.Xmm(op.Sub), op.Size, (int)op.Imm, c.R(op.Src)));
        return Exec.Next;
    }

    /// <summary>vpinsrb/vpinsrd/vpinsrq xmm1, xmm2, m8/m32/m64, imm8.</summary>
    public static int PinsrM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), op.Size, out ulong value))
        {
            return Exec.ExitFault;
        }
        c.SetXmmVex(op.Dst, Sse4Handlers.Insert(c.Xmm(op.Sub), op.Size, (int)op.Imm, value));
        return Exec.Next;
    }

    /// <summary>vpcmpestrm/vpcmpistrm xmm1, xmm2, imm8: the legacy mask into XMM0, bits 255:128 of YMM0 zeroed (a VEX.128 result).</summary>
    public static int StringMaskR(Cpu c, ref DecodedOp op)
    {
        int result = Sse42Ops.StringMaskRR(c, ref op);
        c.YmmHigh(0) = default;
        return result;
    }

    /// <summary>As <see cref="StringMaskR"/> with an m128 source (unaligned allowed); a fault changes nothing.</summary>
    public static int StringMaskM(Cpu c, ref DecodedOp op)
    {
        int result = Sse42Ops.StringMaskRM(c, ref op);
        if (result == Exec.Next)
        {
            c.YmmHigh(0) = default;
        }
        return result;
    }
}

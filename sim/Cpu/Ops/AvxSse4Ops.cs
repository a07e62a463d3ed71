using System.Runtime.Intrinsics;

namespace HvSim.Cpu.Ops;

// The VEX forms of SSSE3, SSE4.1, SSE4.2 and PCLMULQDQ that are not simply the legacy struct
// applied to each 128-bit lane (AvxOps' L shapes do those): the AVX2 widenings, whose 256-bit
// form reads a whole 128-bit source; vmpsadbw's 256-bit form, whose upper lane has its own imm8
// bits; and the inserts and packed-string masks, whose VEX form writes bits 255:128 as zero.
// The element rules stay in the legacy structs and handlers (Sse41Ops, Sse4Handlers, Sse42Ops).

/// <summary>How far into a 128-bit source the upper lane of a VEX.256 widening starts: the bytes the lower lane consumed.</summary>
internal interface IWidening
{
    static abstract byte UpperLaneSource { get; }
}

/// <summary>Bytes to words, words to doublewords, doublewords to quadwords: the lower lane consumes 8 source bytes.</summary>
internal struct WidenTwice : IWidening
{
    public static byte UpperLaneSource => 8;
}

/// <summary>Bytes to doublewords, words to quadwords: 4 source bytes per lane.</summary>
internal struct WidenFourTimes : IWidening
{
    public static byte UpperLaneSource => 4;
}

/// <summary>Bytes to quadwords: 2 source bytes per lane.</summary>
internal struct WidenEightTimes : IWidening
{
    public static byte UpperLaneSource => 2;
}

/// <summary>
/// vpmovsx*/vpmovzx* ymm, xmm/m128 (or m64, m32: the elements used): the lower lane is the legacy
/// widening of the source's first elements, the upper lane of the next ones (SDM VPMOVSXBW,
/// "VEX.256 encoded version": sixteen bytes to sixteen words, and so on).
/// </summary>
internal struct WidenToYmm<T, TWidening> : IYmmOp
    where T : struct, IXmmOp
    where TWidening : struct, IWidening
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm)
    {
        Vector128<byte> source = b.GetLower();
        // Shuffle gives zero for the indices past 15: the upper lane's source, moved down.
        Vector128<byte> next = Vector128.Shuffle(source, Vector128<byte>.Indices + Vector128.Create(TWidening.UpperLaneSource));
        return Vector256.Create(T.Apply(default, source), T.Apply(default, next));
    }
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
/// Handlers of the VEX element inserts and the VEX packed-string masks. DecodedOp as the legacy
/// handlers (<see cref="Sse4Handlers"/>, <see cref="Sse42Ops"/>), with Sub the VEX.vvvv register
/// the inserts merge into.
/// </summary>
internal static unsafe class AvxSse4Ops
{
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

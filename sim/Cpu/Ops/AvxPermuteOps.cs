using System.Runtime.Intrinsics;

namespace HvSim.Cpu.Ops;

// AVX/AVX2 operations that are not lane-wise, one struct per instruction for the IYmmOp shapes of
// AvxOps: a is the first source (VEX.vvvv, or the only source of a two-operand form), b the
// second (ModRM.rm, or memory zero-extended). Facts from the SDM Vol. 2 pages of each instruction.
// Vector256.Shuffle gives zero for an out-of-range index, which the permutes never produce
// (their indices are masked to the element count).

/// <summary>vpbroadcastb: the low byte of the source into every byte.</summary>
internal struct BroadcastByte : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm) => Vector256.Create(b.ToScalar());
}

/// <summary>vpbroadcastw.</summary>
internal struct BroadcastWord : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm) => Vector256.Create(b.AsUInt16().ToScalar()).AsByte();
}

/// <summary>vpbroadcastd, vbroadcastss.</summary>
internal struct BroadcastDword : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm) => Vector256.Create(b.AsUInt32().ToScalar()).AsByte();
}

/// <summary>vpbroadcastq, vbroadcastsd.</summary>
internal struct BroadcastQword : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm) => Vector256.Create(b.AsUInt64().ToScalar()).AsByte();
}

/// <summary>vbroadcasti128, vbroadcastf128 (m128 only): the 128 bits into both lanes.</summary>
internal struct Broadcast128 : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm) => Vector256.Create(b.GetLower(), b.GetLower());
}

/// <summary>vinserti128/vinsertf128 ymm1, ymm2, xmm3/m128, imm8: imm8[0] picks the lane replaced by xmm3.</summary>
internal struct Insert128 : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm) =>
        (imm & 1) == 0 ? Vector256.Create(b.GetLower(), a.GetUpper()) : Vector256.Create(a.GetLower(), b.GetLower());
}

/// <summary>vextracti128/vextractf128 xmm, ymm, imm8 (register destination): imm8[0] picks the lane.</summary>
internal struct Extract128 : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm) =>
        ((imm & 1) == 0 ? b.GetLower() : b.GetUpper()).ToVector256();
}

/// <summary>
/// vperm2i128/vperm2f128 ymm1, ymm2, ymm3/m256, imm8: each result lane is one of the four source
/// lanes (imm8[1:0] for the low, imm8[5:4] for the high: 0,1 from ymm2, 2,3 from ymm3), or zero
/// when imm8[3] (low) or imm8[7] (high) is set.
/// </summary>
internal struct Perm2x128 : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm) =>
        Vector256.Create(Select(a, b, imm), Select(a, b, imm >> 4));

    private static Vector128<byte> Select(Vector256<byte> a, Vector256<byte> b, int control)
    {
        if ((control & 8) != 0)
        {
            return default;
        }
        return (control & 3) switch
        {
            0 => a.GetLower(),
            1 => a.GetUpper(),
            2 => b.GetLower(),
            _ => b.GetUpper(),
        };
    }
}

/// <summary>vpermd/vpermps ymm1, ymm2, ymm3/m256: dword i of the result is dword ymm2[i][2:0] of ymm3.</summary>
internal struct PermuteDwords : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm) =>
        Vector256.Shuffle(b.AsUInt32(), a.AsUInt32() & Vector256.Create(7u)).AsByte();
}

/// <summary>vpermq/vpermpd ymm1, ymm2/m256, imm8: qword i of the result is source qword imm8[2i+1:2i].</summary>
internal struct PermuteQwordsImm : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm) =>
        Vector256.Shuffle(b.AsUInt64(), Vector256.Create((ulong)(imm & 3), (ulong)((imm >> 2) & 3), (ulong)((imm >> 4) & 3), (ulong)(imm >> 6))).AsByte();
}

/// <summary>vpermilps xmm/ymm, xmm/ymm/m, imm8: within each lane, dword i is the lane's dword imm8[2i+1:2i].</summary>
internal struct PermuteInLaneDwordsImm : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm)
    {
        Vector256<uint> index = Vector256.Create(
            (uint)(imm & 3), (uint)((imm >> 2) & 3), (uint)((imm >> 4) & 3), (uint)(imm >> 6),
            (uint)(4 + (imm & 3)), (uint)(4 + ((imm >> 2) & 3)), (uint)(4 + ((imm >> 4) & 3)), (uint)(4 + (imm >> 6)));
        return Vector256.Shuffle(b.AsUInt32(), index).AsByte();
    }
}

/// <summary>vpermilpd with imm8: within each lane, qword i is the lane's qword imm8[bit (lane*2 + i)].</summary>
internal struct PermuteInLaneQwordsImm : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm)
    {
        Vector256<ulong> index = Vector256.Create((ulong)(imm & 1), (ulong)((imm >> 1) & 1), (ulong)(2 + ((imm >> 2) & 1)), (ulong)(2 + ((imm >> 3) & 1)));
        return Vector256.Shuffle(b.AsUInt64(), index).AsByte();
    }
}

/// <summary>vpermilps xmm1, xmm2, xmm3/m (variable): within each lane, dword i of ymm2's lane chosen by bits 1:0 of dword i of ymm3.</summary>
internal struct PermuteInLaneDwordsVar : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm)
    {
        Vector256<uint> laneBase = Vector256.Create(0u, 0, 0, 0, 4, 4, 4, 4);
        return Vector256.Shuffle(a.AsUInt32(), (b.AsUInt32() & Vector256.Create(3u)) + laneBase).AsByte();
    }
}

/// <summary>vpermilpd (variable): within each lane, qword i of ymm2's lane chosen by bit 1 of qword i of ymm3.</summary>
internal struct PermuteInLaneQwordsVar : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm)
    {
        Vector256<ulong> laneBase = Vector256.Create(0UL, 0, 2, 2);
        return Vector256.Shuffle(a.AsUInt64(), ((b.AsUInt64() >> 1) & Vector256.Create(1UL)) + laneBase).AsByte();
    }
}

/// <summary>vpblendd/vblendps: dword i from the second source when imm8[i] is set (the 128-bit forms use bits 3:0).</summary>
internal struct BlendDwords : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm)
    {
        Vector256<uint> bits = Vector256.Create(1u, 2, 4, 8, 16, 32, 64, 128);
        Vector256<uint> select = Vector256.Equals(Vector256.Create((uint)imm) & bits, bits);
        return Vector256.ConditionalSelect(select, b.AsUInt32(), a.AsUInt32()).AsByte();
    }
}

/// <summary>vblendpd: qword i from the second source when imm8[i] is set.</summary>
internal struct BlendQwords : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm)
    {
        Vector256<ulong> bits = Vector256.Create(1UL, 2, 4, 8);
        Vector256<ulong> select = Vector256.Equals(Vector256.Create((ulong)imm) & bits, bits);
        return Vector256.ConditionalSelect(select, b.AsUInt64(), a.AsUInt64()).AsByte();
    }
}

/// <summary>vshufpd ymm: each lane as shufpd with its own two imm8 bits (imm8[1:0] low lane, imm8[3:2] high lane).</summary>
internal struct ShufpdLanes : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm) => Vector256.Create(
        Shufpd.Apply(a.GetLower(), b.GetLower(), imm),
        Shufpd.Apply(a.GetUpper(), b.GetUpper(), (byte)(imm >> 2)));
}

/// <summary>vmovddup: in each lane, the low qword duplicated (the 128-bit form's source is m64 or the register's low qword).</summary>
internal struct DuplicateEvenQwords : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm) =>
        Vector256.Shuffle(b.AsUInt64(), Vector256.Create(0UL, 0, 2, 2)).AsByte();
}

/// <summary>vmovsldup: the even dwords duplicated.</summary>
internal struct DuplicateEvenDwords : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm) =>
        Vector256.Shuffle(b.AsUInt32(), Vector256.Create(0u, 0, 2, 2, 4, 4, 6, 6)).AsByte();
}

/// <summary>vmovshdup: the odd dwords duplicated.</summary>
internal struct DuplicateOddDwords : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm) =>
        Vector256.Shuffle(b.AsUInt32(), Vector256.Create(1u, 1, 3, 3, 5, 5, 7, 7)).AsByte();
}

// Variable shifts (AVX2): each element of the first source shifted by the count in the same
// element of the second; a count above the element width minus one gives zero (logical) or
// the sign in every bit (vpsravd).

internal struct ShiftLeftVarDwords : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm)
    {
        Span<uint> r = stackalloc uint[8];
        for (int i = 0; i < 8; i++)
        {
            uint n = b.AsUInt32().GetElement(i);
            r[i] = n > 31 ? 0 : a.AsUInt32().GetElement(i) << (int)n;
        }
        return Vector256.Create<uint>(r).AsByte();
    }
}

internal struct ShiftRightVarDwords : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm)
    {
        Span<uint> r = stackalloc uint[8];
        for (int i = 0; i < 8; i++)
        {
            uint n = b.AsUInt32().GetElement(i);
            r[i] = n > 31 ? 0 : a.AsUInt32().GetElement(i) >> (int)n;
        }
        return Vector256.Create<uint>(r).AsByte();
    }
}

internal struct ShiftRightArithmeticVarDwords : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm)
    {
        Span<int> r = stackalloc int[8];
        for (int i = 0; i < 8; i++)
        {
            uint n = b.AsUInt32().GetElement(i);
            r[i] = a.AsInt32().GetElement(i) >> (int)Math.Min(n, 31u);
        }
        return Vector256.Create<int>(r).AsByte();
    }
}

internal struct ShiftLeftVarQwords : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm)
    {
        Span<ulong> r = stackalloc ulong[4];
        for (int i = 0; i < 4; i++)
        {
            ulong n = b.AsUInt64().GetElement(i);
            r[i] = n > 63 ? 0 : a.AsUInt64().GetElement(i) << (int)n;
        }
        return Vector256.Create<ulong>(r).AsByte();
    }
}

internal struct ShiftRightVarQwords : IYmmOp
{
    public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm)
    {
        Span<ulong> r = stackalloc ulong[4];
        for (int i = 0; i < 4; i++)
        {
            ulong n = b.AsUInt64().GetElement(i);
            r[i] = n > 63 ? 0 : a.AsUInt64().GetElement(i) >> (int)n;
        }
        return Vector256.Create<ulong>(r).AsByte();
    }
}

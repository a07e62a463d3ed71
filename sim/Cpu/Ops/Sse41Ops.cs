using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HvSim.Cpu.Ops;

// SSE4.1 packed-integer and blend operations (Intel SDM Vol. 2, each instruction's page), one
// struct per instruction for the generic handlers of SseOps and Sse41Handlers. Each is a pure
// function of its 128-bit operands (d = the first source, which the legacy encoding also writes;
// s = the second source; m = the blend mask), so the VEX three- and four-operand forms and the
// 256-bit forms (one call per 128-bit lane) reuse the same structs. The intrinsics whose imm8
// must be a JIT-time constant (pblendw, blendps...) are avoided: the imm8 is a run-time value
// here, so those blends select through a mask built from it (mpsadbw, whose imm8 has only eight
// meaningful values, calls the host instruction once per value).

/// <summary>
/// An operation of three 128-bit operands: the two sources and a mask (the blendv group, whose
/// legacy form takes the mask from XMM0 and the VEX form from a fourth register).
/// </summary>
internal interface IXmmMaskOp
{
    static abstract Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, Vector128<byte> mask);
}

/// <summary>An operation that only sets status flags from two 128-bit operands (ptest); returns the flag bits.</summary>
internal interface IXmmFlagsOp
{
    static abstract ulong Flags(Vector128<byte> d, Vector128<byte> s);
}

// Variable blends: s where the mask element's top bit is set, else d (bitwise: no float exceptions).
internal struct Pblendvb : IXmmMaskOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, Vector128<byte> m) => Sse41.BlendVariable(d, s, m); }
internal struct Blendvps : IXmmMaskOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, Vector128<byte> m) => Sse41.BlendVariable(d.AsSingle(), s.AsSingle(), m.AsSingle()).AsByte(); }
internal struct Blendvpd : IXmmMaskOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, Vector128<byte> m) => Sse41.BlendVariable(d.AsDouble(), s.AsDouble(), m.AsDouble()).AsByte(); }

/// <summary>pblendw: word i from s when imm8 bit i is set.</summary>
internal struct Pblendw : IXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, byte imm)
    {
        Vector128<ushort> bits = Vector128.Create((ushort)1, 2, 4, 8, 16, 32, 64, 128);
        Vector128<ushort> select = Vector128.Equals(Vector128.Create((ushort)imm) & bits, bits);
        return Vector128.ConditionalSelect(select, s.AsUInt16(), d.AsUInt16()).AsByte();
    }
}

/// <summary>blendps: doubleword i from s when imm8 bit i is set (bits 7:4 ignored).</summary>
internal struct Blendps : IXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, byte imm)
    {
        Vector128<uint> bits = Vector128.Create(1u, 2, 4, 8);
        Vector128<uint> select = Vector128.Equals(Vector128.Create((uint)imm) & bits, bits);
        return Vector128.ConditionalSelect(select, s.AsUInt32(), d.AsUInt32()).AsByte();
    }
}

/// <summary>blendpd: quadword i from s when imm8 bit i is set (bits 7:2 ignored).</summary>
internal struct Blendpd : IXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, byte imm)
    {
        Vector128<ulong> bits = Vector128.Create(1UL, 2);
        Vector128<ulong> select = Vector128.Equals(Vector128.Create((ulong)imm) & bits, bits);
        return Vector128.ConditionalSelect(select, s.AsUInt64(), d.AsUInt64()).AsByte();
    }
}

internal struct Pminsb : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.Min(d.AsSByte(), s.AsSByte()).AsByte(); }
internal struct Pminsd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.Min(d.AsInt32(), s.AsInt32()).AsByte(); }
internal struct Pminuw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.Min(d.AsUInt16(), s.AsUInt16()).AsByte(); }
internal struct Pminud : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.Min(d.AsUInt32(), s.AsUInt32()).AsByte(); }
internal struct Pmaxsb : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.Max(d.AsSByte(), s.AsSByte()).AsByte(); }
internal struct Pmaxsd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.Max(d.AsInt32(), s.AsInt32()).AsByte(); }
internal struct Pmaxuw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.Max(d.AsUInt16(), s.AsUInt16()).AsByte(); }
internal struct Pmaxud : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.Max(d.AsUInt32(), s.AsUInt32()).AsByte(); }

/// <summary>pmulld: the low 32 bits of each signed doubleword product.</summary>
internal struct Pmulld : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.MultiplyLow(d.AsInt32(), s.AsInt32()).AsByte(); }

/// <summary>pmuldq: doublewords 0 and 2, signed, into two 64-bit products.</summary>
internal struct Pmuldq : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.Multiply(d.AsInt32(), s.AsInt32()).AsByte(); }

internal struct Pcmpeqq : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.CompareEqual(d.AsInt64(), s.AsInt64()).AsByte(); }

/// <summary>packusdw: signed doublewords of d then s into words with unsigned saturation.</summary>
internal struct Packusdw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.PackUnsignedSaturate(d.AsInt32(), s.AsInt32()).AsByte(); }

// pmovsx/pmovzx: the low elements of s widened (the memory forms load only the bytes used: m64, m32 or m16).
internal struct Pmovsxbw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.ConvertToVector128Int16(s.AsSByte()).AsByte(); }
internal struct Pmovsxbd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.ConvertToVector128Int32(s.AsSByte()).AsByte(); }
internal struct Pmovsxbq : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.ConvertToVector128Int64(s.AsSByte()).AsByte(); }
internal struct Pmovsxwd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.ConvertToVector128Int32(s.AsInt16()).AsByte(); }
internal struct Pmovsxwq : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.ConvertToVector128Int64(s.AsInt16()).AsByte(); }
internal struct Pmovsxdq : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.ConvertToVector128Int64(s.AsInt32()).AsByte(); }
internal struct Pmovzxbw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.ConvertToVector128Int16(s).AsByte(); }
internal struct Pmovzxbd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.ConvertToVector128Int32(s).AsByte(); }
internal struct Pmovzxbq : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.ConvertToVector128Int64(s).AsByte(); }
internal struct Pmovzxwd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.ConvertToVector128Int32(s.AsUInt16()).AsByte(); }
internal struct Pmovzxwq : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.ConvertToVector128Int64(s.AsUInt16()).AsByte(); }
internal struct Pmovzxdq : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.ConvertToVector128Int64(s.AsUInt32()).AsByte(); }

/// <summary>phminposuw: the smallest unsigned word of s in word 0, its (lowest) index in word 1, the rest zero.</summary>
internal struct Phminposuw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse41.MinHorizontal(s.AsUInt16()).AsByte(); }

/// <summary>
/// mpsadbw: eight sums of absolute differences of 4-byte groups. SDM: the block of s at
/// doubleword imm8[1:0] against the eleven bytes of d from byte offset 4 * imm8[2]; result word i
/// = sum over j of |d[off + i + j] - s[blk + j]|. The host instruction's imm8 must be a JIT-time
/// constant, so each of the eight meaningful imm8 values (bits 2:0; the others are ignored) has
/// its own call.
/// </summary>
internal struct Mpsadbw : IXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, byte imm) => (imm & 7) switch
    {
        0 => Sse41.MultipleSumAbsoluteDifferences(d, s, 0).AsByte(),
        1 => Sse41.MultipleSumAbsoluteDifferences(d, s, 1).AsByte(),
        2 => Sse41.MultipleSumAbsoluteDifferences(d, s, 2).AsByte(),
        3 => Sse41.MultipleSumAbsoluteDifferences(d, s, 3).AsByte(),
        4 => Sse41.MultipleSumAbsoluteDifferences(d, s, 4).AsByte(),
        5 => Sse41.MultipleSumAbsoluteDifferences(d, s, 5).AsByte(),
        6 => Sse41.MultipleSumAbsoluteDifferences(d, s, 6).AsByte(),
        _ => Sse41.MultipleSumAbsoluteDifferences(d, s, 7).AsByte(),
    };
}

/// <summary>
/// insertps xmm1, xmm2, imm8 (register form): s's doubleword imm8[7:6] into d's doubleword
/// imm8[5:4], then the doublewords in imm8[3:0] zeroed.
/// </summary>
internal struct Insertps : IXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, byte imm) =>
        InsertpsMemory.Apply(d, Vector128.CreateScalar(s.AsUInt32().GetElement(imm >> 6)).AsByte(), imm);
}

/// <summary>insertps xmm1, m32, imm8: the m32 (in s's low doubleword) is the element; imm8[7:6] is ignored.</summary>
internal struct InsertpsMemory : IXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, byte imm)
    {
        Vector128<uint> inserted = d.AsUInt32().WithElement((imm >> 4) & 3, s.AsUInt32().ToScalar());
        Vector128<uint> bits = Vector128.Create(1u, 2, 4, 8);
        Vector128<uint> zeroed = Vector128.Equals(Vector128.Create((uint)imm) & bits, bits);
        return Vector128.AndNot(inserted, zeroed).AsByte();
    }
}

/// <summary>ptest: ZF = (d AND s) is zero, CF = (s AND NOT d) is zero; AF, OF, PF, SF cleared (SDM PTEST).</summary>
internal struct Ptest : IXmmFlagsOp
{
    public static ulong Flags(Vector128<byte> d, Vector128<byte> s) =>
        ((d & s) == Vector128<byte>.Zero ? FlagBits.ZF : 0) | (Vector128.AndNot(s, d) == Vector128<byte>.Zero ? FlagBits.CF : 0);
}

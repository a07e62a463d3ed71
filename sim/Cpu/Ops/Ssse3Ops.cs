using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HvSim.Cpu.Ops;

// SSE3 data movement (movddup, movshdup, movsldup; lddqu is movdqu's MoveSource) and SSSE3 (Intel
// SDM Vol. 2, each instruction's page), one struct per instruction for the generic handlers of
// SseOps. Each is a pure function of its 128-bit operands (d = the first source, which the legacy
// encoding also writes; s = the second source), so the VEX three-operand and the 256-bit forms
// (one call per 128-bit lane) reuse the same structs. Where the host has the instruction,
// System.Runtime.Intrinsics maps it one to one and the result is bit-exact by construction.

/// <summary>movddup xmm, xmm/m64: the source's low quadword in both halves.</summary>
internal struct Movddup : IXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Vector128.Create(s.AsUInt64().ToScalar()).AsByte();
}

/// <summary>movshdup: the odd doublewords duplicated (1, 1, 3, 3).</summary>
internal struct Movshdup : IXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Vector128.Shuffle(s.AsUInt32(), Vector128.Create(1u, 1, 3, 3)).AsByte();
}

/// <summary>movsldup: the even doublewords duplicated (0, 0, 2, 2).</summary>
internal struct Movsldup : IXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Vector128.Shuffle(s.AsUInt32(), Vector128.Create(0u, 0, 2, 2)).AsByte();
}

/// <summary>pshufb: byte i = 0 when s[i] bit 7 is set, else d[s[i] &amp; 15].</summary>
internal struct Pshufb : IXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Ssse3.Shuffle(d, s);
}

// Horizontal add/subtract: the low half of the result from pairs of d, the high half from pairs of s.
internal struct Phaddw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Ssse3.HorizontalAdd(d.AsInt16(), s.AsInt16()).AsByte(); }
internal struct Phaddd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Ssse3.HorizontalAdd(d.AsInt32(), s.AsInt32()).AsByte(); }
internal struct Phaddsw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Ssse3.HorizontalAddSaturate(d.AsInt16(), s.AsInt16()).AsByte(); }
internal struct Phsubw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Ssse3.HorizontalSubtract(d.AsInt16(), s.AsInt16()).AsByte(); }
internal struct Phsubd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Ssse3.HorizontalSubtract(d.AsInt32(), s.AsInt32()).AsByte(); }
internal struct Phsubsw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Ssse3.HorizontalSubtractSaturate(d.AsInt16(), s.AsInt16()).AsByte(); }

/// <summary>pmaddubsw: unsigned bytes of d times signed bytes of s, adjacent products added with signed saturation.</summary>
internal struct Pmaddubsw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Ssse3.MultiplyAddAdjacent(d, s.AsSByte()).AsByte(); }

/// <summary>pmulhrsw: ((d * s >> 14) + 1) >> 1 per signed word.</summary>
internal struct Pmulhrsw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Ssse3.MultiplyHighRoundScale(d.AsInt16(), s.AsInt16()).AsByte(); }

// psign: d negated where s is negative, zeroed where s is zero, kept where s is positive.
internal struct Psignb : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Ssse3.Sign(d.AsSByte(), s.AsSByte()).AsByte(); }
internal struct Psignw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Ssse3.Sign(d.AsInt16(), s.AsInt16()).AsByte(); }
internal struct Psignd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Ssse3.Sign(d.AsInt32(), s.AsInt32()).AsByte(); }

// pabs: the absolute value of each signed element of s (the most negative value stays as it is, read unsigned).
internal struct Pabsb : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Ssse3.Abs(s.AsSByte()); }
internal struct Pabsw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Ssse3.Abs(s.AsInt16()).AsByte(); }
internal struct Pabsd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Ssse3.Abs(s.AsInt32()).AsByte(); }

/// <summary>
/// palignr xmm1, xmm2/m128, imm8: the 32-byte value d:s shifted right by imm8 bytes, low 16 kept
/// (imm8 of 32 and above gives zero). Vector128.Shuffle gives zero for out-of-range indices, so
/// each half contributes only the bytes that fall inside it; the imm8 stays a run-time value.
/// </summary>
internal struct Palignr : IXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, byte imm)
    {
        if (imm >= 32)
        {
            return Vector128<byte>.Zero;
        }
        Vector128<byte> indices = Vector128<byte>.Indices + Vector128.Create(imm);
        // Indices past 15 select nothing from s; indices 16..31 select d's bytes (wrapped ones are out of range).
        return Vector128.Shuffle(s, indices) | Vector128.Shuffle(d, indices - Vector128.Create((byte)16));
    }
}

using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HvSim.Cpu.Ops;

// SSE/SSE2 unpacks, packs, shuffles and whole-register byte shifts, one struct per instruction for
// the generic handlers of SseOps. The imm8 shuffles avoid the Sse2.Shuffle intrinsics, whose
// control byte must be a JIT-time constant, and use Vector128.Shuffle with run-time indices.

internal struct Punpcklbw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.UnpackLow(d, s); }
internal struct Punpcklwd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.UnpackLow(d.AsUInt16(), s.AsUInt16()).AsByte(); }
internal struct Punpckldq : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.UnpackLow(d.AsUInt32(), s.AsUInt32()).AsByte(); }
internal struct Punpcklqdq : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.UnpackLow(d.AsUInt64(), s.AsUInt64()).AsByte(); }
internal struct Punpckhbw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.UnpackHigh(d, s); }
internal struct Punpckhwd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.UnpackHigh(d.AsUInt16(), s.AsUInt16()).AsByte(); }
internal struct Punpckhdq : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.UnpackHigh(d.AsUInt32(), s.AsUInt32()).AsByte(); }
internal struct Punpckhqdq : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.UnpackHigh(d.AsUInt64(), s.AsUInt64()).AsByte(); }

internal struct Packsswb : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.PackSignedSaturate(d.AsInt16(), s.AsInt16()).AsByte(); }
internal struct Packssdw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.PackSignedSaturate(d.AsInt32(), s.AsInt32()).AsByte(); }
internal struct Packuswb : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.PackUnsignedSaturate(d.AsInt16(), s.AsInt16()); }

/// <summary>pshufd xmm, xmm/m128, imm8: doubleword i of the result is source doubleword imm8[2i+1:2i].</summary>
internal struct Pshufd : IXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, byte imm) =>
        Vector128.Shuffle(s.AsUInt32(), Vector128.Create((uint)(imm & 3), (uint)((imm >> 2) & 3), (uint)((imm >> 4) & 3), (uint)(imm >> 6))).AsByte();
}

/// <summary>pshuflw: the low four words shuffled as pshufd does doublewords; the high quadword copied.</summary>
internal struct Pshuflw : IXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, byte imm) =>
        Vector128.Shuffle(s.AsUInt16(), Vector128.Create(
            (ushort)(imm & 3), (ushort)((imm >> 2) & 3), (ushort)((imm >> 4) & 3), (ushort)(imm >> 6), 4, 5, 6, 7)).AsByte();
}

/// <summary>pshufhw: the high four words shuffled; the low quadword copied.</summary>
internal struct Pshufhw : IXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, byte imm) =>
        Vector128.Shuffle(s.AsUInt16(), Vector128.Create(
            0, 1, 2, 3, (ushort)(4 + (imm & 3)), (ushort)(4 + ((imm >> 2) & 3)), (ushort)(4 + ((imm >> 4) & 3)), (ushort)(4 + (imm >> 6)))).AsByte();
}

/// <summary>shufps: the low two doublewords chosen from the destination, the high two from the source.</summary>
internal struct Shufps : IXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, byte imm)
    {
        Vector128<uint> low = Vector128.Shuffle(d.AsUInt32(), Vector128.Create((uint)(imm & 3), (uint)((imm >> 2) & 3), 0, 0));
        Vector128<uint> high = Vector128.Shuffle(s.AsUInt32(), Vector128.Create(0, 0, (uint)((imm >> 4) & 3), (uint)(imm >> 6)));
        return Vector128.Create(low.AsUInt64().ToScalar(), high.AsUInt64().GetElement(1)).AsByte();
    }
}

/// <summary>shufpd: the low quadword from the destination (imm8[0]), the high one from the source (imm8[1]).</summary>
internal struct Shufpd : IXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, byte imm) =>
        Vector128.Create(d.AsUInt64().GetElement(imm & 1), s.AsUInt64().GetElement((imm >> 1) & 1)).AsByte();
}

/// <summary>
/// pslldq xmm, imm8: shifts the register left by imm8 bytes (above 15 clears it). Vector128.Shuffle
/// yields zero for out-of-range indices; clamping the count to 16 keeps the wrapped indices out of range.
/// </summary>
internal struct Pslldq : IXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, byte imm) =>
        Vector128.Shuffle(d, Vector128<byte>.Indices - Vector128.Create(Math.Min(imm, (byte)16)));
}

/// <summary>psrldq xmm, imm8: shifts the register right by imm8 bytes (above 15 clears it).</summary>
internal struct Psrldq : IXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, byte imm) =>
        Vector128.Shuffle(d, Vector128<byte>.Indices + Vector128.Create(Math.Min(imm, (byte)16)));
}

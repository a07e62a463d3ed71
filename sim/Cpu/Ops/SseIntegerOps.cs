using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HvSim.Cpu.Ops;

// SSE2 packed-integer arithmetic, compares, shifts and the bitwise logic group, one struct per
// instruction for the generic handlers of SseOps. Each maps to the host instruction of the same
// name through System.Runtime.Intrinsics, so results are bit-exact by construction (the host
// oracle tests check it). Operand order: dst = dst OP src, as the instruction is written.

internal struct Paddb : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Add(d, s); }
internal struct Paddw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Add(d.AsUInt16(), s.AsUInt16()).AsByte(); }
internal struct Paddd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Add(d.AsUInt32(), s.AsUInt32()).AsByte(); }
internal struct Paddq : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Add(d.AsUInt64(), s.AsUInt64()).AsByte(); }
internal struct Psubb : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Subtract(d, s); }
internal struct Psubw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Subtract(d.AsUInt16(), s.AsUInt16()).AsByte(); }
internal struct Psubd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Subtract(d.AsUInt32(), s.AsUInt32()).AsByte(); }
internal struct Psubq : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Subtract(d.AsUInt64(), s.AsUInt64()).AsByte(); }

internal struct Paddsb : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.AddSaturate(d.AsSByte(), s.AsSByte()).AsByte(); }
internal struct Paddsw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.AddSaturate(d.AsInt16(), s.AsInt16()).AsByte(); }
internal struct Paddusb : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.AddSaturate(d, s); }
internal struct Paddusw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.AddSaturate(d.AsUInt16(), s.AsUInt16()).AsByte(); }
internal struct Psubsb : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.SubtractSaturate(d.AsSByte(), s.AsSByte()).AsByte(); }
internal struct Psubsw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.SubtractSaturate(d.AsInt16(), s.AsInt16()).AsByte(); }
internal struct Psubusb : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.SubtractSaturate(d, s); }
internal struct Psubusw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.SubtractSaturate(d.AsUInt16(), s.AsUInt16()).AsByte(); }

internal struct Pmullw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.MultiplyLow(d.AsInt16(), s.AsInt16()).AsByte(); }
internal struct Pmulhw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.MultiplyHigh(d.AsInt16(), s.AsInt16()).AsByte(); }
internal struct Pmulhuw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.MultiplyHigh(d.AsUInt16(), s.AsUInt16()).AsByte(); }
internal struct Pmuludq : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Multiply(d.AsUInt32(), s.AsUInt32()).AsByte(); }
internal struct Pmaddwd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.MultiplyAddAdjacent(d.AsInt16(), s.AsInt16()).AsByte(); }
internal struct Psadbw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.SumAbsoluteDifferences(d, s).AsByte(); }
internal struct Pavgb : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Average(d, s); }
internal struct Pavgw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Average(d.AsUInt16(), s.AsUInt16()).AsByte(); }
internal struct Pminub : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Min(d, s); }
internal struct Pmaxub : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Max(d, s); }
internal struct Pminsw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Min(d.AsInt16(), s.AsInt16()).AsByte(); }
internal struct Pmaxsw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Max(d.AsInt16(), s.AsInt16()).AsByte(); }

// pcmpgt compares signed elements.
internal struct Pcmpeqb : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.CompareEqual(d, s); }
internal struct Pcmpeqw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.CompareEqual(d.AsUInt16(), s.AsUInt16()).AsByte(); }
internal struct Pcmpeqd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.CompareEqual(d.AsUInt32(), s.AsUInt32()).AsByte(); }
internal struct Pcmpgtb : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.CompareGreaterThan(d.AsSByte(), s.AsSByte()).AsByte(); }
internal struct Pcmpgtw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.CompareGreaterThan(d.AsInt16(), s.AsInt16()).AsByte(); }
internal struct Pcmpgtd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.CompareGreaterThan(d.AsInt32(), s.AsInt32()).AsByte(); }

// Shifts by the 64-bit count in the source's low quadword (the imm8 forms build that vector):
// a count above the element width gives zero, or all sign bits for psraw/psrad.
internal struct Psllw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.ShiftLeftLogical(d.AsUInt16(), s.AsUInt16()).AsByte(); }
internal struct Pslld : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.ShiftLeftLogical(d.AsUInt32(), s.AsUInt32()).AsByte(); }
internal struct Psllq : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.ShiftLeftLogical(d.AsUInt64(), s.AsUInt64()).AsByte(); }
internal struct Psrlw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.ShiftRightLogical(d.AsUInt16(), s.AsUInt16()).AsByte(); }
internal struct Psrld : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.ShiftRightLogical(d.AsUInt32(), s.AsUInt32()).AsByte(); }
internal struct Psrlq : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.ShiftRightLogical(d.AsUInt64(), s.AsUInt64()).AsByte(); }
internal struct Psraw : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.ShiftRightArithmetic(d.AsInt16(), s.AsInt16()).AsByte(); }
internal struct Psrad : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.ShiftRightArithmetic(d.AsInt32(), s.AsInt32()).AsByte(); }

// Bitwise logic: the integer and the ps/pd spellings are the same operation on 128 bits.
// pandn/andnps/andnpd: dst = ~dst & src.
internal struct Pand : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.And(d, s); }
internal struct Pandn : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.AndNot(d, s); }
internal struct Por : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Or(d, s); }
internal struct Pxor : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Xor(d, s); }

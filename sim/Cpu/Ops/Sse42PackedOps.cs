using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HvSim.Cpu.Ops;

// SSE4.2's pcmpgtq and PCLMULQDQ, one struct each for the generic handlers of SseOps: pure
// functions of the 128-bit operands (and imm8), reusable by the VEX and 256-bit forms as the
// SSE4.1 structs are.

/// <summary>pcmpgtq (SSE4.2): signed quadword greater-than.</summary>
internal struct Pcmpgtq : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse42.CompareGreaterThan(d.AsInt64(), s.AsInt64()).AsByte(); }

/// <summary>
/// pclmulqdq xmm1, xmm2/m128, imm8: the carry-less product of d's quadword imm8[0] and s's
/// quadword imm8[4]. The quadwords are chosen here, so the host instruction runs with the
/// constant selector 0 (its imm8 must be a JIT-time constant); bit by bit where the host lacks it.
/// </summary>
internal struct Pclmulqdq : IXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, byte imm)
    {
        ulong a = d.AsUInt64().GetElement(imm & 1);
        ulong b = s.AsUInt64().GetElement((imm >> 4) & 1);
        if (System.Runtime.Intrinsics.X86.Pclmulqdq.IsSupported)
        {
            return System.Runtime.Intrinsics.X86.Pclmulqdq.CarrylessMultiply(Vector128.CreateScalar(a), Vector128.CreateScalar(b), 0).AsByte();
        }
        ulong low = 0, high = 0;
        for (int i = 0; i < 64; i++)
        {
            if (((b >> i) & 1) != 0)
            {
                low ^= a << i;
                high ^= i == 0 ? 0 : a >> (64 - i);
            }
        }
        return Vector128.Create(low, high).AsByte();
    }
}

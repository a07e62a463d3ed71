using System.Runtime.Intrinsics;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Jit;

/// <summary>
/// What compiled code calls for an SSE op with a 64- or 32-bit memory source once its fast path
/// has read the value: the rest of <see cref="SseOps.RM64{T}"/> / <see cref="SseOps.RM32{T}"/>
/// (the value zero-extended to a vector, the operation applied to the destination).
/// </summary>
internal static class XmmCalls
{
    public static void ApplyLow<T>(Cpu c, int dst, ulong value) where T : struct, IXmmOp
    {
        ref Vector128<byte> d = ref c.Xmm(dst);
        d = T.Apply(d, Vector128.CreateScalar(value).AsByte());
    }
}

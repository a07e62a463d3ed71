using System.Runtime.Intrinsics;
using HvSim.Cpu.SimdFloat;

namespace HvSim.Cpu.Ops;

/// <summary>
/// F16C handlers (element rules in <see cref="HalfFloat"/>). vcvtph2ps: Dst, Src the source register
/// or memory of the width in Imm bits 15:8 (8 or 16), Size the destination length. vcvtps2ph: Src the
/// source register, Size its length, Imm bits 7:0 the imm8, Dst a register or memory (8 or 16 bytes).
/// </summary>
internal static unsafe class F16cOps
{
    public static int HalfToSingleR(Cpu c, ref DecodedOp op) => HalfToSingle(c, ref op, c.Xmm(op.Src));

    public static int HalfToSingleM(Cpu c, ref DecodedOp op)
    {
        return AvxOps.Load(c, ref op, out Vector256<byte> source) ? HalfToSingle(c, ref op, source.GetLower()) : Exec.ExitFault;
    }

    private static int HalfToSingle(Cpu c, ref DecodedOp op, Vector128<byte> source)
    {
        uint raised = 0;
        Vector128<byte> low = HalfFloat.ToSingles(source.AsUInt64().ToScalar(), c.Mxcsr, ref raised);
        if (op.Size == 32)
        {
            Vector128<byte> high = HalfFloat.ToSingles(source.AsUInt64().GetElement(1), c.Mxcsr, ref raised);
            return AvxFloatHandlers.Complete256(c, op.Dst, low, high, raised);
        }
        return AvxFloatHandlers.Complete128(c, op.Dst, low, raised);
    }

    public static int SingleToHalfR(Cpu c, ref DecodedOp op)
    {
        uint raised = 0;
        Vector128<byte> result = SingleToHalf(c, ref op, ref raised);
        return AvxFloatHandlers.Complete128(c, op.Dst, result, raised);
    }

    /// <summary>
    /// The memory form: nothing is stored on an unmasked exception; a faulting store leaves MXCSR
    /// alone too, so the flags are made sticky only after the store succeeded.
    /// </summary>
    public static int SingleToHalfM(Cpu c, ref DecodedOp op)
    {
        uint raised = 0;
        Vector128<byte> result = SingleToHalf(c, ref op, ref raised);
        if (Mxcsr.Unmasked(raised, c.Mxcsr) != 0)
        {
            SseFloatHandlers.Report(c, raised);
            return c.Raise(Vector.SimdFloatingPoint);
        }
        ulong va = c.Ea(ref op);
        bool stored = op.Size == 32 ? c.Write128(va, result) : c.Write(va, 8, result.AsUInt64().ToScalar());
        if (!stored)
        {
            return Exec.ExitFault;
        }
        if (!SseFloatHandlers.IsQuiet(raised, c.Mxcsr))
        {
            SseFloatHandlers.Report(c, raised);
        }
        return Exec.Next;
    }

    private static Vector128<byte> SingleToHalf(Cpu c, ref DecodedOp op, ref uint raised)
    {
        byte imm = (byte)op.Imm;
        ulong low = HalfFloat.ToHalves(c.Xmm(op.Src), imm, c.Mxcsr, ref raised);
        ulong high = op.Size == 32 ? HalfFloat.ToHalves(c.YmmHigh(op.Src), imm, c.Mxcsr, ref raised) : 0;
        return Vector128.Create(low, high).AsByte();
    }
}

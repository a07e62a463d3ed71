using System.Runtime.Intrinsics;

namespace HvSim.Cpu.Ops;

/// <summary>
/// dpps/dppd and their VEX forms, stage by stage (<see cref="Dpps"/>, <see cref="Dppd"/>): the
/// products, (for dpps) the pair sums, and the total are each a complete SIMD operation for the
/// exception rules. Each stage's raised flags go through <see cref="SseFloatHandlers.Report"/> before
/// the next stage runs: an unmasked exception ends the instruction (#XM, destination unchanged) with
/// the flags of the earlier stages already sticky, and SDM Vol. 1, 11.5.2's pre-/post-computation
/// rule applies within the stage only. That is what the host shows (AMD): e.g. products that overflow
/// (masked) followed by ∞ − ∞ with IE unmasked leave OE, PE and IE set, and a tiny product with UE
/// unmasked traps without the DE its denormal would raise as an addend. The 256-bit vdpps runs each
/// stage on both 128-bit lanes before the next. Operands as <see cref="AvxOps"/> (legacy: Sub = Dst).
/// </summary>
internal static unsafe class DotProductHandlers
{
    public static int DppsLegacyR(Cpu c, ref DecodedOp op) => Dpps128(c, op.Dst, c.Xmm(op.Dst), c.Xmm(op.Src), (byte)op.Imm, vex: false);

    public static int DppsLegacyM(Cpu c, ref DecodedOp op)
    {
        return SseOps.LoadAligned(c, ref op, out Vector128<byte> source) ? Dpps128(c, op.Dst, c.Xmm(op.Dst), source, (byte)op.Imm, vex: false) : Exec.ExitFault;
    }

    public static int DppsVexR(Cpu c, ref DecodedOp op) => Dpps128(c, op.Dst, c.Xmm(op.Sub), c.Xmm(op.Src), (byte)op.Imm, vex: true);

    public static int DppsVexM(Cpu c, ref DecodedOp op)
    {
        return AvxOps.Load(c, ref op, out Vector256<byte> source) ? Dpps128(c, op.Dst, c.Xmm(op.Sub), source.GetLower(), (byte)op.Imm, vex: true) : Exec.ExitFault;
    }

    public static int Dpps256R(Cpu c, ref DecodedOp op) => Dpps256(c, ref op, c.Ymm(op.Src));

    public static int Dpps256M(Cpu c, ref DecodedOp op)
    {
        return c.Read256(c.Ea(ref op), out Vector256<byte> source) ? Dpps256(c, ref op, source) : Exec.ExitFault;
    }

    public static int DppdLegacyR(Cpu c, ref DecodedOp op) => Dppd128(c, op.Dst, c.Xmm(op.Dst), c.Xmm(op.Src), (byte)op.Imm, vex: false);

    public static int DppdLegacyM(Cpu c, ref DecodedOp op)
    {
        return SseOps.LoadAligned(c, ref op, out Vector128<byte> source) ? Dppd128(c, op.Dst, c.Xmm(op.Dst), source, (byte)op.Imm, vex: false) : Exec.ExitFault;
    }

    public static int DppdVexR(Cpu c, ref DecodedOp op) => Dppd128(c, op.Dst, c.Xmm(op.Sub), c.Xmm(op.Src), (byte)op.Imm, vex: true);

    public static int DppdVexM(Cpu c, ref DecodedOp op)
    {
        return AvxOps.Load(c, ref op, out Vector256<byte> source) ? Dppd128(c, op.Dst, c.Xmm(op.Sub), source.GetLower(), (byte)op.Imm, vex: true) : Exec.ExitFault;
    }

    /// <summary>Makes a stage's flags sticky; false when one is unmasked (the instruction then raises #XM).</summary>
    private static bool Stage(Cpu c, uint raised) => SseFloatHandlers.IsQuiet(raised, c.Mxcsr) || SseFloatHandlers.Report(c, raised);

    private static int Dpps128(Cpu c, int dst, Vector128<byte> a, Vector128<byte> b, byte imm, bool vex)
    {
        uint raised = 0;
        Vector128<uint> products = Dpps.Products(a, b, imm, c.Mxcsr, ref raised);
        if (!Stage(c, raised))
        {
            return c.Raise(Vector.SimdFloatingPoint);
        }
        raised = 0;
        Vector128<uint> pairs = Dpps.PairSums(products, c.Mxcsr, ref raised);
        if (!Stage(c, raised))
        {
            return c.Raise(Vector.SimdFloatingPoint);
        }
        raised = 0;
        Vector128<byte> result = Dpps.Total(pairs, imm, c.Mxcsr, ref raised);
        return Write128(c, dst, result, raised, vex);
    }

    private static int Dpps256(Cpu c, ref DecodedOp op, Vector256<byte> source)
    {
        uint raised = 0;
        byte imm = (byte)op.Imm;
        Vector128<uint> lowProducts = Dpps.Products(c.Xmm(op.Sub), source.GetLower(), imm, c.Mxcsr, ref raised);
        Vector128<uint> highProducts = Dpps.Products(c.YmmHigh(op.Sub), source.GetUpper(), imm, c.Mxcsr, ref raised);
        if (!Stage(c, raised))
        {
            return c.Raise(Vector.SimdFloatingPoint);
        }
        raised = 0;
        Vector128<uint> lowPairs = Dpps.PairSums(lowProducts, c.Mxcsr, ref raised);
        Vector128<uint> highPairs = Dpps.PairSums(highProducts, c.Mxcsr, ref raised);
        if (!Stage(c, raised))
        {
            return c.Raise(Vector.SimdFloatingPoint);
        }
        raised = 0;
        Vector128<byte> low = Dpps.Total(lowPairs, imm, c.Mxcsr, ref raised);
        Vector128<byte> high = Dpps.Total(highPairs, imm, c.Mxcsr, ref raised);
        return AvxFloatHandlers.Complete256(c, op.Dst, low, high, raised);
    }

    private static int Dppd128(Cpu c, int dst, Vector128<byte> a, Vector128<byte> b, byte imm, bool vex)
    {
        uint raised = 0;
        Vector128<ulong> products = Dppd.Products(a, b, imm, c.Mxcsr, ref raised);
        if (!Stage(c, raised))
        {
            return c.Raise(Vector.SimdFloatingPoint);
        }
        raised = 0;
        Vector128<byte> result = Dppd.Total(products, imm, c.Mxcsr, ref raised);
        return Write128(c, dst, result, raised, vex);
    }

    private static int Write128(Cpu c, int dst, Vector128<byte> result, uint raised, bool vex)
    {
        if (vex)
        {
            return AvxFloatHandlers.Complete128(c, dst, result, raised);
        }
        return SseFloatHandlers.Complete(c, ref c.Xmm(dst), result, raised);
    }
}

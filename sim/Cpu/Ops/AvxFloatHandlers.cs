using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HvSim.Cpu.Ops;

/// <summary>
/// The VEX handler shapes of the floating-point instructions (operands as <see cref="AvxOps"/>: Dst,
/// Sub the first source VEX.vvvv or the only source, Src the ModRM.rm register, Imm the imm8 and
/// the memory width). The element semantics are the legacy SSE structs (<see cref="IFloatXmmOp"/>,
/// SimdFloat/): these shapes only add the three-operand form, the 256-bit width (the struct applied
/// to each 128-bit half, flags ORed) and the VEX.128 zeroing of bits 255:128 (SDM Vol. 2A, 2.3.10.1).
/// A scalar struct keeps the first source's upper elements, which is exactly VEX's rule
/// ("DEST[127:32] := SRC1[127:32]", SDM VADDSS). All elements are computed before MXCSR is touched,
/// so an unmasked exception (#XM) leaves the whole destination, upper half included, unchanged.
/// </summary>
internal static unsafe class AvxFloatHandlers
{
    public static int F128R<T>(Cpu c, ref DecodedOp op) where T : struct, IFloatXmmOp
    {
        uint raised = 0;
        Vector128<byte> result = T.Apply(c.Xmm(op.Sub), c.Xmm(op.Src), c.Mxcsr, ref raised);
        return Complete128(c, op.Dst, result, raised);
    }

    public static int F128M<T>(Cpu c, ref DecodedOp op) where T : struct, IFloatXmmOp
    {
        if (!AvxOps.Load(c, ref op, out Vector256<byte> source))
        {
            return Exec.ExitFault;
        }
        uint raised = 0;
        Vector128<byte> result = T.Apply(c.Xmm(op.Sub), source.GetLower(), c.Mxcsr, ref raised);
        return Complete128(c, op.Dst, result, raised);
    }

    public static int F256R<T>(Cpu c, ref DecodedOp op) where T : struct, IFloatXmmOp
    {
        uint raised = 0;
        Vector128<byte> low = T.Apply(c.Xmm(op.Sub), c.Xmm(op.Src), c.Mxcsr, ref raised);
        Vector128<byte> high = T.Apply(c.YmmHigh(op.Sub), c.YmmHigh(op.Src), c.Mxcsr, ref raised);
        return Complete256(c, op.Dst, low, high, raised);
    }

    public static int F256M<T>(Cpu c, ref DecodedOp op) where T : struct, IFloatXmmOp
    {
        if (!c.Read256(c.Ea(ref op), out Vector256<byte> source))
        {
            return Exec.ExitFault;
        }
        uint raised = 0;
        Vector128<byte> low = T.Apply(c.Xmm(op.Sub), source.GetLower(), c.Mxcsr, ref raised);
        Vector128<byte> high = T.Apply(c.YmmHigh(op.Sub), source.GetUpper(), c.Mxcsr, ref raised);
        return Complete256(c, op.Dst, low, high, raised);
    }

    public static int F128RI<T>(Cpu c, ref DecodedOp op) where T : struct, IFloatXmmImmOp
    {
        uint raised = 0;
        Vector128<byte> result = T.Apply(c.Xmm(op.Sub), c.Xmm(op.Src), (byte)op.Imm, c.Mxcsr, ref raised);
        return Complete128(c, op.Dst, result, raised);
    }

    public static int F128MI<T>(Cpu c, ref DecodedOp op) where T : struct, IFloatXmmImmOp
    {
        if (!AvxOps.Load(c, ref op, out Vector256<byte> source))
        {
            return Exec.ExitFault;
        }
        uint raised = 0;
        Vector128<byte> result = T.Apply(c.Xmm(op.Sub), source.GetLower(), (byte)op.Imm, c.Mxcsr, ref raised);
        return Complete128(c, op.Dst, result, raised);
    }

    public static int F256RI<T>(Cpu c, ref DecodedOp op) where T : struct, IFloatXmmImmOp
    {
        uint raised = 0;
        byte imm = (byte)op.Imm;
        Vector128<byte> low = T.Apply(c.Xmm(op.Sub), c.Xmm(op.Src), imm, c.Mxcsr, ref raised);
        Vector128<byte> high = T.Apply(c.YmmHigh(op.Sub), c.YmmHigh(op.Src), imm, c.Mxcsr, ref raised);
        return Complete256(c, op.Dst, low, high, raised);
    }

    public static int F256MI<T>(Cpu c, ref DecodedOp op) where T : struct, IFloatXmmImmOp
    {
        if (!c.Read256(c.Ea(ref op), out Vector256<byte> source))
        {
            return Exec.ExitFault;
        }
        uint raised = 0;
        byte imm = (byte)op.Imm;
        Vector128<byte> low = T.Apply(c.Xmm(op.Sub), source.GetLower(), imm, c.Mxcsr, ref raised);
        Vector128<byte> high = T.Apply(c.YmmHigh(op.Sub), source.GetUpper(), imm, c.Mxcsr, ref raised);
        return Complete256(c, op.Dst, low, high, raised);
    }

    // Widening conversions (vcvtdq2pd, vcvtps2pd ymm, xmm/m128): the struct converts the low two
    // elements of its source, so the upper half of the result comes from the source's upper quadword.

    public static int Widen256R<T>(Cpu c, ref DecodedOp op) where T : struct, IFloatXmmOp => Widen256<T>(c, ref op, c.Xmm(op.Src));

    public static int Widen256M<T>(Cpu c, ref DecodedOp op) where T : struct, IFloatXmmOp
    {
        return c.Read128(c.Ea(ref op), out Vector128<byte> source) ? Widen256<T>(c, ref op, source) : Exec.ExitFault;
    }

    private static int Widen256<T>(Cpu c, ref DecodedOp op, Vector128<byte> source) where T : struct, IFloatXmmOp
    {
        uint raised = 0;
        Vector128<byte> low = T.Apply(source, source, c.Mxcsr, ref raised);
        Vector128<byte> upperQuadword = Vector128.CreateScalar(source.AsUInt64().GetElement(1)).AsByte();
        Vector128<byte> high = T.Apply(upperQuadword, upperQuadword, c.Mxcsr, ref raised);
        return Complete256(c, op.Dst, low, high, raised);
    }

    // Narrowing conversions (vcvtpd2ps, vcvtpd2dq, vcvttpd2dq xmm, ymm/m256): the struct narrows two
    // elements into the low quadword of its result; the four results fill the XMM destination.

    public static int Narrow256R<T>(Cpu c, ref DecodedOp op) where T : struct, IFloatXmmOp => Narrow256<T>(c, ref op, c.Ymm(op.Src));

    public static int Narrow256M<T>(Cpu c, ref DecodedOp op) where T : struct, IFloatXmmOp
    {
        return c.Read256(c.Ea(ref op), out Vector256<byte> source) ? Narrow256<T>(c, ref op, source) : Exec.ExitFault;
    }

    private static int Narrow256<T>(Cpu c, ref DecodedOp op, Vector256<byte> source) where T : struct, IFloatXmmOp
    {
        uint raised = 0;
        Vector128<byte> low = T.Apply(source.GetLower(), source.GetLower(), c.Mxcsr, ref raised);
        Vector128<byte> high = T.Apply(source.GetUpper(), source.GetUpper(), c.Mxcsr, ref raised);
        Vector128<byte> result = Vector128.Create(low.AsUInt64().ToScalar(), high.AsUInt64().ToScalar()).AsByte();
        return Complete128(c, op.Dst, result, raised);
    }

    /// <summary>vcvtsi2ss/vcvtsi2sd xmm1, xmm2, r/m32|r/m64: Sub the first source, Src a GPR slot, Size the integer width.</summary>
    public static int FromGprR<T>(Cpu c, ref DecodedOp op) where T : struct, IGprToXmm => FromGpr<T>(c, ref op, c.ReadReg(op.Src, op.Size));

    public static int FromGprM<T>(Cpu c, ref DecodedOp op) where T : struct, IGprToXmm
    {
        return c.Read(c.Ea(ref op), op.Size, out ulong value) ? FromGpr<T>(c, ref op, value) : Exec.ExitFault;
    }

    private static int FromGpr<T>(Cpu c, ref DecodedOp op, ulong value) where T : struct, IGprToXmm
    {
        uint raised = 0;
        Vector128<byte> result = T.Apply(c.Xmm(op.Sub), value, op.Size == 8, c.Mxcsr, ref raised);
        return Complete128(c, op.Dst, result, raised);
    }

    /// <summary>A VEX.128 result: written with bits 255:128 zeroed unless a raised exception traps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Complete128(Cpu c, int dst, Vector128<byte> result, uint raised)
    {
        if (SseFloatHandlers.IsQuiet(raised, c.Mxcsr) || SseFloatHandlers.Report(c, raised))
        {
            c.SetXmmVex(dst, result);
            return Exec.Next;
        }
        return c.Raise(Vector.SimdFloatingPoint);
    }

    /// <summary>A VEX.256 result: both halves written unless a raised exception (of either half) traps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Complete256(Cpu c, int dst, Vector128<byte> low, Vector128<byte> high, uint raised)
    {
        if (SseFloatHandlers.IsQuiet(raised, c.Mxcsr) || SseFloatHandlers.Report(c, raised))
        {
            c.Xmm(dst) = low;
            c.YmmHigh(dst) = high;
            return Exec.Next;
        }
        return c.Raise(Vector.SimdFloatingPoint);
    }
}

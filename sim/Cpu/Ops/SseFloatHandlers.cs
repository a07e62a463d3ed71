using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using HvSim.Cpu.SimdFloat;

namespace HvSim.Cpu.Ops;

/// <summary>
/// An SSE floating-point operation: the result from the two sources and MXCSR, with the exceptions
/// it raised ORed into <c>raised</c> (MXCSR bits 5:0). For the legacy two-operand forms the first
/// source is the destination; a VEX form passes its first source register instead (the scalar
/// forms keep the first source's upper elements, as VEX.128 does), and a 256-bit form calls the
/// operation once per 128-bit half and ORs the flags before one <see cref="SseFloatHandlers.Report"/>.
/// </summary>
internal interface IFloatXmmOp
{
    static abstract Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint mxcsr, ref uint raised);
}

/// <summary>As <see cref="IFloatXmmOp"/>, with the instruction's imm8.</summary>
internal interface IFloatXmmImmOp
{
    static abstract Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, byte imm, uint mxcsr, ref uint raised);
}

/// <summary>
/// Handler shapes of the SSE floating-point instructions (register or memory source, with or without
/// imm8, as <see cref="SseOps"/>) and the one place where raised exceptions meet MXCSR.
/// </summary>
internal static unsafe class SseFloatHandlers
{
    public static int RR<T>(Cpu c, ref DecodedOp op) where T : struct, IFloatXmmOp
    {
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        uint raised = 0;
        Vector128<byte> result = T.Apply(d, c.Xmm(op.Src), c.Mxcsr, ref raised);
        return Complete(c, ref d, result, raised);
    }

    public static int RM128<T>(Cpu c, ref DecodedOp op) where T : struct, IFloatXmmOp
    {
        if (!SseOps.LoadAligned(c, ref op, out Vector128<byte> source))
        {
            return Exec.ExitFault;
        }
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        uint raised = 0;
        Vector128<byte> result = T.Apply(d, source, c.Mxcsr, ref raised);
        return Complete(c, ref d, result, raised);
    }

    public static int RM64<T>(Cpu c, ref DecodedOp op) where T : struct, IFloatXmmOp
    {
        if (!c.Read(c.Ea(ref op), 8, out ulong value))
        {
            return Exec.ExitFault;
        }
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        uint raised = 0;
        Vector128<byte> result = T.Apply(d, Vector128.CreateScalar(value).AsByte(), c.Mxcsr, ref raised);
        return Complete(c, ref d, result, raised);
    }

    public static int RM32<T>(Cpu c, ref DecodedOp op) where T : struct, IFloatXmmOp
    {
        if (!c.Read(c.Ea(ref op), 4, out ulong value))
        {
            return Exec.ExitFault;
        }
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        uint raised = 0;
        Vector128<byte> result = T.Apply(d, Vector128.CreateScalar((uint)value).AsByte(), c.Mxcsr, ref raised);
        return Complete(c, ref d, result, raised);
    }

    public static int RRI<T>(Cpu c, ref DecodedOp op) where T : struct, IFloatXmmImmOp
    {
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        uint raised = 0;
        Vector128<byte> result = T.Apply(d, c.Xmm(op.Src), (byte)op.Imm, c.Mxcsr, ref raised);
        return Complete(c, ref d, result, raised);
    }

    public static int RM128I<T>(Cpu c, ref DecodedOp op) where T : struct, IFloatXmmImmOp
    {
        if (!SseOps.LoadAligned(c, ref op, out Vector128<byte> source))
        {
            return Exec.ExitFault;
        }
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        uint raised = 0;
        Vector128<byte> result = T.Apply(d, source, (byte)op.Imm, c.Mxcsr, ref raised);
        return Complete(c, ref d, result, raised);
    }

    public static int RM64I<T>(Cpu c, ref DecodedOp op) where T : struct, IFloatXmmImmOp
    {
        if (!c.Read(c.Ea(ref op), 8, out ulong value))
        {
            return Exec.ExitFault;
        }
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        uint raised = 0;
        Vector128<byte> result = T.Apply(d, Vector128.CreateScalar(value).AsByte(), (byte)op.Imm, c.Mxcsr, ref raised);
        return Complete(c, ref d, result, raised);
    }

    public static int RM32I<T>(Cpu c, ref DecodedOp op) where T : struct, IFloatXmmImmOp
    {
        if (!c.Read(c.Ea(ref op), 4, out ulong value))
        {
            return Exec.ExitFault;
        }
        ref Vector128<byte> d = ref c.Xmm(op.Dst);
        uint raised = 0;
        Vector128<byte> result = T.Apply(d, Vector128.CreateScalar((uint)value).AsByte(), (byte)op.Imm, c.Mxcsr, ref raised);
        return Complete(c, ref d, result, raised);
    }

    /// <summary>Writes the result unless a raised exception traps; see <see cref="Report"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Complete(Cpu c, ref Vector128<byte> d, Vector128<byte> result, uint raised)
    {
        if (IsQuiet(raised, c.Mxcsr) || Report(c, raised))
        {
            d = result;
            return Exec.Next;
        }
        return c.Raise(Vector.SimdFloatingPoint);
    }

    /// <summary>Nothing to do: every raised flag is already set and masked (the common case once PE is sticky).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsQuiet(uint raised, uint mxcsr) => (raised & ~(mxcsr & (mxcsr >> Mxcsr.MaskShift))) == 0;

    /// <summary>
    /// Makes raised flags sticky in MXCSR; false when one is unmasked, and then the instruction must
    /// raise #XM and leave its destination alone. SDM Vol. 1, 11.5.2 (and 11.5.1): IE, DE and ZE are
    /// detected before the computation for all elements; if any of them is unmasked only those
    /// pre-computation flags are set, otherwise the post-computation OE, UE and PE are set too.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static bool Report(Cpu c, uint raised)
    {
        uint mxcsr = c.Mxcsr;
        uint unmasked = Mxcsr.Unmasked(raised, mxcsr);
        if ((unmasked & Mxcsr.PreComputation) != 0)
        {
            c.Mxcsr = mxcsr | (raised & Mxcsr.PreComputation);
            return false;
        }
        c.Mxcsr = mxcsr | raised;
        return unmasked == 0;
    }
}

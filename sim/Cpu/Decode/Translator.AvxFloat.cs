using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

/// <summary>
/// The VEX-encoded floating-point arithmetic, compares and conversions (AVX). Each mnemonic reuses
/// the legacy SSE struct of its operation (exact under MXCSR, SimdFloat/) in the VEX shapes of
/// <see cref="AvxFloatHandlers"/>: three operands, VEX.128 zeroing bits 255:128, VEX.256 applying
/// the struct to each 128-bit half (which is how the SDM defines the 256-bit dpps, haddps,
/// addsubps...). The scalar forms take their upper elements from the first source (VEX.vvvv).
/// </summary>
internal static unsafe partial class Translator
{
    private static void RegisterAvxFloat(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, FloatLanes<Addps>, Mnemonic.Vaddps);
        Add(table, FloatLanes<Subps>, Mnemonic.Vsubps);
        Add(table, FloatLanes<Mulps>, Mnemonic.Vmulps);
        Add(table, FloatLanes<Divps>, Mnemonic.Vdivps);
        Add(table, FloatLanes<Minps>, Mnemonic.Vminps);
        Add(table, FloatLanes<Maxps>, Mnemonic.Vmaxps);
        Add(table, FloatLanes<Sqrtps>, Mnemonic.Vsqrtps);
        Add(table, FloatLanes<Addpd>, Mnemonic.Vaddpd);
        Add(table, FloatLanes<Subpd>, Mnemonic.Vsubpd);
        Add(table, FloatLanes<Mulpd>, Mnemonic.Vmulpd);
        Add(table, FloatLanes<Divpd>, Mnemonic.Vdivpd);
        Add(table, FloatLanes<Minpd>, Mnemonic.Vminpd);
        Add(table, FloatLanes<Maxpd>, Mnemonic.Vmaxpd);
        Add(table, FloatLanes<Sqrtpd>, Mnemonic.Vsqrtpd);
        Add(table, FloatLanes<Addsubps>, Mnemonic.Vaddsubps);
        Add(table, FloatLanes<Addsubpd>, Mnemonic.Vaddsubpd);
        Add(table, FloatLanes<Haddps>, Mnemonic.Vhaddps);
        Add(table, FloatLanes<Haddpd>, Mnemonic.Vhaddpd);
        Add(table, FloatLanes<Hsubps>, Mnemonic.Vhsubps);
        Add(table, FloatLanes<Hsubpd>, Mnemonic.Vhsubpd);
        // rcpps/rsqrtps raise nothing and ignore MXCSR: the plain lane-wise shape.
        Add(table, Lanes<Rcpps>, Mnemonic.Vrcpps);
        Add(table, Lanes<Rsqrtps>, Mnemonic.Vrsqrtps);
        Add(table, Lanes<Rcpss>, Mnemonic.Vrcpss);
        Add(table, Lanes<Rsqrtss>, Mnemonic.Vrsqrtss);

        Add(table, FloatLanes<Addss>, Mnemonic.Vaddss);
        Add(table, FloatLanes<Subss>, Mnemonic.Vsubss);
        Add(table, FloatLanes<Mulss>, Mnemonic.Vmulss);
        Add(table, FloatLanes<Divss>, Mnemonic.Vdivss);
        Add(table, FloatLanes<Minss>, Mnemonic.Vminss);
        Add(table, FloatLanes<Maxss>, Mnemonic.Vmaxss);
        Add(table, FloatLanes<Sqrtss>, Mnemonic.Vsqrtss);
        Add(table, FloatLanes<Addsd>, Mnemonic.Vaddsd);
        Add(table, FloatLanes<Subsd>, Mnemonic.Vsubsd);
        Add(table, FloatLanes<Mulsd>, Mnemonic.Vmulsd);
        Add(table, FloatLanes<Divsd>, Mnemonic.Vdivsd);
        Add(table, FloatLanes<Minsd>, Mnemonic.Vminsd);
        Add(table, FloatLanes<Maxsd>, Mnemonic.Vmaxsd);
        Add(table, FloatLanes<Sqrtsd>, Mnemonic.Vsqrtsd);

        Add(table, FloatLanesImm<VexCmpps>, Mnemonic.Vcmpps);
        Add(table, FloatLanesImm<VexCmppd>, Mnemonic.Vcmppd);
        Add(table, FloatLanesImm<VexCmpss>, Mnemonic.Vcmpss);
        Add(table, FloatLanesImm<VexCmpsd>, Mnemonic.Vcmpsd);
        Add(table, TranslateVcomis, Mnemonic.Vcomiss, Mnemonic.Vucomiss, Mnemonic.Vcomisd, Mnemonic.Vucomisd);
        Add(table, TranslateVdpps, Mnemonic.Vdpps);
        Add(table, TranslateVdppd, Mnemonic.Vdppd);
        Add(table, FloatLanesImm<Roundps>, Mnemonic.Vroundps);
        Add(table, FloatLanesImm<Roundpd>, Mnemonic.Vroundpd);
        Add(table, FloatLanesImm<Roundss>, Mnemonic.Vroundss);
        Add(table, FloatLanesImm<Roundsd>, Mnemonic.Vroundsd);

        Add(table, FloatLanes<Cvtdq2ps>, Mnemonic.Vcvtdq2ps);
        Add(table, FloatLanes<Cvtps2dq>, Mnemonic.Vcvtps2dq);
        Add(table, FloatLanes<Cvttps2dq>, Mnemonic.Vcvttps2dq);
        Add(table, FloatWiden<Cvtdq2pd>, Mnemonic.Vcvtdq2pd);
        Add(table, FloatWiden<Cvtps2pd>, Mnemonic.Vcvtps2pd);
        Add(table, FloatNarrow<Cvtpd2dq>, Mnemonic.Vcvtpd2dq);
        Add(table, FloatNarrow<Cvttpd2dq>, Mnemonic.Vcvttpd2dq);
        Add(table, FloatNarrow<Cvtpd2ps>, Mnemonic.Vcvtpd2ps);
        Add(table, FloatLanes<Cvtss2sd>, Mnemonic.Vcvtss2sd);
        Add(table, FloatLanes<Cvtsd2ss>, Mnemonic.Vcvtsd2ss);
        Add(table, VexToGpr<Cvttsd2si>, Mnemonic.Vcvttsd2si);
        Add(table, VexToGpr<Cvtsd2si>, Mnemonic.Vcvtsd2si);
        Add(table, VexToGpr<Cvttss2si>, Mnemonic.Vcvttss2si);
        Add(table, VexToGpr<Cvtss2si>, Mnemonic.Vcvtss2si);
        Add(table, VexFromGpr<Cvtsi2sd>, Mnemonic.Vcvtsi2sd);
        Add(table, VexFromGpr<Cvtsi2ss>, Mnemonic.Vcvtsi2ss);
    }

    /// <summary>A floating-point operation on 128 or 256 bits (the scalar forms only exist at 128).</summary>
    private static bool FloatLanes<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IFloatXmmOp
    {
        return VexForm(instruction, ref op, &AvxFloatHandlers.F128R<T>, &AvxFloatHandlers.F128M<T>, &AvxFloatHandlers.F256R<T>, &AvxFloatHandlers.F256M<T>);
    }

    private static bool FloatLanesImm<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IFloatXmmImmOp
    {
        return VexForm(instruction, ref op, &AvxFloatHandlers.F128RI<T>, &AvxFloatHandlers.F128MI<T>, &AvxFloatHandlers.F256RI<T>, &AvxFloatHandlers.F256MI<T>);
    }

    /// <summary>vdpps/vdppd: the staged handlers of DotProductHandlers (vdppd has no 256-bit form).</summary>
    private static bool TranslateVdpps(in Instruction instruction, ref DecodedOp op)
    {
        return VexForm(instruction, ref op, &DotProductHandlers.DppsVexR, &DotProductHandlers.DppsVexM, &DotProductHandlers.Dpps256R, &DotProductHandlers.Dpps256M);
    }

    private static bool TranslateVdppd(in Instruction instruction, ref DecodedOp op)
    {
        return VexForm(instruction, ref op, &DotProductHandlers.DppdVexR, &DotProductHandlers.DppdVexM, null, null);
    }

    /// <summary>vcvtdq2pd/vcvtps2pd: xmm, xmm/m64 or ymm, xmm/m128 (the 256-bit destination reads a 128-bit source).</summary>
    private static bool FloatWiden<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IFloatXmmOp
    {
        return VexForm(instruction, ref op, &AvxFloatHandlers.F128R<T>, &AvxFloatHandlers.F128M<T>, &AvxFloatHandlers.Widen256R<T>, &AvxFloatHandlers.Widen256M<T>);
    }

    /// <summary>vcvtpd2ps/vcvt(t)pd2dq: xmm, xmm/m128 or xmm, ymm/m256 (the source's length picks the form).</summary>
    private static bool FloatNarrow<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IFloatXmmOp
    {
        bool wideSource = instruction.Op1Kind == OpKind.Register ? instruction.Op1Register.IsYMM() : instruction.MemorySize.GetSize() == 32;
        return wideSource
            ? VexForm(instruction, ref op, &AvxFloatHandlers.Narrow256R<T>, &AvxFloatHandlers.Narrow256M<T>, null, null)
            : VexForm(instruction, ref op, &AvxFloatHandlers.F128R<T>, &AvxFloatHandlers.F128M<T>, null, null);
    }

    /// <summary>vcomiss/vucomiss/vcomisd/vucomisd: the legacy handlers (flags only, no vector result) with the VEX mnemonics.</summary>
    private static bool TranslateVcomis(in Instruction instruction, ref DecodedOp op)
    {
        if (!IsVex(instruction, ref op) || !XmmSource(instruction, ref op, &SseFloatOps.ComisR, &SseFloatOps.ComisM))
        {
            return false;
        }
        op.Sub = (byte)(instruction.Mnemonic is Mnemonic.Vcomisd or Mnemonic.Vucomisd ? 8 : 4);
        op.Size = (byte)(instruction.Mnemonic is Mnemonic.Vcomiss or Mnemonic.Vcomisd ? 1 : 0);
        return true;
    }

    /// <summary>vcvt(t)sd2si/vcvt(t)ss2si r32/r64, xmm/m64|m32: the legacy handlers (a GPR result, no vector write).</summary>
    private static bool VexToGpr<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IXmmToGpr
    {
        if (!IsVex(instruction, ref op) || !Gpr(instruction.Op0Register, out op.Dst))
        {
            return false;
        }
        op.Size = (byte)OperandSize(instruction, 0);
        op.Sub = (byte)(instruction.Mnemonic is Mnemonic.Vcvttsd2si or Mnemonic.Vcvtsd2si ? 8 : 4);
        if (instruction.Op1Kind == OpKind.Register)
        {
            op.Handler = &SseFloatOps.ToGprR<T>;
            return Xmm(instruction.Op1Register, out op.Src);
        }
        op.Handler = &SseFloatOps.ToGprM<T>;
        return instruction.Op1Kind == OpKind.Memory && SetMemory(instruction, ref op);
    }

    /// <summary>vcvtsi2sd/vcvtsi2ss xmm1, xmm2, r/m32|r/m64: Sub the first source, Size the integer width.</summary>
    private static bool VexFromGpr<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IGprToXmm
    {
        if (!IsVex(instruction, ref op) || instruction.OpCount != 3
            || !Vector(instruction.Op0Register, out op.Dst) || !Vector(instruction.Op1Register, out op.Sub))
        {
            return false;
        }
        op.Size = (byte)OperandSize(instruction, 2);
        if (instruction.Op2Kind == OpKind.Register)
        {
            op.Handler = &AvxFloatHandlers.FromGprR<T>;
            return Gpr(instruction.Op2Register, out op.Src);
        }
        op.Handler = &AvxFloatHandlers.FromGprM<T>;
        return instruction.Op2Kind == OpKind.Memory && SetMemory(instruction, ref op);
    }
}

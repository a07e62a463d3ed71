using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

/// <summary>SSE/SSE2 floating point (arithmetic, compares, conversions, MXCSR access) and the SSE3/SSE4.1 floating-point arithmetic.</summary>
internal static unsafe partial class Translator
{
    private static void RegisterSseFloat(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, FloatPacked<Addps>, Mnemonic.Addps);
        Add(table, FloatPacked<Subps>, Mnemonic.Subps);
        Add(table, FloatPacked<Mulps>, Mnemonic.Mulps);
        Add(table, FloatPacked<Divps>, Mnemonic.Divps);
        Add(table, FloatPacked<Minps>, Mnemonic.Minps);
        Add(table, FloatPacked<Maxps>, Mnemonic.Maxps);
        Add(table, FloatPacked<Sqrtps>, Mnemonic.Sqrtps);
        Add(table, Packed<Rcpps>, Mnemonic.Rcpps);
        Add(table, Packed<Rsqrtps>, Mnemonic.Rsqrtps);
        Add(table, FloatPacked<Addpd>, Mnemonic.Addpd);
        Add(table, FloatPacked<Subpd>, Mnemonic.Subpd);
        Add(table, FloatPacked<Mulpd>, Mnemonic.Mulpd);
        Add(table, FloatPacked<Divpd>, Mnemonic.Divpd);
        Add(table, FloatPacked<Minpd>, Mnemonic.Minpd);
        Add(table, FloatPacked<Maxpd>, Mnemonic.Maxpd);
        Add(table, FloatPacked<Sqrtpd>, Mnemonic.Sqrtpd);

        Add(table, FloatLow32<Addss>, Mnemonic.Addss);
        Add(table, FloatLow32<Subss>, Mnemonic.Subss);
        Add(table, FloatLow32<Mulss>, Mnemonic.Mulss);
        Add(table, FloatLow32<Divss>, Mnemonic.Divss);
        Add(table, FloatLow32<Minss>, Mnemonic.Minss);
        Add(table, FloatLow32<Maxss>, Mnemonic.Maxss);
        Add(table, FloatLow32<Sqrtss>, Mnemonic.Sqrtss);
        Add(table, Low32<Rcpss>, Mnemonic.Rcpss);
        Add(table, Low32<Rsqrtss>, Mnemonic.Rsqrtss);
        Add(table, FloatLow64<Addsd>, Mnemonic.Addsd);
        Add(table, FloatLow64<Subsd>, Mnemonic.Subsd);
        Add(table, FloatLow64<Mulsd>, Mnemonic.Mulsd);
        Add(table, FloatLow64<Divsd>, Mnemonic.Divsd);
        Add(table, FloatLow64<Minsd>, Mnemonic.Minsd);
        Add(table, FloatLow64<Maxsd>, Mnemonic.Maxsd);
        Add(table, FloatLow64<Sqrtsd>, Mnemonic.Sqrtsd);

        Add(table, FloatPackedImm<Cmpps>, Mnemonic.Cmpps);
        Add(table, FloatPackedImm<Cmppd>, Mnemonic.Cmppd);
        Add(table, FloatLow32Imm<Cmpss>, Mnemonic.Cmpss);
        // cmpsd xmm, xmm/m64, imm8 arrives through TranslateSseScalarDouble (the mnemonic is shared with the string cmpsd).
        Add(table, TranslateComis, Mnemonic.Comiss, Mnemonic.Ucomiss, Mnemonic.Comisd, Mnemonic.Ucomisd);

        Add(table, FloatPacked<Cvtdq2ps>, Mnemonic.Cvtdq2ps);
        Add(table, FloatPacked<Cvtps2dq>, Mnemonic.Cvtps2dq);
        Add(table, FloatPacked<Cvttps2dq>, Mnemonic.Cvttps2dq);
        Add(table, FloatPacked<Cvtpd2dq>, Mnemonic.Cvtpd2dq);
        Add(table, FloatPacked<Cvttpd2dq>, Mnemonic.Cvttpd2dq);
        Add(table, FloatPacked<Cvtpd2ps>, Mnemonic.Cvtpd2ps);
        Add(table, FloatLow64<Cvtdq2pd>, Mnemonic.Cvtdq2pd);
        Add(table, FloatLow64<Cvtps2pd>, Mnemonic.Cvtps2pd);
        Add(table, FloatLow32<Cvtss2sd>, Mnemonic.Cvtss2sd);
        Add(table, FloatLow64<Cvtsd2ss>, Mnemonic.Cvtsd2ss);
        Add(table, ToGpr<Cvttsd2si>, Mnemonic.Cvttsd2si);
        Add(table, ToGpr<Cvtsd2si>, Mnemonic.Cvtsd2si);
        Add(table, ToGpr<Cvttss2si>, Mnemonic.Cvttss2si);
        Add(table, ToGpr<Cvtss2si>, Mnemonic.Cvtss2si);
        Add(table, FromGpr<Cvtsi2sd>, Mnemonic.Cvtsi2sd);
        Add(table, FromGpr<Cvtsi2ss>, Mnemonic.Cvtsi2ss);

        Add(table, TranslateMxcsr, Mnemonic.Ldmxcsr, Mnemonic.Stmxcsr);

        // SSE3 and SSE4.1 floating-point arithmetic.
        Add(table, FloatPacked<Addsubps>, Mnemonic.Addsubps);
        Add(table, FloatPacked<Addsubpd>, Mnemonic.Addsubpd);
        Add(table, FloatPacked<Haddps>, Mnemonic.Haddps);
        Add(table, FloatPacked<Haddpd>, Mnemonic.Haddpd);
        Add(table, FloatPacked<Hsubps>, Mnemonic.Hsubps);
        Add(table, FloatPacked<Hsubpd>, Mnemonic.Hsubpd);
        Add(table, TranslateDotProduct, Mnemonic.Dpps, Mnemonic.Dppd);
        Add(table, FloatPackedImm<Roundps>, Mnemonic.Roundps);
        Add(table, FloatPackedImm<Roundpd>, Mnemonic.Roundpd);
        Add(table, FloatLow32Imm<Roundss>, Mnemonic.Roundss);
        Add(table, FloatLow64Imm<Roundsd>, Mnemonic.Roundsd);
    }

    /// <summary>dpps/dppd xmm, xmm/m128 (aligned), imm8: the staged handlers of DotProductHandlers.</summary>
    private static bool TranslateDotProduct(in Instruction instruction, ref DecodedOp op)
    {
        op.Imm = instruction.Immediate8;
        return instruction.Mnemonic == Mnemonic.Dpps
            ? XmmSource(instruction, ref op, &DotProductHandlers.DppsLegacyR, &DotProductHandlers.DppsLegacyM)
            : XmmSource(instruction, ref op, &DotProductHandlers.DppdLegacyR, &DotProductHandlers.DppdLegacyM);
    }

    /// <summary>(u)comiss/(u)comisd: Sub is the element width (4 or 8), Size 1 for the signalling comis.</summary>
    private static bool TranslateComis(in Instruction instruction, ref DecodedOp op)
    {
        if (!XmmSource(instruction, ref op, &SseFloatOps.ComisR, &SseFloatOps.ComisM))
        {
            return false;
        }
        op.Sub = (byte)(instruction.Mnemonic is Mnemonic.Comisd or Mnemonic.Ucomisd ? 8 : 4);
        op.Size = (byte)(instruction.Mnemonic is Mnemonic.Comiss or Mnemonic.Comisd ? 1 : 0);
        return true;
    }

    // Operand shapes of the floating-point forms (as Packed, Low64... of Translator.Sse.cs, with MXCSR-aware handlers).

    /// <summary>xmm, xmm/m128 with the m128 16-byte aligned.</summary>
    private static bool FloatPacked<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IFloatXmmOp
    {
        return XmmSource(instruction, ref op, &SseFloatHandlers.RR<T>, &SseFloatHandlers.RM128<T>);
    }

    /// <summary>xmm, xmm/m64 (scalar double and the half-width conversions; no alignment).</summary>
    private static bool FloatLow64<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IFloatXmmOp
    {
        return XmmSource(instruction, ref op, &SseFloatHandlers.RR<T>, &SseFloatHandlers.RM64<T>);
    }

    /// <summary>xmm, xmm/m32 (scalar single; no alignment).</summary>
    private static bool FloatLow32<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IFloatXmmOp
    {
        return XmmSource(instruction, ref op, &SseFloatHandlers.RR<T>, &SseFloatHandlers.RM32<T>);
    }

    private static bool FloatPackedImm<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IFloatXmmImmOp
    {
        op.Imm = instruction.Immediate8;
        return XmmSource(instruction, ref op, &SseFloatHandlers.RRI<T>, &SseFloatHandlers.RM128I<T>);
    }

    private static bool FloatLow64Imm<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IFloatXmmImmOp
    {
        op.Imm = instruction.Immediate8;
        return XmmSource(instruction, ref op, &SseFloatHandlers.RRI<T>, &SseFloatHandlers.RM64I<T>);
    }

    private static bool FloatLow32Imm<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IFloatXmmImmOp
    {
        op.Imm = instruction.Immediate8;
        return XmmSource(instruction, ref op, &SseFloatHandlers.RRI<T>, &SseFloatHandlers.RM32I<T>);
    }

    /// <summary>cvt(t)sd2si/cvt(t)ss2si r32/r64, xmm/m64|m32: Size is the GPR width, Sub the memory width.</summary>
    private static bool ToGpr<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IXmmToGpr
    {
        op.Size = (byte)OperandSize(instruction, 0);
        op.Sub = (byte)(instruction.Mnemonic is Mnemonic.Cvttsd2si or Mnemonic.Cvtsd2si ? 8 : 4);
        if ((op.Flags & OpFlags.Lock) != 0 || !Gpr(instruction.Op0Register, out op.Dst))
        {
            return false;
        }
        if (instruction.Op1Kind == OpKind.Register)
        {
            op.Handler = &SseFloatOps.ToGprR<T>;
            return Xmm(instruction.Op1Register, out op.Src);
        }
        op.Handler = &SseFloatOps.ToGprM<T>;
        return SetMemory(instruction, ref op);
    }

    /// <summary>cvtsi2sd/cvtsi2ss xmm, r/m32|r/m64: Size is the integer width.</summary>
    private static bool FromGpr<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IGprToXmm
    {
        op.Size = (byte)OperandSize(instruction, 1);
        if ((op.Flags & OpFlags.Lock) != 0 || !Xmm(instruction.Op0Register, out op.Dst))
        {
            return false;
        }
        if (instruction.Op1Kind == OpKind.Register)
        {
            op.Handler = &SseFloatOps.FromGprR<T>;
            return Gpr(instruction.Op1Register, out op.Src);
        }
        op.Handler = &SseFloatOps.FromGprM<T>;
        return SetMemory(instruction, ref op);
    }

    private static bool TranslateMxcsr(in Instruction instruction, ref DecodedOp op)
    {
        op.Size = 4;
        op.Handler = instruction.Mnemonic == Mnemonic.Ldmxcsr ? &SseFloatOps.Ldmxcsr : &SseFloatOps.Stmxcsr;
        return (op.Flags & OpFlags.Lock) == 0 && instruction.Op0Kind == OpKind.Memory && SetMemory(instruction, ref op);
    }
}

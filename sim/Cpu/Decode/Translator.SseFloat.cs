using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

/// <summary>SSE/SSE2 floating point: arithmetic, compares, conversions and MXCSR access.</summary>
internal static unsafe partial class Translator
{
    private static void RegisterSseFloat(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, Packed<Addps>, Mnemonic.Addps);
        Add(table, Packed<Subps>, Mnemonic.Subps);
        Add(table, Packed<Mulps>, Mnemonic.Mulps);
        Add(table, Packed<Divps>, Mnemonic.Divps);
        Add(table, Packed<Minps>, Mnemonic.Minps);
        Add(table, Packed<Maxps>, Mnemonic.Maxps);
        Add(table, Packed<Sqrtps>, Mnemonic.Sqrtps);
        Add(table, Packed<Rcpps>, Mnemonic.Rcpps);
        Add(table, Packed<Rsqrtps>, Mnemonic.Rsqrtps);
        Add(table, Packed<Addpd>, Mnemonic.Addpd);
        Add(table, Packed<Subpd>, Mnemonic.Subpd);
        Add(table, Packed<Mulpd>, Mnemonic.Mulpd);
        Add(table, Packed<Divpd>, Mnemonic.Divpd);
        Add(table, Packed<Minpd>, Mnemonic.Minpd);
        Add(table, Packed<Maxpd>, Mnemonic.Maxpd);
        Add(table, Packed<Sqrtpd>, Mnemonic.Sqrtpd);

        Add(table, Low32<Addss>, Mnemonic.Addss);
        Add(table, Low32<Subss>, Mnemonic.Subss);
        Add(table, Low32<Mulss>, Mnemonic.Mulss);
        Add(table, Low32<Divss>, Mnemonic.Divss);
        Add(table, Low32<Minss>, Mnemonic.Minss);
        Add(table, Low32<Maxss>, Mnemonic.Maxss);
        Add(table, Low32<Sqrtss>, Mnemonic.Sqrtss);
        Add(table, Low32<Rcpss>, Mnemonic.Rcpss);
        Add(table, Low32<Rsqrtss>, Mnemonic.Rsqrtss);
        Add(table, Low64<Addsd>, Mnemonic.Addsd);
        Add(table, Low64<Subsd>, Mnemonic.Subsd);
        Add(table, Low64<Mulsd>, Mnemonic.Mulsd);
        Add(table, Low64<Divsd>, Mnemonic.Divsd);
        Add(table, Low64<Minsd>, Mnemonic.Minsd);
        Add(table, Low64<Maxsd>, Mnemonic.Maxsd);
        Add(table, Low64<Sqrtsd>, Mnemonic.Sqrtsd);

        Add(table, PackedImm<Cmpps>, Mnemonic.Cmpps);
        Add(table, PackedImm<Cmppd>, Mnemonic.Cmppd);
        Add(table, Low32Imm<Cmpss>, Mnemonic.Cmpss);
        // cmpsd xmm, xmm/m64, imm8 arrives through TranslateSseScalarDouble (the mnemonic is shared with the string cmpsd).
        Add(table, TranslateComis, Mnemonic.Comiss, Mnemonic.Ucomiss, Mnemonic.Comisd, Mnemonic.Ucomisd);

        Add(table, Packed<Cvtdq2ps>, Mnemonic.Cvtdq2ps);
        Add(table, Packed<Cvtps2dq>, Mnemonic.Cvtps2dq);
        Add(table, Packed<Cvttps2dq>, Mnemonic.Cvttps2dq);
        Add(table, Packed<Cvtpd2dq>, Mnemonic.Cvtpd2dq);
        Add(table, Packed<Cvttpd2dq>, Mnemonic.Cvttpd2dq);
        Add(table, Packed<Cvtpd2ps>, Mnemonic.Cvtpd2ps);
        Add(table, Low64<Cvtdq2pd>, Mnemonic.Cvtdq2pd);
        Add(table, Low64<Cvtps2pd>, Mnemonic.Cvtps2pd);
        Add(table, Low32<Cvtss2sd>, Mnemonic.Cvtss2sd);
        Add(table, Low64<Cvtsd2ss>, Mnemonic.Cvtsd2ss);
        Add(table, ToGpr<Cvttsd2si>, Mnemonic.Cvttsd2si);
        Add(table, ToGpr<Cvtsd2si>, Mnemonic.Cvtsd2si);
        Add(table, ToGpr<Cvttss2si>, Mnemonic.Cvttss2si);
        Add(table, ToGpr<Cvtss2si>, Mnemonic.Cvtss2si);
        Add(table, FromGpr<Cvtsi2sd>, Mnemonic.Cvtsi2sd);
        Add(table, FromGpr<Cvtsi2ss>, Mnemonic.Cvtsi2ss);

        Add(table, TranslateMxcsr, Mnemonic.Ldmxcsr, Mnemonic.Stmxcsr);
    }

    private static bool TranslateComis(in Instruction instruction, ref DecodedOp op)
    {
        bool isDouble = instruction.Mnemonic is Mnemonic.Comisd or Mnemonic.Ucomisd;
        return isDouble
            ? XmmSource(instruction, ref op, &SseFloatOps.ComisdR, &SseFloatOps.ComisdM)
            : XmmSource(instruction, ref op, &SseFloatOps.ComissR, &SseFloatOps.ComissM);
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

using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

/// <summary>F16C (CPUID.1:ECX.F16C): vcvtph2ps and vcvtps2ph at 128 and 256 bits, register and memory forms.</summary>
internal static unsafe partial class Translator
{
    private static void RegisterF16c(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, TranslateVcvtph2ps, Mnemonic.Vcvtph2ps);
        Add(table, TranslateVcvtps2ph, Mnemonic.Vcvtps2ph);
    }

    /// <summary>vcvtph2ps xmm1, xmm2/m64 or ymm1, xmm2/m128: two operands, the length from the destination.</summary>
    private static bool TranslateVcvtph2ps(in Instruction instruction, ref DecodedOp op)
    {
        return instruction.OpCount == 2
            && VexForm(instruction, ref op, &F16cOps.HalfToSingleR, &F16cOps.HalfToSingleM, &F16cOps.HalfToSingleR, &F16cOps.HalfToSingleM);
    }

    /// <summary>vcvtps2ph xmm1/m64, xmm2, imm8 or xmm1/m128, ymm2, imm8: the length from the source.</summary>
    private static bool TranslateVcvtps2ph(in Instruction instruction, ref DecodedOp op)
    {
        if (!IsVex(instruction, ref op) || instruction.OpCount != 3 || instruction.Op2Kind != OpKind.Immediate8
            || instruction.Op1Kind != OpKind.Register || !Vector(instruction.Op1Register, out op.Src))
        {
            return false;
        }
        op.Size = (byte)(instruction.Op1Register.IsYMM() ? 32 : 16);
        op.Imm = instruction.Immediate8;
        if (instruction.Op0Kind == OpKind.Register)
        {
            op.Handler = &F16cOps.SingleToHalfR;
            return Vector(instruction.Op0Register, out op.Dst);
        }
        op.Handler = &F16cOps.SingleToHalfM;
        return instruction.Op0Kind == OpKind.Memory && SetMemory(instruction, ref op);
    }
}

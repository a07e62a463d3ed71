using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

internal static unsafe partial class Translator
{
    private static void RegisterMulDiv(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, TranslateMultiply, Mnemonic.Mul, Mnemonic.Imul);
        Add(table, TranslateDivide, Mnemonic.Div, Mnemonic.Idiv);
    }

    /// <summary>mul r/m; imul r/m; imul reg, r/m; imul reg, r/m, imm.</summary>
    private static bool TranslateMultiply(in Instruction instruction, ref DecodedOp op)
    {
        op.Sub = instruction.Mnemonic == Mnemonic.Imul ? MulDivOps.Signed : (byte)0;
        op.Size = (byte)OperandSize(instruction, 0);
        if ((op.Flags & OpFlags.Lock) != 0)
        {
            return false;
        }
        switch (instruction.OpCount)
        {
            case 1:
                if (instruction.Op0Kind == OpKind.Register)
                {
                    op.Handler = &MulDivOps.WideningR;
                    return Gpr(instruction.Op0Register, out op.Src);
                }
                op.Handler = &MulDivOps.WideningM;
                return SetMemory(instruction, ref op);
            case 2:
                if (!Gpr(instruction.Op0Register, out op.Dst))
                {
                    return false;
                }
                if (instruction.Op1Kind == OpKind.Register)
                {
                    op.Handler = &MulDivOps.ImulRR;
                    return Gpr(instruction.Op1Register, out op.Src);
                }
                op.Handler = &MulDivOps.ImulRM;
                return SetMemory(instruction, ref op);
            case 3:
                if (!Gpr(instruction.Op0Register, out op.Dst))
                {
                    return false;
                }
                op.Imm = Immediate(instruction, 2, op.Size); // imm8/imm16/imm32, sign-extended by Iced
                if (instruction.Op1Kind == OpKind.Register)
                {
                    op.Handler = &MulDivOps.ImulRRI;
                    return Gpr(instruction.Op1Register, out op.Src);
                }
                op.Handler = &MulDivOps.ImulRMI;
                return SetMemory(instruction, ref op);
            default:
                return false;
        }
    }

    /// <summary>div r/m; idiv r/m.</summary>
    private static bool TranslateDivide(in Instruction instruction, ref DecodedOp op)
    {
        op.Sub = instruction.Mnemonic == Mnemonic.Idiv ? MulDivOps.Signed : (byte)0;
        op.Size = (byte)OperandSize(instruction, 0);
        if ((op.Flags & OpFlags.Lock) != 0 || instruction.OpCount != 1)
        {
            return false;
        }
        if (instruction.Op0Kind == OpKind.Register)
        {
            op.Handler = &MulDivOps.DivideR;
            return Gpr(instruction.Op0Register, out op.Src);
        }
        op.Handler = &MulDivOps.DivideM;
        return SetMemory(instruction, ref op);
    }
}

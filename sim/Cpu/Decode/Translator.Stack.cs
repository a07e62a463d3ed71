using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

internal static unsafe partial class Translator
{
    private static void RegisterStack(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, TranslatePush, Mnemonic.Push);
        Add(table, TranslatePop, Mnemonic.Pop);
        Add(table, TranslateLeave, Mnemonic.Leave);
        Add(table, TranslateEnter, Mnemonic.Enter);
        Add(table, TranslatePushf, Mnemonic.Pushfq, Mnemonic.Pushf);
        Add(table, TranslatePopf, Mnemonic.Popfq, Mnemonic.Popf);
    }

    private static bool TranslatePush(in Instruction instruction, ref DecodedOp op)
    {
        op.Size = (byte)(instruction.StackPointerIncrement == -2 ? 2 : 8);
        switch (instruction.Op0Kind)
        {
            case OpKind.Register:
                op.Handler = &StackOps.PushR;
                return Gpr(instruction.Op0Register, out op.Src); // push fs/gs is not supported
            case OpKind.Memory:
                op.Handler = &StackOps.PushM;
                return SetMemory(instruction, ref op);
            default:
                op.Imm = Cpu.Mask(instruction.GetImmediate(0), op.Size);
                op.Handler = &StackOps.PushI;
                return true;
        }
    }

    private static bool TranslatePop(in Instruction instruction, ref DecodedOp op)
    {
        op.Size = (byte)(instruction.StackPointerIncrement == 2 ? 2 : 8);
        if (instruction.Op0Kind == OpKind.Register)
        {
            op.Handler = &StackOps.PopR;
            return Gpr(instruction.Op0Register, out op.Dst);
        }
        op.Handler = &StackOps.PopM;
        return SetMemory(instruction, ref op);
    }

    private static bool TranslateLeave(in Instruction instruction, ref DecodedOp op)
    {
        op.Size = (byte)(instruction.Code == Code.Leaveq ? 8 : 2);
        op.Handler = &StackOps.Leave;
        return true;
    }

    private static bool TranslateEnter(in Instruction instruction, ref DecodedOp op)
    {
        op.Size = (byte)(instruction.Code == Code.Enterq_imm16_imm8 ? 8 : 2);
        op.Imm = instruction.Immediate16;
        op.Sub = (byte)(instruction.Immediate8_2nd & 0x1F);
        op.Handler = &StackOps.Enter;
        return true;
    }

    private static bool TranslatePushf(in Instruction instruction, ref DecodedOp op)
    {
        op.Size = (byte)(instruction.Code == Code.Pushfq ? 8 : 2);
        op.Handler = &StackOps.Pushf;
        return true;
    }

    private static bool TranslatePopf(in Instruction instruction, ref DecodedOp op)
    {
        op.Size = (byte)(instruction.Code == Code.Popfq ? 8 : 2);
        op.Handler = &StackOps.Popf;
        return true;
    }
}

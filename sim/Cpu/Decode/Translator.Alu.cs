using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

internal static unsafe partial class Translator
{
    private static void RegisterAlu(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, TranslateBinaryAlu,
            Mnemonic.Add, Mnemonic.Or, Mnemonic.Adc, Mnemonic.Sbb, Mnemonic.And, Mnemonic.Sub, Mnemonic.Xor, Mnemonic.Cmp, Mnemonic.Test);
        Add(table, TranslateUnaryAlu, Mnemonic.Inc, Mnemonic.Dec, Mnemonic.Neg, Mnemonic.Not);
    }

    private static bool TranslateBinaryAlu(in Instruction instruction, ref DecodedOp op)
    {
        op.Sub = instruction.Mnemonic switch
        {
            Mnemonic.Add => AluOps.Add,
            Mnemonic.Or => AluOps.Or,
            Mnemonic.Adc => AluOps.Adc,
            Mnemonic.Sbb => AluOps.Sbb,
            Mnemonic.And => AluOps.And,
            Mnemonic.Sub => AluOps.Sub,
            Mnemonic.Xor => AluOps.Xor,
            Mnemonic.Cmp => AluOps.Cmp,
            _ => AluOps.Test,
        };
        op.Size = (byte)OperandSize(instruction, 0);
        OpKind destination = instruction.Op0Kind;
        OpKind source = instruction.Op1Kind;
        bool locked = (op.Flags & OpFlags.Lock) != 0;
        if (locked && (destination != OpKind.Memory || op.Sub >= AluOps.Cmp))
        {
            return false; // lock needs a memory destination that is written (#UD otherwise)
        }
        if (destination == OpKind.Register)
        {
            if (!Gpr(instruction.Op0Register, out op.Dst))
            {
                return false;
            }
            if (source == OpKind.Register)
            {
                op.Handler = AluFast.RegisterForm(op.Sub, op.Size);
                if (op.Handler == null)
                {
                    op.Handler = &AluOps.BinaryRR;
                }
                return Gpr(instruction.Op1Register, out op.Src);
            }
            if (source == OpKind.Memory)
            {
                op.Handler = &AluOps.BinaryRM;
                return SetMemory(instruction, ref op);
            }
            op.Imm = Immediate(instruction, 1, op.Size);
            op.Handler = AluFast.ImmediateForm(op.Sub, op.Size);
            if (op.Handler == null)
            {
                op.Handler = &AluOps.BinaryRI;
            }
            return true;
        }
        if (destination != OpKind.Memory || !SetMemory(instruction, ref op))
        {
            return false;
        }
        if (source == OpKind.Register)
        {
            op.Handler = &AluOps.BinaryMR;
            return Gpr(instruction.Op1Register, out op.Src);
        }
        op.Imm = Immediate(instruction, 1, op.Size);
        op.Handler = &AluOps.BinaryMI;
        return true;
    }

    private static bool TranslateUnaryAlu(in Instruction instruction, ref DecodedOp op)
    {
        op.Sub = instruction.Mnemonic switch
        {
            Mnemonic.Inc => AluOps.Inc,
            Mnemonic.Dec => AluOps.Dec,
            Mnemonic.Neg => AluOps.Neg,
            _ => AluOps.Not,
        };
        op.Size = (byte)OperandSize(instruction, 0);
        if (instruction.Op0Kind == OpKind.Register)
        {
            if ((op.Flags & OpFlags.Lock) != 0)
            {
                return false;
            }
            op.Handler = &AluOps.UnaryR;
            return Gpr(instruction.Op0Register, out op.Dst);
        }
        op.Handler = &AluOps.UnaryM;
        return SetMemory(instruction, ref op);
    }
}

using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

internal static unsafe partial class Translator
{
    private static void RegisterBranch(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, TranslateJmp, Mnemonic.Jmp);
        Add(table, TranslateJcc,
            Mnemonic.Jo, Mnemonic.Jno, Mnemonic.Jb, Mnemonic.Jae, Mnemonic.Je, Mnemonic.Jne, Mnemonic.Jbe, Mnemonic.Ja,
            Mnemonic.Js, Mnemonic.Jns, Mnemonic.Jp, Mnemonic.Jnp, Mnemonic.Jl, Mnemonic.Jge, Mnemonic.Jle, Mnemonic.Jg);
        Add(table, TranslateCall, Mnemonic.Call);
        Add(table, TranslateRet, Mnemonic.Ret);
        Add(table, TranslateLoop, Mnemonic.Jrcxz, Mnemonic.Jecxz, Mnemonic.Loop, Mnemonic.Loope, Mnemonic.Loopne);
    }

    private static bool TranslateJmp(in Instruction instruction, ref DecodedOp op)
    {
        switch (instruction.Op0Kind)
        {
            case OpKind.NearBranch64:
                op.Imm = instruction.NearBranch64;
                op.Handler = &BranchOps.Jmp;
                return true;
            case OpKind.Register:
                op.Handler = &BranchOps.JmpR;
                return instruction.Op0Register.IsGPR64() && Gpr(instruction.Op0Register, out op.Src);
            case OpKind.Memory:
                op.Size = 8;
                op.Handler = &BranchOps.JmpM;
                return instruction.MemorySize.GetSize() == 8 && SetMemory(instruction, ref op);
            default:
                return false; // far jumps
        }
    }

    private static bool TranslateJcc(in Instruction instruction, ref DecodedOp op)
    {
        op.Imm = instruction.NearBranch64;
        op.Sub = (byte)(instruction.ConditionCode - ConditionCode.o);
        op.Handler = BranchFast.Jcc(op.Sub);
        return instruction.Op0Kind == OpKind.NearBranch64;
    }

    private static bool TranslateCall(in Instruction instruction, ref DecodedOp op)
    {
        switch (instruction.Op0Kind)
        {
            case OpKind.NearBranch64:
                op.Imm = instruction.NearBranch64;
                op.Handler = &BranchOps.Call;
                return true;
            case OpKind.Register:
                op.Handler = &BranchOps.CallR;
                return instruction.Op0Register.IsGPR64() && Gpr(instruction.Op0Register, out op.Src);
            case OpKind.Memory:
                op.Handler = &BranchOps.CallM;
                return instruction.MemorySize.GetSize() == 8 && SetMemory(instruction, ref op);
            default:
                return false;
        }
    }

    private static bool TranslateRet(in Instruction instruction, ref DecodedOp op)
    {
        if (instruction.Code != Code.Retnq && instruction.Code != Code.Retnq_imm16)
        {
            return false; // far returns and 16-bit near returns
        }
        op.Imm = instruction.Code == Code.Retnq_imm16 ? instruction.Immediate16 : 0UL;
        op.Handler = &BranchOps.Ret;
        return true;
    }

    private static bool TranslateLoop(in Instruction instruction, ref DecodedOp op)
    {
        op.Imm = instruction.NearBranch64;
        op.Size = (byte)(instruction.Mnemonic == Mnemonic.Jecxz || (op.Flags & OpFlags.Addr32) != 0 ? 4 : 8);
        if (instruction.Code is Code.Loop_rel8_64_ECX or Code.Loope_rel8_64_ECX or Code.Loopne_rel8_64_ECX)
        {
            op.Size = 4;
        }
        op.Sub = instruction.Mnemonic switch
        {
            Mnemonic.Loop => BranchOps.Loop,
            Mnemonic.Loope => BranchOps.LoopWhileEqual,
            Mnemonic.Loopne => BranchOps.LoopWhileNotEqual,
            _ => BranchOps.JumpIfCountZero,
        };
        op.Handler = &BranchOps.LoopFamily;
        return true;
    }
}

using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

internal static unsafe partial class Translator
{
    private static void RegisterMov(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, TranslateMov, Mnemonic.Mov);
        Add(table, TranslateExtend, Mnemonic.Movzx, Mnemonic.Movsx, Mnemonic.Movsxd);
        Add(table, TranslateLea, Mnemonic.Lea);
        Add(table, TranslateXchg, Mnemonic.Xchg);
        Add(table, TranslateCmov,
            Mnemonic.Cmovo, Mnemonic.Cmovno, Mnemonic.Cmovb, Mnemonic.Cmovae, Mnemonic.Cmove, Mnemonic.Cmovne, Mnemonic.Cmovbe, Mnemonic.Cmova,
            Mnemonic.Cmovs, Mnemonic.Cmovns, Mnemonic.Cmovp, Mnemonic.Cmovnp, Mnemonic.Cmovl, Mnemonic.Cmovge, Mnemonic.Cmovle, Mnemonic.Cmovg);
        Add(table, TranslateSetcc,
            Mnemonic.Seto, Mnemonic.Setno, Mnemonic.Setb, Mnemonic.Setae, Mnemonic.Sete, Mnemonic.Setne, Mnemonic.Setbe, Mnemonic.Seta,
            Mnemonic.Sets, Mnemonic.Setns, Mnemonic.Setp, Mnemonic.Setnp, Mnemonic.Setl, Mnemonic.Setge, Mnemonic.Setle, Mnemonic.Setg);
        Add(table, TranslateBswap, Mnemonic.Bswap);
        Add(table, TranslateSignExtendAccumulator, Mnemonic.Cbw, Mnemonic.Cwde, Mnemonic.Cdqe, Mnemonic.Cwd, Mnemonic.Cdq, Mnemonic.Cqo);
        Add(table, TranslateNop,
            Mnemonic.Nop, Mnemonic.Endbr64, Mnemonic.Pause, Mnemonic.Lfence, Mnemonic.Mfence, Mnemonic.Sfence,
            Mnemonic.Prefetchnta, Mnemonic.Prefetcht0, Mnemonic.Prefetcht1, Mnemonic.Prefetcht2, Mnemonic.Prefetchw);
    }

    private static bool TranslateMov(in Instruction instruction, ref DecodedOp op)
    {
        op.Size = (byte)OperandSize(instruction, 0);
        if (instruction.Op0Kind == OpKind.Register && instruction.Op0Register.IsSegmentRegister())
        {
            return TranslateMovToSegment(instruction, ref op);
        }
        if (instruction.Op1Kind == OpKind.Register && instruction.Op1Register.IsSegmentRegister())
        {
            return TranslateMovFromSegment(instruction, ref op);
        }
        if (instruction.Op0Kind == OpKind.Register)
        {
            if (!Gpr(instruction.Op0Register, out op.Dst))
            {
                return false; // mov to/from segment or control registers
            }
            switch (instruction.Op1Kind)
            {
                case OpKind.Register:
                    op.Handler = MovFast.RegisterRegister(op.Size);
                    return Gpr(instruction.Op1Register, out op.Src);
                case OpKind.Memory:
                    op.Handler = MovFast.RegisterMemory(op.Size);
                    return SetMemory(instruction, ref op);
                default:
                    op.Imm = Immediate(instruction, 1, op.Size);
                    op.Handler = &MovOps.MovRI;
                    return true;
            }
        }
        if (instruction.Op0Kind != OpKind.Memory || !SetMemory(instruction, ref op))
        {
            return false;
        }
        if (instruction.Op1Kind == OpKind.Register)
        {
            op.Handler = MovFast.MemoryRegister(op.Size);
            return Gpr(instruction.Op1Register, out op.Src);
        }
        op.Imm = Immediate(instruction, 1, op.Size);
        op.Handler = MovFast.MemoryImmediate(op.Size);
        return true;
    }

    /// <summary>
    /// mov r16/r32/r64/m16, Sreg (8C /r): the selector is a constant (<see cref="UserSelectors"/>),
    /// so this is a move of an immediate. A 16-bit register keeps its upper bits, a 32-bit one
    /// clears them as every 32-bit write does, and memory gets 16 bits whatever the operand size.
    /// </summary>
    private static bool TranslateMovFromSegment(in Instruction instruction, ref DecodedOp op)
    {
        op.Imm = UserSelectors.Of(instruction.Op1Register);
        if (instruction.Op0Kind == OpKind.Register)
        {
            op.Handler = &MovOps.MovRI;
            return Gpr(instruction.Op0Register, out op.Dst);
        }
        op.Size = 2;
        op.Handler = MovFast.MemoryImmediate(2);
        return SetMemory(instruction, ref op);
    }

    /// <summary>mov Sreg, r/m16 (8E /r): see <see cref="SegmentOps"/>; mov cs is #UD, as on hardware.</summary>
    private static bool TranslateMovToSegment(in Instruction instruction, ref DecodedOp op)
    {
        if (instruction.Op0Register == Register.CS)
        {
            return false;
        }
        op.Imm = UserSelectors.Of(instruction.Op0Register);
        op.Size = 2;
        if (instruction.Op1Kind == OpKind.Register)
        {
            op.Handler = &SegmentOps.LoadFromRegister;
            return Gpr(instruction.Op1Register, out op.Src);
        }
        op.Handler = &SegmentOps.LoadFromMemory;
        return SetMemory(instruction, ref op);
    }

    private static bool TranslateExtend(in Instruction instruction, ref DecodedOp op)
    {
        op.Size = (byte)OperandSize(instruction, 0);
        int sourceSize = OperandSize(instruction, 1);
        op.Sub = (byte)(sourceSize | (instruction.Mnemonic == Mnemonic.Movzx ? 0 : MovOps.SignExtendFlag));
        if (!Gpr(instruction.Op0Register, out op.Dst))
        {
            return false;
        }
        if (instruction.Op1Kind == OpKind.Register)
        {
            op.Handler = &MovOps.ExtendRR;
            return Gpr(instruction.Op1Register, out op.Src);
        }
        op.Handler = &MovOps.ExtendRM;
        return SetMemory(instruction, ref op);
    }

    private static bool TranslateLea(in Instruction instruction, ref DecodedOp op)
    {
        op.Size = (byte)OperandSize(instruction, 0);
        op.Handler = &MovOps.Lea;
        bool ok = Gpr(instruction.Op0Register, out op.Dst) && SetMemory(instruction, ref op);
        op.Seg = Reg.Zero; // lea computes the offset only; no segment base is added
        return ok;
    }

    private static bool TranslateXchg(in Instruction instruction, ref DecodedOp op)
    {
        op.Size = (byte)OperandSize(instruction, 0);
        if (instruction.Op0Register == Register.BX && instruction.Op1Register == Register.BX)
        {
            op.Handler = &SystemOps.Marker; // the simulator's marker (Bochs' magic breakpoint)
            return true;
        }
        if (instruction.Op0Register == Register.CX && instruction.Op1Register == Register.CX)
        {
            op.Handler = &SystemOps.Escape; // the checkpoint library's escape (docs/checkpoint-abi.md)
            return true;
        }
        if (instruction.Op0Kind == OpKind.Register && instruction.Op1Kind == OpKind.Register)
        {
            op.Handler = &MovOps.XchgRR;
            return Gpr(instruction.Op0Register, out op.Dst) && Gpr(instruction.Op1Register, out op.Src);
        }
        // xchg with memory, in either operand order (always locked on hardware).
        bool memoryFirst = instruction.Op0Kind == OpKind.Memory;
        op.Handler = &MovOps.XchgMR;
        return Gpr(memoryFirst ? instruction.Op1Register : instruction.Op0Register, out op.Src) && SetMemory(instruction, ref op);
    }

    private static bool TranslateCmov(in Instruction instruction, ref DecodedOp op)
    {
        op.Size = (byte)OperandSize(instruction, 0);
        op.Sub = (byte)(instruction.ConditionCode - ConditionCode.o);
        if (!Gpr(instruction.Op0Register, out op.Dst))
        {
            return false;
        }
        if (instruction.Op1Kind == OpKind.Register)
        {
            op.Handler = &MovOps.CmovRR;
            return Gpr(instruction.Op1Register, out op.Src);
        }
        op.Handler = &MovOps.CmovRM;
        return SetMemory(instruction, ref op);
    }

    private static bool TranslateSetcc(in Instruction instruction, ref DecodedOp op)
    {
        op.Size = 1;
        op.Sub = (byte)(instruction.ConditionCode - ConditionCode.o);
        if (instruction.Op0Kind == OpKind.Register)
        {
            op.Handler = &MovOps.SetccR;
            return Gpr(instruction.Op0Register, out op.Dst);
        }
        op.Handler = &MovOps.SetccM;
        return SetMemory(instruction, ref op);
    }

    private static bool TranslateBswap(in Instruction instruction, ref DecodedOp op)
    {
        op.Size = (byte)OperandSize(instruction, 0);
        op.Handler = &MovOps.Bswap;
        return Gpr(instruction.Op0Register, out op.Dst);
    }

    private static bool TranslateSignExtendAccumulator(in Instruction instruction, ref DecodedOp op)
    {
        switch (instruction.Mnemonic)
        {
            case Mnemonic.Cbw: op.Size = 2; op.Handler = &MovOps.SignExtendAccumulator; break;
            case Mnemonic.Cwde: op.Size = 4; op.Handler = &MovOps.SignExtendAccumulator; break;
            case Mnemonic.Cdqe: op.Size = 8; op.Handler = &MovOps.SignExtendAccumulator; break;
            case Mnemonic.Cwd: op.Size = 2; op.Handler = &MovOps.SignExtendIntoRdx; break;
            case Mnemonic.Cdq: op.Size = 4; op.Handler = &MovOps.SignExtendIntoRdx; break;
            default: op.Size = 8; op.Handler = &MovOps.SignExtendIntoRdx; break;
        }
        return true;
    }

    private static bool TranslateNop(in Instruction instruction, ref DecodedOp op)
    {
        op.Handler = &MovOps.Nop;
        return true;
    }
}

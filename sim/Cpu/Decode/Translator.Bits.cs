using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

internal static unsafe partial class Translator
{
    private static void RegisterBits(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, TranslateBitTest, Mnemonic.Bt, Mnemonic.Bts, Mnemonic.Btr, Mnemonic.Btc);
        Add(table, TranslateBitScan, Mnemonic.Bsf, Mnemonic.Bsr, Mnemonic.Tzcnt, Mnemonic.Lzcnt, Mnemonic.Popcnt);
        Add(table, TranslateAndn, Mnemonic.Andn);
        Add(table, TranslateBextr, Mnemonic.Bextr);
        Add(table, TranslateLowestSetBit, Mnemonic.Blsi, Mnemonic.Blsmsk, Mnemonic.Blsr);
        RegisterAtomic(table);
    }

    /// <summary>The atomics (AtomicOps) share this group's file.</summary>
    private static void RegisterAtomic(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, TranslateCmpxchgOrXadd, Mnemonic.Cmpxchg, Mnemonic.Xadd);
        Add(table, TranslateCmpxchgWide, Mnemonic.Cmpxchg8b, Mnemonic.Cmpxchg16b);
    }

    /// <summary>bt, bts, btr, btc r/m, reg or imm8.</summary>
    private static bool TranslateBitTest(in Instruction instruction, ref DecodedOp op)
    {
        op.Sub = instruction.Mnemonic switch
        {
            Mnemonic.Bts => BitOps.Bts,
            Mnemonic.Btr => BitOps.Btr,
            Mnemonic.Btc => BitOps.Btc,
            _ => BitOps.Bt,
        };
        op.Size = (byte)OperandSize(instruction, 0);
        bool memory = instruction.Op0Kind == OpKind.Memory;
        if ((op.Flags & OpFlags.Lock) != 0 && (!memory || op.Sub == BitOps.Bt))
        {
            return false; // lock needs a memory destination that is written (#UD otherwise)
        }
        bool byRegister = instruction.Op1Kind == OpKind.Register;
        if (byRegister)
        {
            if (!Gpr(instruction.Op1Register, out op.Src))
            {
                return false;
            }
        }
        else
        {
            // SDM: an immediate bit offset is taken modulo the operand width, for memory operands too.
            op.Imm = instruction.GetImmediate(1) & (ulong)((op.Size * 8) - 1);
        }
        if (!memory)
        {
            op.Handler = byRegister ? &BitOps.BitTestRR : &BitOps.BitTestRI;
            return Gpr(instruction.Op0Register, out op.Dst);
        }
        op.Handler = byRegister ? &BitOps.BitTestMR : &BitOps.BitTestMI;
        return SetMemory(instruction, ref op);
    }

    /// <summary>bsf, bsr, tzcnt, lzcnt, popcnt reg, r/m.</summary>
    private static bool TranslateBitScan(in Instruction instruction, ref DecodedOp op)
    {
        op.Sub = instruction.Mnemonic switch
        {
            Mnemonic.Bsf => BitOps.Bsf,
            Mnemonic.Bsr => BitOps.Bsr,
            Mnemonic.Tzcnt => BitOps.Tzcnt,
            Mnemonic.Lzcnt => BitOps.Lzcnt,
            _ => BitOps.Popcnt,
        };
        op.Size = (byte)OperandSize(instruction, 0);
        if ((op.Flags & OpFlags.Lock) != 0 || !Gpr(instruction.Op0Register, out op.Dst))
        {
            return false;
        }
        if (instruction.Op1Kind == OpKind.Register)
        {
            op.Handler = &BitOps.ScanRR;
            return Gpr(instruction.Op1Register, out op.Src);
        }
        op.Handler = &BitOps.ScanRM;
        return SetMemory(instruction, ref op);
    }

    /// <summary>andn dst, src1 (VEX.vvvv), src2 (r/m).</summary>
    private static bool TranslateAndn(in Instruction instruction, ref DecodedOp op)
    {
        op.Size = (byte)OperandSize(instruction, 0);
        if (!Gpr(instruction.Op0Register, out op.Dst) || !Gpr(instruction.Op1Register, out op.Src))
        {
            return false;
        }
        return VexRegisterOrMemory(instruction, 2, ref op, &BitOps.AndnRR, &BitOps.AndnRM);
    }

    /// <summary>bextr dst, src (r/m), control (VEX.vvvv).</summary>
    private static bool TranslateBextr(in Instruction instruction, ref DecodedOp op)
    {
        op.Size = (byte)OperandSize(instruction, 0);
        if (!Gpr(instruction.Op0Register, out op.Dst) || !Gpr(instruction.Op2Register, out op.Src))
        {
            return false;
        }
        return VexRegisterOrMemory(instruction, 1, ref op, &BitOps.BextrRR, &BitOps.BextrRM);
    }

    /// <summary>blsi, blsmsk, blsr dst (VEX.vvvv), src (r/m).</summary>
    private static bool TranslateLowestSetBit(in Instruction instruction, ref DecodedOp op)
    {
        op.Sub = instruction.Mnemonic switch
        {
            Mnemonic.Blsi => BitOps.Blsi,
            Mnemonic.Blsmsk => BitOps.Blsmsk,
            _ => BitOps.Blsr,
        };
        op.Size = (byte)OperandSize(instruction, 0);
        if (!Gpr(instruction.Op0Register, out op.Dst))
        {
            return false;
        }
        return VexRegisterOrMemory(instruction, 1, ref op, &BitOps.LowestSetBitRR, &BitOps.LowestSetBitRM);
    }

    /// <summary>The r/m operand of a BMI1 instruction: a register's slot goes to Imm (Dst and Src are taken).</summary>
    private static bool VexRegisterOrMemory(
        in Instruction instruction, int operand, ref DecodedOp op,
        delegate*<Cpu, ref DecodedOp, int> registerForm, delegate*<Cpu, ref DecodedOp, int> memoryForm)
    {
        if (instruction.GetOpKind(operand) == OpKind.Register)
        {
            if (!Gpr(instruction.GetOpRegister(operand), out byte slot))
            {
                return false;
            }
            op.Imm = slot;
            op.Handler = registerForm;
            return true;
        }
        op.Handler = memoryForm;
        return SetMemory(instruction, ref op);
    }

    /// <summary>cmpxchg r/m, reg; xadd r/m, reg. Lock is valid only with a memory destination.</summary>
    private static bool TranslateCmpxchgOrXadd(in Instruction instruction, ref DecodedOp op)
    {
        bool exchange = instruction.Mnemonic == Mnemonic.Cmpxchg;
        op.Size = (byte)OperandSize(instruction, 0);
        if (!Gpr(instruction.Op1Register, out op.Src))
        {
            return false;
        }
        if (instruction.Op0Kind == OpKind.Register)
        {
            if ((op.Flags & OpFlags.Lock) != 0)
            {
                return false;
            }
            op.Handler = exchange ? &AtomicOps.CmpxchgRR : &AtomicOps.XaddRR;
            return Gpr(instruction.Op0Register, out op.Dst);
        }
        op.Handler = exchange ? &AtomicOps.CmpxchgMR : &AtomicOps.XaddMR;
        return SetMemory(instruction, ref op);
    }

    /// <summary>cmpxchg8b m64, cmpxchg16b m128 (memory only).</summary>
    private static bool TranslateCmpxchgWide(in Instruction instruction, ref DecodedOp op)
    {
        if (instruction.Op0Kind != OpKind.Memory)
        {
            return false;
        }
        op.Size = (byte)(instruction.Mnemonic == Mnemonic.Cmpxchg16b ? 16 : 8);
        op.Handler = instruction.Mnemonic == Mnemonic.Cmpxchg16b ? &AtomicOps.Cmpxchg16b : &AtomicOps.Cmpxchg8b;
        return SetMemory(instruction, ref op);
    }
}

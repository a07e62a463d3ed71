using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

/// <summary>BMI2 (bzhi, mulx, pdep, pext, rorx, sarx, shlx, shrx) and MOVBE: general-register instructions of x86-64-v3.</summary>
internal static unsafe partial class Translator
{
    private static void RegisterBmi2(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, TranslateBmi2, Mnemonic.Bzhi, Mnemonic.Pdep, Mnemonic.Pext, Mnemonic.Sarx, Mnemonic.Shlx, Mnemonic.Shrx);
        Add(table, TranslateMulx, Mnemonic.Mulx);
        Add(table, TranslateRorx, Mnemonic.Rorx);
        Add(table, TranslateMovbe, Mnemonic.Movbe);
    }

    /// <summary>
    /// bzhi/sarx/shlx/shrx dst, r/m, vvvv; pdep/pext dst, vvvv, r/m. Src is the vvvv register;
    /// the r/m register's slot goes to Imm (as for BMI1).
    /// </summary>
    private static bool TranslateBmi2(in Instruction instruction, ref DecodedOp op)
    {
        op.Sub = instruction.Mnemonic switch
        {
            Mnemonic.Bzhi => Bmi2Ops.Bzhi,
            Mnemonic.Pdep => Bmi2Ops.Pdep,
            Mnemonic.Pext => Bmi2Ops.Pext,
            Mnemonic.Sarx => Bmi2Ops.Sarx,
            Mnemonic.Shlx => Bmi2Ops.Shlx,
            _ => Bmi2Ops.Shrx,
        };
        bool vvvvSecond = instruction.Mnemonic is Mnemonic.Pdep or Mnemonic.Pext;
        op.Size = (byte)OperandSize(instruction, 0);
        if ((op.Flags & OpFlags.Lock) != 0
            || !Gpr(instruction.Op0Register, out op.Dst)
            || !Gpr(vvvvSecond ? instruction.Op1Register : instruction.Op2Register, out op.Src))
        {
            return false;
        }
        return VexRegisterOrMemory(instruction, vvvvSecond ? 2 : 1, ref op, &Bmi2Ops.RR, &Bmi2Ops.RM);
    }

    /// <summary>mulx hi, lo (vvvv), r/m: Dst is hi, Src lo, the r/m register's slot in Imm.</summary>
    private static bool TranslateMulx(in Instruction instruction, ref DecodedOp op)
    {
        op.Size = (byte)OperandSize(instruction, 0);
        if ((op.Flags & OpFlags.Lock) != 0 || !Gpr(instruction.Op0Register, out op.Dst) || !Gpr(instruction.Op1Register, out op.Src))
        {
            return false;
        }
        return VexRegisterOrMemory(instruction, 2, ref op, &Bmi2Ops.MulxRR, &Bmi2Ops.MulxRM);
    }

    /// <summary>rorx dst, r/m, imm8: the r/m register in Src, the count in Imm.</summary>
    private static bool TranslateRorx(in Instruction instruction, ref DecodedOp op)
    {
        op.Size = (byte)OperandSize(instruction, 0);
        op.Imm = instruction.Immediate8;
        if ((op.Flags & OpFlags.Lock) != 0 || !Gpr(instruction.Op0Register, out op.Dst))
        {
            return false;
        }
        if (instruction.Op1Kind == OpKind.Register)
        {
            op.Handler = &Bmi2Ops.RorxR;
            return Gpr(instruction.Op1Register, out op.Src);
        }
        op.Handler = &Bmi2Ops.RorxM;
        return SetMemory(instruction, ref op);
    }

    /// <summary>movbe r, m (load) and movbe m, r (store); 16, 32 or 64 bits.</summary>
    private static bool TranslateMovbe(in Instruction instruction, ref DecodedOp op)
    {
        if ((op.Flags & OpFlags.Lock) != 0)
        {
            return false;
        }
        if (instruction.Op0Kind == OpKind.Memory)
        {
            op.Size = (byte)OperandSize(instruction, 1);
            op.Handler = &MovbeOps.Store;
            return Gpr(instruction.Op1Register, out op.Src) && SetMemory(instruction, ref op);
        }
        op.Size = (byte)OperandSize(instruction, 0);
        op.Handler = &MovbeOps.Load;
        return instruction.Op1Kind == OpKind.Memory && Gpr(instruction.Op0Register, out op.Dst) && SetMemory(instruction, ref op);
    }
}

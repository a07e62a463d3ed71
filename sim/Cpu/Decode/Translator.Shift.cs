using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

internal static unsafe partial class Translator
{
    private static void RegisterShift(Dictionary<Mnemonic, TranslateFn> table)
    {
        Add(table, TranslateShift,
            Mnemonic.Rol, Mnemonic.Ror, Mnemonic.Rcl, Mnemonic.Rcr, Mnemonic.Shl, Mnemonic.Sal, Mnemonic.Shr, Mnemonic.Sar);
        Add(table, TranslateDoubleShift, Mnemonic.Shld, Mnemonic.Shrd);
    }

    /// <summary>Shift group: r/m by 1, by imm8 or by CL. An immediate count is masked here, once.</summary>
    private static bool TranslateShift(in Instruction instruction, ref DecodedOp op)
    {
        op.Sub = instruction.Mnemonic switch
        {
            Mnemonic.Rol => ShiftOps.Rol,
            Mnemonic.Ror => ShiftOps.Ror,
            Mnemonic.Rcl => ShiftOps.Rcl,
            Mnemonic.Rcr => ShiftOps.Rcr,
            Mnemonic.Shr => ShiftOps.Shr,
            Mnemonic.Sar => ShiftOps.Sar,
            _ => ShiftOps.Shl, // shl, sal
        };
        op.Size = (byte)OperandSize(instruction, 0);
        if ((op.Flags & OpFlags.Lock) != 0 || instruction.OpCount != 2)
        {
            return false;
        }
        bool byCl = instruction.Op1Kind == OpKind.Register;
        if (byCl)
        {
            if (instruction.Op1Register != Register.CL)
            {
                return false;
            }
        }
        else
        {
            op.Imm = instruction.GetImmediate(1) & (ulong)ShiftOps.CountMask(op.Size);
        }
        if (instruction.Op0Kind == OpKind.Register)
        {
            if (!Gpr(instruction.Op0Register, out op.Dst))
            {
                return false;
            }
            op.Handler = (byCl, op.Sub) switch
            {
                (true, _) => &ShiftOps.ShiftRC,
                (false, ShiftOps.Shl) => &ShiftOps.ShlRI,
                (false, ShiftOps.Shr) => &ShiftOps.ShrRI,
                (false, ShiftOps.Sar) => &ShiftOps.SarRI,
                (false, ShiftOps.Rol or ShiftOps.Ror) when op.Imm != 1 => &ShiftOps.RotateKeepOverflowRI,
                _ => &ShiftOps.ShiftRI,
            };
            return true;
        }
        op.Handler = byCl ? &ShiftOps.ShiftMC : &ShiftOps.ShiftMI;
        return instruction.Op0Kind == OpKind.Memory && SetMemory(instruction, ref op);
    }

    /// <summary>shld/shrd r/m, reg, imm8 or CL.</summary>
    private static bool TranslateDoubleShift(in Instruction instruction, ref DecodedOp op)
    {
        op.Sub = instruction.Mnemonic == Mnemonic.Shld ? ShiftOps.Shld : ShiftOps.Shrd;
        op.Size = (byte)OperandSize(instruction, 0);
        if ((op.Flags & OpFlags.Lock) != 0 || instruction.OpCount != 3 || !Gpr(instruction.Op1Register, out op.Src))
        {
            return false;
        }
        bool byCl = instruction.Op2Kind == OpKind.Register;
        if (byCl)
        {
            if (instruction.Op2Register != Register.CL)
            {
                return false;
            }
        }
        else
        {
            op.Imm = instruction.GetImmediate(2) & (ulong)ShiftOps.CountMask(op.Size);
        }
        if (instruction.Op0Kind == OpKind.Register)
        {
            op.Handler = byCl ? &ShiftOps.DoubleRC : &ShiftOps.DoubleRI;
            return Gpr(instruction.Op0Register, out op.Dst);
        }
        op.Handler = byCl ? &ShiftOps.DoubleMC : &ShiftOps.DoubleMI;
        return instruction.Op0Kind == OpKind.Memory && SetMemory(instruction, ref op);
    }
}

namespace HvSim.Cpu.Ops;

/// <summary>jmp, jcc, call, ret, jrcxz and loop. Each sets RIP and ends its block.</summary>
internal static unsafe class BranchOps
{
    public const byte Loop = 0, LoopWhileEqual = 1, LoopWhileNotEqual = 2, JumpIfCountZero = 3;

    public static int Jmp(Cpu c, ref DecodedOp op)
    {
        c.Rip = op.Imm;
        return Exec.Jump;
    }

    public static int JmpR(Cpu c, ref DecodedOp op)
    {
        c.Rip = c.R(op.Src);
        return Exec.Jump;
    }

    public static int JmpM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), 8, out ulong target))
        {
            return Exec.ExitFault;
        }
        c.Rip = target;
        return Exec.Jump;
    }

    public static int Call(Cpu c, ref DecodedOp op)
    {
        return CallTo(c, ref op, op.Imm);
    }

    public static int CallR(Cpu c, ref DecodedOp op)
    {
        return CallTo(c, ref op, c.R(op.Src));
    }

    public static int CallM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), 8, out ulong target))
        {
            return Exec.ExitFault;
        }
        return CallTo(c, ref op, target);
    }

    private static int CallTo(Cpu c, ref DecodedOp op, ulong target)
    {
        ulong rsp = c.R(Reg.Rsp) - 8;
        if (!c.Write(rsp, 8, op.NextIp))
        {
            return Exec.ExitFault;
        }
        c.R(Reg.Rsp) = rsp;
        c.Rip = target;
        return Exec.Jump;
    }

    public static int Ret(Cpu c, ref DecodedOp op)
    {
        ulong rsp = c.R(Reg.Rsp);
        if (!c.Read(rsp, 8, out ulong target))
        {
            return Exec.ExitFault;
        }
        c.R(Reg.Rsp) = rsp + 8 + op.Imm;
        c.Rip = target;
        return Exec.Jump;
    }

    public static int LoopFamily(Cpu c, ref DecodedOp op)
    {
        bool taken;
        if (op.Sub == JumpIfCountZero)
        {
            taken = c.ReadReg(Reg.Rcx, op.Size) == 0;
        }
        else
        {
            ulong count = Cpu.Mask(c.ReadReg(Reg.Rcx, op.Size) - 1, op.Size);
            c.WriteReg(Reg.Rcx, op.Size, count);
            taken = count != 0 && op.Sub switch
            {
                LoopWhileEqual => c.ZF,
                LoopWhileNotEqual => !c.ZF,
                _ => true,
            };
        }
        c.Rip = taken ? op.Imm : op.NextIp;
        return Exec.Jump;
    }
}

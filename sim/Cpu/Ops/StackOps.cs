namespace HvSim.Cpu.Ops;

/// <summary>push, pop, leave, enter, pushf, popf. The stack pointer moves only once the memory access succeeded.</summary>
internal static unsafe class StackOps
{
    public static int PushR(Cpu c, ref DecodedOp op)
    {
        return Push(c, op.Size, c.ReadReg(op.Src, op.Size));
    }

    public static int PushI(Cpu c, ref DecodedOp op)
    {
        return Push(c, op.Size, op.Imm);
    }

    public static int PushM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), op.Size, out ulong value))
        {
            return Exec.ExitFault;
        }
        return Push(c, op.Size, value);
    }

    public static int Push(Cpu c, int size, ulong value)
    {
        ulong rsp = c.R(Reg.Rsp) - (ulong)size;
        if (!c.Write(rsp, size, value))
        {
            return Exec.ExitFault;
        }
        c.R(Reg.Rsp) = rsp;
        return Exec.Next;
    }

    public static int PopR(Cpu c, ref DecodedOp op)
    {
        ulong rsp = c.R(Reg.Rsp);
        if (!c.Read(rsp, op.Size, out ulong value))
        {
            return Exec.ExitFault;
        }
        // pop rsp loads the value read (the increment happens first and is overwritten).
        c.R(Reg.Rsp) = rsp + op.Size;
        c.WriteReg(op.Dst, op.Size, value);
        return Exec.Next;
    }

    public static int PopM(Cpu c, ref DecodedOp op)
    {
        ulong rsp = c.R(Reg.Rsp);
        if (!c.Read(rsp, op.Size, out ulong value))
        {
            return Exec.ExitFault;
        }
        // The destination address is computed with RSP already incremented (SDM: POP).
        c.R(Reg.Rsp) = rsp + op.Size;
        if (!c.Write(c.Ea(ref op), op.Size, value))
        {
            c.R(Reg.Rsp) = rsp;
            return Exec.ExitFault;
        }
        return Exec.Next;
    }

    public static int Leave(Cpu c, ref DecodedOp op)
    {
        ulong frame = c.R(Reg.Rbp);
        if (!c.Read(frame, op.Size, out ulong savedRbp))
        {
            return Exec.ExitFault;
        }
        c.R(Reg.Rsp) = frame + op.Size;
        c.WriteReg(Reg.Rbp, op.Size, savedRbp);
        return Exec.Next;
    }

    public static int Enter(Cpu c, ref DecodedOp op)
    {
        int size = op.Size;
        int level = op.Sub;
        ulong rsp = c.R(Reg.Rsp);
        ulong rbp = c.R(Reg.Rbp);
        ulong at = rsp - (ulong)size;
        if (!c.Write(at, size, rbp))
        {
            return Exec.ExitFault;
        }
        ulong frameTemp = at;
        for (int i = 1; i < level; i++)
        {
            rbp -= (ulong)size;
            if (!c.Read(rbp, size, out ulong outer))
            {
                return Exec.ExitFault;
            }
            at -= (ulong)size;
            if (!c.Write(at, size, outer))
            {
                return Exec.ExitFault;
            }
        }
        if (level > 0)
        {
            at -= (ulong)size;
            if (!c.Write(at, size, frameTemp))
            {
                return Exec.ExitFault;
            }
        }
        c.WriteReg(Reg.Rbp, size, frameTemp);
        c.R(Reg.Rsp) = at - op.Imm;
        return Exec.Next;
    }

    public static int Pushf(Cpu c, ref DecodedOp op)
    {
        return Push(c, op.Size, c.Rflags);
    }

    public static int Popf(Cpu c, ref DecodedOp op)
    {
        ulong rsp = c.R(Reg.Rsp);
        if (!c.Read(rsp, op.Size, out ulong value))
        {
            return Exec.ExitFault;
        }
        c.R(Reg.Rsp) = rsp + op.Size;
        ulong keep = op.Size == 2 ? c.Rflags & ~0xFFFFUL : 0;
        c.Rflags = keep | (value & FlagBits.UserWritable);
        return Exec.Next;
    }
}

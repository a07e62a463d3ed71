namespace HvSim.Cpu.Ops;

/// <summary>
/// cmpxchg, xadd, cmpxchg8b, cmpxchg16b (Intel SDM Vol. 2, each instruction's page). One CPU runs
/// at a time, so a lock prefix changes nothing but validity; what matters is that each is one
/// write access: the destination is checked for write permission before anything changes.
/// </summary>
internal static unsafe class AtomicOps
{
    /// <summary>cmpxchg reg, reg: flags as cmp rAX, dest.</summary>
    public static int CmpxchgRR(Cpu c, ref DecodedOp op)
    {
        ulong accumulator = c.ReadReg(Reg.Rax, op.Size);
        ulong destination = c.ReadReg(op.Dst, op.Size);
        c.SetFlags(FlagOp.Sub, op.Size, accumulator, destination, Cpu.Mask(accumulator - destination, op.Size));
        if (accumulator == destination)
        {
            c.WriteReg(op.Dst, op.Size, c.ReadReg(op.Src, op.Size));
        }
        else
        {
            // The host leaves a register destination unwritten on failure (a 32-bit one keeps its upper half).
            c.WriteReg(Reg.Rax, op.Size, destination);
        }
        return Exec.Next;
    }

    /// <summary>
    /// cmpxchg m, reg. SDM: "the destination operand is written back if the comparison fails" —
    /// it is a write access either way, so a read-only page faults even when the compare fails.
    /// </summary>
    public static int CmpxchgMR(Cpu c, ref DecodedOp op)
    {
        ulong ea = c.Ea(ref op);
        if (!c.RmwRead(ea, op.Size, out ulong destination))
        {
            return Exec.ExitFault;
        }
        ulong accumulator = c.ReadReg(Reg.Rax, op.Size);
        c.SetFlags(FlagOp.Sub, op.Size, accumulator, destination, Cpu.Mask(accumulator - destination, op.Size));
        if (accumulator == destination)
        {
            c.Write(ea, op.Size, c.ReadReg(op.Src, op.Size)); // checked writable by RmwRead: cannot fault
        }
        else
        {
            c.Write(ea, op.Size, destination);
            c.WriteReg(Reg.Rax, op.Size, destination);
        }
        return Exec.Next;
    }

    /// <summary>xadd reg, reg: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP (so xadd r, r leaves the sum).</summary>
    public static int XaddRR(Cpu c, ref DecodedOp op)
    {
        ulong destination = c.ReadReg(op.Dst, op.Size);
        ulong source = c.ReadReg(op.Src, op.Size);
        ulong sum = Cpu.Mask(destination + source, op.Size);
        c.SetFlags(FlagOp.Add, op.Size, destination, source, sum);
        c.WriteReg(op.Src, op.Size, destination);
        c.WriteReg(op.Dst, op.Size, sum);
        return Exec.Next;
    }

    public static int XaddMR(Cpu c, ref DecodedOp op)
    {
        ulong ea = c.Ea(ref op);
        if (!c.RmwRead(ea, op.Size, out ulong destination))
        {
            return Exec.ExitFault;
        }
        ulong source = c.ReadReg(op.Src, op.Size);
        ulong sum = Cpu.Mask(destination + source, op.Size);
        c.SetFlags(FlagOp.Add, op.Size, destination, source, sum);
        c.Write(ea, op.Size, sum);
        c.WriteReg(op.Src, op.Size, destination);
        return Exec.Next;
    }

    /// <summary>
    /// cmpxchg8b m64: compare EDX:EAX with m64; equal: ZF = 1, m64 = ECX:EBX; else ZF = 0,
    /// EDX:EAX = m64 (zero-extended) and m64 is written back. Only ZF changes.
    /// </summary>
    public static int Cmpxchg8b(Cpu c, ref DecodedOp op)
    {
        ulong ea = c.Ea(ref op);
        if (!c.RmwRead(ea, 8, out ulong old))
        {
            return Exec.ExitFault;
        }
        ulong expected = ((ulong)(uint)c.R(Reg.Rdx) << 32) | (uint)c.R(Reg.Rax);
        bool equal = old == expected;
        if (equal)
        {
            c.Write(ea, 8, ((ulong)(uint)c.R(Reg.Rcx) << 32) | (uint)c.R(Reg.Rbx));
        }
        else
        {
            c.Write(ea, 8, old);
            c.R(Reg.Rax) = (uint)old;
            c.R(Reg.Rdx) = old >> 32;
        }
        SetZeroOnly(c, equal);
        return Exec.Next;
    }

    /// <summary>cmpxchg16b m128: as cmpxchg8b with RDX:RAX and RCX:RBX; SDM: #GP(0) unless 16-byte aligned.</summary>
    public static int Cmpxchg16b(Cpu c, ref DecodedOp op)
    {
        ulong ea = c.Ea(ref op);
        if ((ea & 15) != 0)
        {
            return c.Raise(Vector.GeneralProtection);
        }
        // Aligned: both halves lie in one page, so if the first is writable, so is the second.
        if (!c.RmwRead(ea, 8, out ulong oldLow) || !c.RmwRead(ea + 8, 8, out ulong oldHigh))
        {
            return Exec.ExitFault;
        }
        bool equal = oldLow == c.R(Reg.Rax) && oldHigh == c.R(Reg.Rdx);
        if (equal)
        {
            c.Write(ea, 8, c.R(Reg.Rbx));
            c.Write(ea + 8, 8, c.R(Reg.Rcx));
        }
        else
        {
            c.Write(ea, 8, oldLow);
            c.Write(ea + 8, 8, oldHigh);
            c.R(Reg.Rax) = oldLow;
            c.R(Reg.Rdx) = oldHigh;
        }
        SetZeroOnly(c, equal);
        return Exec.Next;
    }

    private static void SetZeroOnly(Cpu c, bool zero)
    {
        c.SetFlagBits((c.StatusFlags & ~FlagBits.ZF) | (zero ? FlagBits.ZF : 0));
    }
}

using System.Buffers.Binary;

namespace HvSim.Cpu.Ops;

/// <summary>Data movement: mov, movzx/movsx/movsxd, lea, xchg, cmovcc, setcc, bswap, cbw..cqo, nop.</summary>
internal static unsafe class MovOps
{
    /// <summary>In <see cref="DecodedOp.Sub"/> of movsx/movsxd: the source is sign-extended.</summary>
    public const byte SignExtendFlag = 0x80;

    public static int MovRI(Cpu c, ref DecodedOp op)
    {
        c.WriteReg(op.Dst, op.Size, op.Imm);
        return Exec.Next;
    }

    public static int ExtendRR(Cpu c, ref DecodedOp op)
    {
        int sourceSize = op.Sub & 0x7F;
        c.WriteReg(op.Dst, op.Size, Extend(c.ReadReg(op.Src, sourceSize), op.Sub));
        return Exec.Next;
    }

    public static int ExtendRM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), op.Sub & 0x7F, out ulong value))
        {
            return Exec.ExitFault;
        }
        c.WriteReg(op.Dst, op.Size, Extend(value, op.Sub));
        return Exec.Next;
    }

    private static ulong Extend(ulong value, byte sub)
    {
        return (sub & SignExtendFlag) != 0 ? (ulong)Cpu.SignExtend(value, sub & 0x7F) : value;
    }

    public static int Lea(Cpu c, ref DecodedOp op)
    {
        c.WriteReg(op.Dst, op.Size, c.Ea(ref op));
        return Exec.Next;
    }

    public static int XchgRR(Cpu c, ref DecodedOp op)
    {
        ulong a = c.ReadReg(op.Dst, op.Size);
        ulong b = c.ReadReg(op.Src, op.Size);
        c.WriteReg(op.Dst, op.Size, b);
        c.WriteReg(op.Src, op.Size, a);
        return Exec.Next;
    }

    public static int XchgMR(Cpu c, ref DecodedOp op)
    {
        ulong ea = c.Ea(ref op);
        if (!c.RmwRead(ea, op.Size, out ulong old))
        {
            return Exec.ExitFault;
        }
        c.Write(ea, op.Size, c.ReadReg(op.Src, op.Size));
        c.WriteReg(op.Src, op.Size, old);
        return Exec.Next;
    }

    public static int CmovRR(Cpu c, ref DecodedOp op)
    {
        // A 32-bit cmov writes (and so zero-extends) its destination even when the condition is false.
        ulong value = c.Condition(op.Sub) ? c.ReadReg(op.Src, op.Size) : c.ReadReg(op.Dst, op.Size);
        c.WriteReg(op.Dst, op.Size, value);
        return Exec.Next;
    }

    public static int CmovRM(Cpu c, ref DecodedOp op)
    {
        // The source is read (and may fault) whatever the condition.
        if (!c.Read(c.Ea(ref op), op.Size, out ulong source))
        {
            return Exec.ExitFault;
        }
        c.WriteReg(op.Dst, op.Size, c.Condition(op.Sub) ? source : c.ReadReg(op.Dst, op.Size));
        return Exec.Next;
    }

    public static int SetccR(Cpu c, ref DecodedOp op)
    {
        c.WriteReg(op.Dst, 1, c.Condition(op.Sub) ? 1UL : 0);
        return Exec.Next;
    }

    public static int SetccM(Cpu c, ref DecodedOp op)
    {
        return c.Write(c.Ea(ref op), 1, c.Condition(op.Sub) ? 1UL : 0) ? Exec.Next : Exec.ExitFault;
    }

    public static int Bswap(Cpu c, ref DecodedOp op)
    {
        ref ulong r = ref c.R(op.Dst);
        // bswap of a 16-bit register is undefined; hardware zeroes the low word.
        r = op.Size switch
        {
            8 => BinaryPrimitives.ReverseEndianness(r),
            4 => BinaryPrimitives.ReverseEndianness((uint)r),
            _ => r & ~0xFFFFUL,
        };
        return Exec.Next;
    }

    /// <summary>cbw, cwde, cdqe: sign-extend the lower half of the accumulator into its whole size.</summary>
    public static int SignExtendAccumulator(Cpu c, ref DecodedOp op)
    {
        int half = op.Size / 2;
        c.WriteReg(Reg.Rax, op.Size, (ulong)Cpu.SignExtend(c.ReadReg(Reg.Rax, half), half));
        return Exec.Next;
    }

    /// <summary>cwd, cdq, cqo: fill rDX with the sign of rAX.</summary>
    public static int SignExtendIntoRdx(Cpu c, ref DecodedOp op)
    {
        bool negative = (c.ReadReg(Reg.Rax, op.Size) & Cpu.SignBit(op.Size)) != 0;
        c.WriteReg(Reg.Rdx, op.Size, negative ? ulong.MaxValue : 0);
        return Exec.Next;
    }

    public static int Nop(Cpu c, ref DecodedOp op)
    {
        return Exec.Next;
    }
}

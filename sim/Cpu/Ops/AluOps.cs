using System.Runtime.CompilerServices;

namespace HvSim.Cpu.Ops;

/// <summary>
/// add, or, adc, sbb, and, sub, xor, cmp, test, inc, dec, neg, not. Flags are lazy: each op
/// stores its operands and result (Intel SDM Vol. 2, each instruction's "Flags Affected").
/// </summary>
internal static unsafe class AluOps
{
    // Binary kinds in the order of the x86 ALU opcode groups; cmp and test do not write back.
    public const byte Add = 0, Or = 1, Adc = 2, Sbb = 3, And = 4, Sub = 5, Xor = 6, Cmp = 7, Test = 8;
    public const byte Inc = 0, Dec = 1, Neg = 2, Not = 3;

    /// <summary>Computes a binary ALU op and sets the lazy flags; returns the (masked) result.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Compute(Cpu c, int kind, int size, ulong a, ulong b)
    {
        ulong r;
        switch (kind)
        {
            case Add:
                r = Cpu.Mask(a + b, size);
                c.SetFlags(FlagOp.Add, size, a, b, r);
                return r;
            case Sub:
            case Cmp:
                r = Cpu.Mask(a - b, size);
                c.SetFlags(FlagOp.Sub, size, a, b, r);
                return r;
            case Adc:
            {
                ulong carry = c.CF ? 1UL : 0;
                r = Cpu.Mask(a + b + carry, size);
                c._flagAux = carry;
                c.SetFlags(FlagOp.Adc, size, a, b, r);
                return r;
            }
            case Sbb:
            {
                ulong borrow = c.CF ? 1UL : 0;
                r = Cpu.Mask(a - b - borrow, size);
                c._flagAux = borrow;
                c.SetFlags(FlagOp.Sbb, size, a, b, r);
                return r;
            }
            case Or:
                r = a | b;
                break;
            case Xor:
                r = a ^ b;
                break;
            default: // And, Test
                r = a & b;
                break;
        }
        c.SetFlags(FlagOp.Logic, size, a, b, r);
        return r;
    }

    public static int BinaryRR(Cpu c, ref DecodedOp op)
    {
        ulong r = Compute(c, op.Sub, op.Size, c.ReadReg(op.Dst, op.Size), c.ReadReg(op.Src, op.Size));
        if (op.Sub < Cmp)
        {
            c.WriteReg(op.Dst, op.Size, r);
        }
        return Exec.Next;
    }

    public static int BinaryRI(Cpu c, ref DecodedOp op)
    {
        ulong r = Compute(c, op.Sub, op.Size, c.ReadReg(op.Dst, op.Size), op.Imm);
        if (op.Sub < Cmp)
        {
            c.WriteReg(op.Dst, op.Size, r);
        }
        return Exec.Next;
    }

    public static int BinaryRM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), op.Size, out ulong b))
        {
            return Exec.ExitFault;
        }
        ulong r = Compute(c, op.Sub, op.Size, c.ReadReg(op.Dst, op.Size), b);
        if (op.Sub < Cmp)
        {
            c.WriteReg(op.Dst, op.Size, r);
        }
        return Exec.Next;
    }

    public static int BinaryMR(Cpu c, ref DecodedOp op)
    {
        return BinaryMemory(c, ref op, c.ReadReg(op.Src, op.Size));
    }

    public static int BinaryMI(Cpu c, ref DecodedOp op)
    {
        return BinaryMemory(c, ref op, op.Imm);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BinaryMemory(Cpu c, ref DecodedOp op, ulong b)
    {
        ulong ea = c.Ea(ref op);
        ulong a;
        if (op.Sub >= Cmp)
        {
            if (!c.Read(ea, op.Size, out a))
            {
                return Exec.ExitFault;
            }
            Compute(c, op.Sub, op.Size, a, b);
            return Exec.Next;
        }
        // Save the flags state: a faulting store must leave the flags as they were.
        if (!c.RmwRead(ea, op.Size, out a))
        {
            return Exec.ExitFault;
        }
        ulong r = Compute(c, op.Sub, op.Size, a, b);
        c.Write(ea, op.Size, r); // checked writable by RmwRead: cannot fault
        return Exec.Next;
    }

    public static int UnaryR(Cpu c, ref DecodedOp op)
    {
        c.WriteReg(op.Dst, op.Size, ComputeUnary(c, op.Sub, op.Size, c.ReadReg(op.Dst, op.Size)));
        return Exec.Next;
    }

    public static int UnaryM(Cpu c, ref DecodedOp op)
    {
        ulong ea = c.Ea(ref op);
        if (!c.RmwRead(ea, op.Size, out ulong a))
        {
            return Exec.ExitFault;
        }
        c.Write(ea, op.Size, ComputeUnary(c, op.Sub, op.Size, a));
        return Exec.Next;
    }

    private static ulong ComputeUnary(Cpu c, int kind, int size, ulong a)
    {
        ulong r;
        switch (kind)
        {
            case Inc:
                c._flagAux = c.CF ? 1UL : 0;
                r = Cpu.Mask(a + 1, size);
                c.SetFlags(FlagOp.Inc, size, a, 1, r);
                return r;
            case Dec:
                c._flagAux = c.CF ? 1UL : 0;
                r = Cpu.Mask(a - 1, size);
                c.SetFlags(FlagOp.Dec, size, a, 1, r);
                return r;
            case Neg:
                r = Cpu.Mask(0 - a, size);
                c.SetFlags(FlagOp.Neg, size, a, 0, r);
                return r;
            default:
                return Cpu.Mask(~a, size); // not: no flags
        }
    }
}

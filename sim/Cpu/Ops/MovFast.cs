namespace HvSim.Cpu.Ops;

/// <summary>mov in its four forms, specialised per operand size (see <see cref="AluFast"/> for why).</summary>
internal static unsafe class MovFast
{
    public static delegate*<Cpu, ref DecodedOp, int> RegisterRegister(int size) => size switch
    {
        1 => &RR<Size8>,
        2 => &RR<Size16>,
        4 => &RR<Size32>,
        _ => &RR<Size64>,
    };

    public static delegate*<Cpu, ref DecodedOp, int> RegisterMemory(int size) => size switch
    {
        1 => &RM<Size8>,
        2 => &RM<Size16>,
        4 => &RM<Size32>,
        _ => &RM<Size64>,
    };

    public static delegate*<Cpu, ref DecodedOp, int> MemoryRegister(int size) => size switch
    {
        1 => &MR<Size8>,
        2 => &MR<Size16>,
        4 => &MR<Size32>,
        _ => &MR<Size64>,
    };

    public static delegate*<Cpu, ref DecodedOp, int> MemoryImmediate(int size) => size switch
    {
        1 => &MI<Size8>,
        2 => &MI<Size16>,
        4 => &MI<Size32>,
        _ => &MI<Size64>,
    };

    private static int RR<TSize>(Cpu c, ref DecodedOp op)
        where TSize : struct, IOperandSize
    {
        c.WriteReg(op.Dst, TSize.Bytes, c.ReadReg(op.Src, TSize.Bytes));
        return Exec.Next;
    }

    private static int RM<TSize>(Cpu c, ref DecodedOp op)
        where TSize : struct, IOperandSize
    {
        if (!c.Read(c.Ea(ref op), TSize.Bytes, out ulong value))
        {
            return Exec.ExitFault;
        }
        c.WriteReg(op.Dst, TSize.Bytes, value);
        return Exec.Next;
    }

    private static int MR<TSize>(Cpu c, ref DecodedOp op)
        where TSize : struct, IOperandSize
    {
        return c.Write(c.Ea(ref op), TSize.Bytes, c.ReadReg(op.Src, TSize.Bytes)) ? Exec.Next : Exec.ExitFault;
    }

    private static int MI<TSize>(Cpu c, ref DecodedOp op)
        where TSize : struct, IOperandSize
    {
        return c.Write(c.Ea(ref op), TSize.Bytes, op.Imm) ? Exec.Next : Exec.ExitFault;
    }
}

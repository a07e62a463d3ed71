namespace HvSim.Cpu.Ops;

/// <summary>
/// movbe (SDM MOVBE): a load or store with the bytes reversed; register-to-register forms do not
/// exist (#UD). Dst/Src is the GPR slot, Size 2, 4 or 8; a 16-bit load merges into the register,
/// a 32-bit one clears the upper half. Flags unchanged.
/// </summary>
internal static unsafe class MovbeOps
{
    public static int Load(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), op.Size, out ulong value))
        {
            return Exec.ExitFault;
        }
        c.WriteReg(op.Dst, op.Size, Reverse(value, op.Size));
        return Exec.Next;
    }

    public static int Store(Cpu c, ref DecodedOp op)
    {
        return c.Write(c.Ea(ref op), op.Size, Reverse(c.ReadReg(op.Src, op.Size), op.Size)) ? Exec.Next : Exec.ExitFault;
    }

    private static ulong Reverse(ulong value, int size) => size switch
    {
        2 => System.Buffers.Binary.BinaryPrimitives.ReverseEndianness((ushort)value),
        4 => System.Buffers.Binary.BinaryPrimitives.ReverseEndianness((uint)value),
        _ => System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(value),
    };
}

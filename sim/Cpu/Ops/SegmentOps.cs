namespace HvSim.Cpu.Ops;

/// <summary>
/// mov Sreg, r/m16 (8E /r) in 64-bit user mode. The selectors are constants here
/// (<see cref="UserSelectors"/>), so only a load that leaves the register as it is — DS or ES
/// given the null selector, SS given 0x2b — is carried out (as the no-op it then is); any other
/// selector raises #GP(0), which is what hardware does for most of them (a null SS at CPL 3, a
/// selector beyond the GDT or of the wrong type or privilege) and not for the few other valid
/// ones (0x2b into DS, a null FS or GS, which on Intel also clears the base).
/// </summary>
internal static unsafe class SegmentOps
{
    public static int LoadFromRegister(Cpu c, ref DecodedOp op)
    {
        return (ushort)c.ReadReg(op.Src, 2) == op.Imm ? Exec.Next : c.Raise(Vector.GeneralProtection);
    }

    public static int LoadFromMemory(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), 2, out ulong value))
        {
            return Exec.ExitFault;
        }
        return (ushort)value == op.Imm ? Exec.Next : c.Raise(Vector.GeneralProtection);
    }
}

namespace HvSim.Cpu;

/// <summary>
/// The segment selectors a 64-bit Linux process runs with. The guest never leaves 64-bit user
/// mode and the kernel never changes them, so they are constants rather than state: CS is
/// __USER_CS (GDT entry 6, RPL 3), SS is __USER_DS (entry 5, RPL 3; syscall's sysret and
/// rt_sigreturn both put it back), and start_thread loads null selectors into DS, ES, FS and GS
/// (FS and GS work through their base MSRs, set by arch_prctl). Checked with mov r16, Sreg in a
/// native process on Linux 6.18: cs 0x33, ss 0x2b, the others 0.
/// </summary>
public static class UserSelectors
{
    public const ushort Cs = 0x33;
    public const ushort Ss = 0x2B;

    /// <summary>DS, ES, FS and GS: the null selector.</summary>
    public const ushort Data = 0;

    /// <summary>The selector a segment register holds in user mode (Iced's register numbering).</summary>
    public static ushort Of(Iced.Intel.Register segment) => segment switch
    {
        Iced.Intel.Register.CS => Cs,
        Iced.Intel.Register.SS => Ss,
        _ => Data,
    };
}

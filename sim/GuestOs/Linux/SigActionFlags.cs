namespace HvSim.GuestOs.Linux;

/// <summary>sa_flags bits (asm-generic/signal-defs.h, x86 asm/signal.h for SA_RESTORER).</summary>
[Flags]
public enum SigActionFlags : ulong
{
    None = 0,
    SA_NOCLDSTOP = 0x0000_0001,
    SA_NOCLDWAIT = 0x0000_0002,
    SA_SIGINFO = 0x0000_0004,
    SA_UNSUPPORTED = 0x0000_0400,
    SA_EXPOSE_TAGBITS = 0x0000_0800,

    /// <summary>sa_restorer is valid: the return address the kernel pushes for the handler (x86 requires it for 64-bit).</summary>
    SA_RESTORER = 0x0400_0000,
    SA_ONSTACK = 0x0800_0000,
    SA_RESTART = 0x1000_0000,
    SA_NODEFER = 0x4000_0000,
    SA_RESETHAND = 0x8000_0000,
}

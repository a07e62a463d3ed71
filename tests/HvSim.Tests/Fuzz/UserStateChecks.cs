using HvSim.Cpu;
using HvSim.GuestOs.Kernel;
using HvSim.GuestOs.Linux.Structs;

namespace HvSim.Tests.Fuzz;

/// <summary>
/// What user code must never get, checked where the fuzzers can see it: the live CPU at a marker
/// in user code, and the registers the kernel saved in a signal frame it just delivered (which
/// are the state user code was running with when it faulted). The simulated CPU runs user code
/// only (every fetch and access is checked with user rights), so "kernel mode" reaches it as a
/// flag or a selector it must not carry, or as a kernel-half RIP that must fault on its fetch.
/// </summary>
internal static class UserStateChecks
{
    /// <summary>RFLAGS bits user code may hold: the status flags, bit 1, IF (always set in user mode), DF, AC and ID; never TF, IOPL, NT, RF, VM, VIF or VIP.</summary>
    public const ulong AllowedFlags = FlagBits.Status | FlagBits.Reserved1 | FlagBits.IF | FlagBits.DF | FlagBits.AC | FlagBits.ID;

    private const ushort UserCs = 0x33, UserSs = 0x2B;
    private const ulong UserHalfEnd = 1UL << 47;
    private const ulong Unblockable = (1UL << 8) | (1UL << 18); // SIGKILL, SIGSTOP
    private const int TrapPageFault = 14, TrapGeneralProtection = 13;
    private const ulong FetchError = 0x10;

    /// <summary>The live CPU and signal state while user code runs (null when they are as user code may have them).</summary>
    public static string? CheckCpu(GuestKernel kernel, Process process)
    {
        HvSim.Cpu.Cpu cpu = kernel.Cpu;
        if ((cpu.Rflags & ~AllowedFlags) != 0 || (cpu.Rflags & (FlagBits.IF | FlagBits.Reserved1)) != (FlagBits.IF | FlagBits.Reserved1))
        {
            return $"user code runs with RFLAGS 0x{cpu.Rflags:x}";
        }
        if (cpu.Mxcsr > 0xFFFF)
        {
            return $"user code runs with reserved MXCSR bits (0x{cpu.Mxcsr:x})";
        }
        return CheckMask(process);
    }

    /// <summary>
    /// The frame the kernel pushed for the handler now starting (RSP = the rt_sigframe): the saved
    /// CS and SS are the user selectors, the saved RFLAGS holds only user bits, and a saved RIP
    /// outside the user half is where the fault was taken on the fetch itself (a #PF on the
    /// instruction fetch at that very address, or the #GP of a non-canonical RIP): nothing ran there.
    /// </summary>
    public static string? CheckDeliveredFrame(GuestKernel kernel, Process process)
    {
        ulong frame = kernel.Cpu.R(Reg.Rsp);
        Span<byte> bytes = stackalloc byte[RtSigFrame.Size];
        if (!UserPages.TryPeek(kernel, process.Space.Cr3, frame, bytes))
        {
            return $"the handler starts with rsp 0x{frame:x}, where no signal frame is mapped";
        }
        SigContext m = RtSigFrame.ReadContext(bytes).Mcontext;
        if (m.Cs != UserCs || m.Ss != UserSs)
        {
            return $"a signal frame saved cs 0x{m.Cs:x} ss 0x{m.Ss:x}: user code ran with other selectors";
        }
        if ((m.Eflags & ~AllowedFlags) != 0)
        {
            return $"a signal frame saved RFLAGS 0x{m.Eflags:x}: user code ran with privileged flags";
        }
        if (m.Rip >= UserHalfEnd)
        {
            bool fetchFault = m.Trapno == TrapPageFault && (m.Err & FetchError) != 0 && m.Cr2 == m.Rip;
            bool nonCanonical = m.Trapno == TrapGeneralProtection && !HvSim.Mmu.PageWalker.IsCanonical(m.Rip);
            if (!fetchFault && !nonCanonical)
            {
                return $"user code faulted at rip 0x{m.Rip:x} (trap {m.Trapno}, error 0x{m.Err:x}, cr2 0x{m.Cr2:x}): something ran outside the user half";
            }
        }
        return CheckMask(process);
    }

    private static string? CheckMask(Process process) => (process.SignalMask & Unblockable) != 0
        ? $"the signal mask 0x{process.SignalMask:x} blocks SIGKILL or SIGSTOP"
        : null;
}

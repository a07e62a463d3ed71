using HvSim.GuestOs.Linux;
using HvSim.GuestOs.Linux.Structs;

namespace HvSim.GuestOs.Kernel;

/// <summary>
/// A task's alternate signal stack (sas_ss_sp, sas_ss_size, sas_ss_flags in the kernel's
/// task_struct) and the rules kernel/signal.c applies to it: sigaltstack's checks, whether a
/// stack pointer is on it, what the frame's uc_stack records and what rt_sigreturn restores.
/// </summary>
public sealed class AlternateSignalStack
{
    private const int SsOnstack = SignalFacts.SsOnstack;
    private const int SsDisable = SignalFacts.SsDisable;
    private const int SsAutodisarm = unchecked((int)SignalFacts.SsAutodisarm);

    /// <summary>ss_sp as installed (0 when disabled).</summary>
    public ulong Pointer { get; private set; }

    /// <summary>ss_size as installed (0 when disabled: the kernel's test for "no alternate stack").</summary>
    public ulong Size { get; private set; }

    /// <summary>ss_flags exactly as last installed (SS_DISABLE initially, as init_task has it).</summary>
    public int Flags { get; private set; } = SsDisable;

    /// <summary>
    /// on_sig_stack: <paramref name="sp"/> lies in (sp, sp + size]. The stack grows down, so its
    /// top is inside and its base is not. With SS_AUTODISARM the kernel never considers a task on
    /// it (the stack was disarmed when the handler was entered).
    /// </summary>
    public bool IsOn(ulong sp) =>
        (Flags & SsAutodisarm) == 0 && sp > Pointer && sp - Pointer <= Size;

    /// <summary>sas_ss_flags: SS_DISABLE without a stack, SS_ONSTACK when <paramref name="sp"/> is on it, else 0.</summary>
    public int FlagsAt(ulong sp) => Size == 0 ? SsDisable : IsOn(sp) ? SsOnstack : 0;

    /// <summary>What sigaltstack's old-value argument receives: the state as seen from <paramref name="sp"/>, plus SS_AUTODISARM if set.</summary>
    public SignalStack Query(ulong sp) => new(Pointer, FlagsAt(sp) | (Flags & SsAutodisarm), Size);

    /// <summary>
    /// What a signal frame's uc_stack records (__save_altstack): the stored flags, not whether the
    /// interrupted code was on the stack — a handler nested on the alternate stack sees 0 there,
    /// as on Linux 6.x.
    /// </summary>
    public SignalStack Saved => new(Pointer, Flags, Size);

    /// <summary>
    /// do_sigaltstack with a new value, seen from <paramref name="sp"/>: EPERM while running on the
    /// current alternate stack, EINVAL for a mode other than 0, SS_ONSTACK or SS_DISABLE (plus
    /// SS_AUTODISARM), ENOMEM for a size below MINSIGSTKSZ (2048 on x86); SS_DISABLE ignores the
    /// pointer and size given. Null on success.
    /// </summary>
    public Errno? Set(SignalStack requested, ulong sp)
    {
        if (IsOn(sp))
        {
            return Errno.EPERM;
        }
        int mode = requested.Flags & ~SsAutodisarm;
        if (mode != SsDisable && mode != SsOnstack && mode != 0)
        {
            return Errno.EINVAL;
        }
        if (mode == SsDisable)
        {
            Install(0, 0, requested.Flags);
            return null;
        }
        if (requested.Size < SignalFacts.MinSigStackSize)
        {
            return Errno.ENOMEM;
        }
        Install(requested.Pointer, requested.Size, requested.Flags);
        return null;
    }

    /// <summary>After the frame recorded it, SS_AUTODISARM clears the stack (sas_ss_reset), so a nested signal may use it afresh.</summary>
    public void DisarmIfAsked()
    {
        if ((Flags & SsAutodisarm) != 0)
        {
            Install(0, 0, SsDisable);
        }
    }

    private void Install(ulong pointer, ulong size, int flags)
    {
        Pointer = pointer;
        Size = size;
        Flags = flags;
    }
}

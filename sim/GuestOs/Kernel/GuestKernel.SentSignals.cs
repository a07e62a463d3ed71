using HvSim.GuestOs.Linux;
using HvSim.GuestOs.Linux.Structs;

namespace HvSim.GuestOs.Kernel;

/// <summary>
/// Signals a process sends itself (kill, tkill, tgkill): queued as pending, then delivered on the
/// way back to user mode from a system call — the sending call itself, or the rt_sigprocmask or
/// rt_sigreturn that unblocks them — as Linux's exit_to_user_mode_loop does.
/// </summary>
public sealed partial class GuestKernel
{
    /// <summary>
    /// sig_ignored (kernel/signal.c): the handler is SIG_IGN, or SIG_DFL for a signal whose
    /// default is to be ignored (SIGCHLD, SIGURG, SIGWINCH; SIGCONT continues a process that is
    /// not stopped, so it is ignored too). SIGKILL and SIGSTOP are never ignored.
    /// </summary>
    public static bool IsIgnored(Process process, int signal)
    {
        if (SignalFacts.IsUncatchable(signal))
        {
            return false;
        }
        ulong handler = process.Actions[signal - 1].Handler;
        return handler == SigIgn
            || (handler == SigDfl && SignalFacts.DefaultAction(signal) is SignalDefaultAction.Ignore or SignalDefaultAction.Continue);
    }

    /// <summary>
    /// Sends a signal to the process (prepare_signal and __send_signal_locked): an ignored signal
    /// that is not blocked is dropped; SIGCONT discards pending stop signals and a stop signal
    /// discards a pending SIGCONT; the rest is queued for delivery. False when a real-time
    /// signal's queue is full (the sender's EAGAIN).
    /// </summary>
    public bool SendSignal(Process process, in SigInfo info)
    {
        int signal = info.Signo;
        if (signal == (int)Signal.SIGCONT)
        {
            foreach (Signal stop in s_stopSignals)
            {
                process.Pending.Discard((int)stop);
            }
        }
        else if (SignalFacts.DefaultAction(signal) == SignalDefaultAction.Stop)
        {
            process.Pending.Discard((int)Signal.SIGCONT);
        }
        // Blocked signals are never ignored at sending time: the handler may change before they are unblocked.
        bool blocked = (process.SignalMask & SignalFacts.MaskBit(signal)) != 0;
        if (!blocked && IsIgnored(process, signal))
        {
            return true;
        }
        return process.Pending.Add(info);
    }

    private static readonly Signal[] s_stopSignals = [Signal.SIGSTOP, Signal.SIGTSTP, Signal.SIGTTIN, Signal.SIGTTOU];

    /// <summary>
    /// Delivers every pending signal that is not blocked, as get_signal does before the return to
    /// user mode: to its handler (one rt_sigframe each; a later one is pushed on the frame of the
    /// earlier and so runs first), or by its default action. Returns the number of frames pushed.
    /// </summary>
    internal int DeliverPendingSignals(Process process)
    {
        int frames = 0;
        while (process.ExitStatus is null && process.Pending.TryTake(process.SignalMask, out SigInfo info))
        {
            int signal = info.Signo;
            KernelSigaction action = process.Actions[signal - 1];
            if (action.Handler == SigIgn)
            {
                continue;
            }
            if (action.Handler == SigDfl)
            {
                TakeDefaultAction(process, info);
                continue;
            }
            if (TryPushSignalFrame(process, info, action) is { } failure)
            {
                KillForUnusableFrame(process, (Signal)signal, failure);
                return frames;
            }
            frames++;
        }
        return frames;
    }

    /// <summary>
    /// SIG_DFL for a sent signal (get_signal in kernel/signal.c): ignore, or end the process with
    /// the shell's status 128+n and a one-line report. SIGTSTP, SIGTTIN and SIGTTOU are discarded,
    /// as for any process group without a parent in its session (the guest's parent is init);
    /// SIGSTOP would stop it for good — nothing here can send SIGCONT — so the run ends with the
    /// status a shell gives a stopped job (128+19).
    /// </summary>
    private void TakeDefaultAction(Process process, in SigInfo info)
    {
        int signal = info.Signo;
        switch (SignalFacts.DefaultAction(signal))
        {
            case SignalDefaultAction.Ignore or SignalDefaultAction.Continue:
                return;
            case SignalDefaultAction.Stop when signal != (int)Signal.SIGSTOP:
                return;
        }
        string name = SignalFacts.Name(signal);
        string verb = signal == (int)Signal.SIGSTOP ? "stopped for good" : "killed";
        process.FatalReport =
            $"hvsim: guest {verb} by {name} ({SigCodes.Name((Signal)signal, info.Code)} from pid {info.SenderPid}) at rip 0x{Cpu.Rip:x}, after the system call that sent or unblocked it";
        Exit(process, SignalFacts.ShellExitStatus(signal));
    }
}

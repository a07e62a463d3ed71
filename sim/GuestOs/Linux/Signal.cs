namespace HvSim.GuestOs.Linux;

/// <summary>
/// x86-64 Linux signal numbers (asm/signal.h). Members carry the C names, which is how reports
/// name a signal ("killed by SIGSEGV"). Aliases (SIGIOT, SIGPOLL) are omitted so that
/// ToString() is unambiguous.
/// </summary>
public enum Signal
{
    SIGHUP = 1,
    SIGINT = 2,
    SIGQUIT = 3,
    SIGILL = 4,
    SIGTRAP = 5,
    SIGABRT = 6,
    SIGBUS = 7,
    SIGFPE = 8,
    SIGKILL = 9,
    SIGUSR1 = 10,
    SIGSEGV = 11,
    SIGUSR2 = 12,
    SIGPIPE = 13,
    SIGALRM = 14,
    SIGTERM = 15,
    SIGSTKFLT = 16,
    SIGCHLD = 17,
    SIGCONT = 18,
    SIGSTOP = 19,
    SIGTSTP = 20,
    SIGTTIN = 21,
    SIGTTOU = 22,
    SIGURG = 23,
    SIGXCPU = 24,
    SIGXFSZ = 25,
    SIGVTALRM = 26,
    SIGPROF = 27,
    SIGWINCH = 28,
    SIGIO = 29,
    SIGPWR = 30,
    SIGSYS = 31,
}

/// <summary>What the kernel does with a signal whose handler is SIG_DFL.</summary>
public enum SignalDefaultAction
{
    Terminate,
    CoreDump,
    Ignore,
    Stop,
    Continue,
}

public static class SignalFacts
{
    /// <summary>Number of signals including real-time ones (_NSIG); valid numbers are 1.._NSIG.</summary>
    public const int SignalCount = 64;

    /// <summary>First real-time signal as the kernel numbers it (SIGRTMIN; glibc reserves a few above it).</summary>
    public const int FirstRealTimeSignal = 32;

    /// <summary>sa_handler values with special meaning.</summary>
    public const ulong SigDfl = 0;
    public const ulong SigIgn = 1;

    /// <summary>rt_sigprocmask "how" values.</summary>
    public const int SigBlock = 0;
    public const int SigUnblock = 1;
    public const int SigSetmask = 2;

    /// <summary>sigaltstack ss_flags.</summary>
    public const int SsOnstack = 1;
    public const int SsDisable = 2;
    public const uint SsAutodisarm = 1u << 31;

    /// <summary>Minimum alternate signal stack size (MINSIGSTKSZ) and the suggested size (SIGSTKSZ).</summary>
    public const int MinSigStackSize = 2048;
    public const int SigStackSize = 8192;

    /// <summary>Signals that can be neither caught, blocked nor ignored.</summary>
    public static bool IsUncatchable(int signal) => signal == (int)Signal.SIGKILL || signal == (int)Signal.SIGSTOP;

    public static bool IsValid(int signal) => signal >= 1 && signal <= SignalCount;

    /// <summary>The bit for <paramref name="signal"/> in a kernel sigset_t (bit signal-1 of a 64-bit word).</summary>
    public static ulong MaskBit(int signal)
    {
        if (!IsValid(signal))
        {
            throw new ArgumentOutOfRangeException(nameof(signal), signal, "signal numbers are 1..64");
        }

        return 1UL << (signal - 1);
    }

    public static ulong MaskBit(Signal signal) => MaskBit((int)signal);

    /// <summary>The name for a report: "SIGSEGV", or "SIGRTMIN+n" / "signal n" for numbers without a name.</summary>
    public static string Name(int signal) =>
        Enum.IsDefined((Signal)signal) ? ((Signal)signal).ToString()
        : signal >= FirstRealTimeSignal && signal <= SignalCount ? $"SIGRTMIN+{signal - FirstRealTimeSignal}"
        : $"signal {signal}";

    /// <summary>The message a shell prints when a process dies of the signal (strsignal wording).</summary>
    public static string Describe(int signal) => (Signal)signal switch
    {
        Signal.SIGHUP => "Hangup",
        Signal.SIGINT => "Interrupt",
        Signal.SIGQUIT => "Quit",
        Signal.SIGILL => "Illegal instruction",
        Signal.SIGTRAP => "Trace/breakpoint trap",
        Signal.SIGABRT => "Aborted",
        Signal.SIGBUS => "Bus error",
        Signal.SIGFPE => "Floating point exception",
        Signal.SIGKILL => "Killed",
        Signal.SIGUSR1 => "User defined signal 1",
        Signal.SIGSEGV => "Segmentation fault",
        Signal.SIGUSR2 => "User defined signal 2",
        Signal.SIGPIPE => "Broken pipe",
        Signal.SIGALRM => "Alarm clock",
        Signal.SIGTERM => "Terminated",
        Signal.SIGSTKFLT => "Stack fault",
        Signal.SIGCHLD => "Child exited",
        Signal.SIGCONT => "Continued",
        Signal.SIGSTOP => "Stopped (signal)",
        Signal.SIGTSTP => "Stopped",
        Signal.SIGTTIN => "Stopped (tty input)",
        Signal.SIGTTOU => "Stopped (tty output)",
        Signal.SIGURG => "Urgent I/O condition",
        Signal.SIGXCPU => "CPU time limit exceeded",
        Signal.SIGXFSZ => "File size limit exceeded",
        Signal.SIGVTALRM => "Virtual timer expired",
        Signal.SIGPROF => "Profiling timer expired",
        Signal.SIGWINCH => "Window changed",
        Signal.SIGIO => "I/O possible",
        Signal.SIGPWR => "Power failure",
        Signal.SIGSYS => "Bad system call",
        _ when signal >= FirstRealTimeSignal && signal <= SignalCount => $"Real-time signal {signal - FirstRealTimeSignal}",
        _ => $"Unknown signal {signal}",
    };

    /// <summary>The SIG_DFL action, per the table in signal(7) and the kernel's sig_kernel_* masks.</summary>
    public static SignalDefaultAction DefaultAction(int signal) => (Signal)signal switch
    {
        Signal.SIGQUIT or Signal.SIGILL or Signal.SIGTRAP or Signal.SIGABRT or Signal.SIGBUS or Signal.SIGFPE
            or Signal.SIGSEGV or Signal.SIGXCPU or Signal.SIGXFSZ or Signal.SIGSYS => SignalDefaultAction.CoreDump,
        Signal.SIGCHLD or Signal.SIGURG or Signal.SIGWINCH => SignalDefaultAction.Ignore,
        Signal.SIGSTOP or Signal.SIGTSTP or Signal.SIGTTIN or Signal.SIGTTOU => SignalDefaultAction.Stop,
        Signal.SIGCONT => SignalDefaultAction.Continue,
        _ => SignalDefaultAction.Terminate,
    };

    /// <summary>The exit status a shell reports for a process killed by the signal: 128 + n.</summary>
    public static int ShellExitStatus(int signal) => 128 + signal;
}

using HvSim.GuestOs.Linux.Structs;

namespace HvSim.GuestOs.Kernel;

/// <summary>One guest process: its address space, heap break, signal state and exit status.</summary>
public sealed class Process
{
    public const int SignalCount = 64;

    /// <summary>The real and effective user id (getuid), also si_uid of the signals it sends.</summary>
    public const int UserId = 1000;

    public Process(int pid, AddressSpace space, string executablePath)
    {
        Pid = pid;
        Space = space;
        ExecutablePath = executablePath;
        Control = new ProcessControlState(executablePath);
    }

    public int Pid { get; }

    public AddressSpace Space { get; }

    /// <summary>The path the program was started from (readlink /proc/self/exe).</summary>
    public string ExecutablePath { get; }

    /// <summary>Start of the heap (end of the loaded image, page-aligned).</summary>
    public ulong BrkStart { get; set; }

    /// <summary>Current program break.</summary>
    public ulong Brk { get; set; }

    /// <summary>Signal dispositions as rt_sigaction stored them, by signal number - 1.</summary>
    public KernelSigaction[] Actions { get; } = new KernelSigaction[SignalCount];

    /// <summary>Blocked signals (bit n-1 for signal n).</summary>
    public ulong SignalMask { get; set; }

    /// <summary>Signals sent (kill, tgkill) and not yet delivered, because blocked or because the sending call has not returned yet.</summary>
    public PendingSignals Pending { get; } = new();

    /// <summary>The sigaltstack state.</summary>
    public AlternateSignalStack AlternateStack { get; } = new();

    /// <summary>
    /// The error code, trap number and CR2 of the last fault that raised a signal (the kernel's
    /// thread.error_code, trap_nr and cr2): a frame for a sent signal carries them, as Linux's does.
    /// </summary>
    public (ulong ErrorCode, ulong TrapNumber, ulong Cr2) LastFault { get; set; }

    /// <summary>What prctl reads and sets (name, dumpable, parent-death signal, no_new_privs, timer slack).</summary>
    public ProcessControlState Control { get; }

    /// <summary>The process's file descriptors from 3 up (files under --mount).</summary>
    public HvSim.GuestOs.Files.FileDescriptorTable Files { get; } = new();

    /// <summary>set_tid_address's pointer (cleared at exit in a threaded program; kept for completeness).</summary>
    public ulong ClearChildTid { get; set; }

    /// <summary>Set once the process has ended: its wait status as a shell reports it (0..255, or 128+n).</summary>
    public int? ExitStatus { get; internal set; }

    /// <summary>For a fatal signal: the one-line report (signal, RIP, address, instruction).</summary>
    public string? FatalReport { get; internal set; }
}

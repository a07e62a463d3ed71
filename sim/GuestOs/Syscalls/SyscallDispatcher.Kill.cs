using HvSim.GuestOs.Kernel;
using HvSim.GuestOs.Linux;
using HvSim.GuestOs.Linux.Structs;

namespace HvSim.GuestOs.Syscalls;

/// <summary>
/// kill, tkill and tgkill (kernel/signal.c). The guest is the only process and its only thread
/// (pid = tid = its pgid), so a signal reaches it or nothing: kill(-1, ...) — every process but
/// init and the caller — finds nobody, hence ESRCH.
/// </summary>
internal sealed partial class SyscallDispatcher
{
    private long Kill(Process process, int pid, int signal)
    {
        // kill_something_info: pid > 0 one process, 0 the caller's group, -1 everyone else, < -1
        // the group -pid (INT_MIN, whose negation overflows, is ESRCH). The guest leads its group.
        bool reachesCaller = pid switch
        {
            > 0 => pid == process.Pid,
            0 => true,
            -1 => false,
            _ => pid != int.MinValue && -pid == process.Pid,
        };
        return reachesCaller ? SendToSelf(process, signal, SigCodes.SI_USER) : Error(Errno.ESRCH);
    }

    private long Tkill(Process process, int tid, int signal)
    {
        if (tid <= 0)
        {
            return Error(Errno.EINVAL);
        }
        return tid == process.Pid ? SendToSelf(process, signal, SigCodes.SI_TKILL) : Error(Errno.ESRCH);
    }

    private long Tgkill(Process process, int tgid, int tid, int signal)
    {
        if (tid <= 0 || tgid <= 0)
        {
            return Error(Errno.EINVAL);
        }
        // do_send_specific: the thread must exist and belong to the thread group named.
        return tid == process.Pid && tgid == process.Pid ? SendToSelf(process, signal, SigCodes.SI_TKILL) : Error(Errno.ESRCH);
    }

    /// <summary>
    /// The target was found: check_kill_permission's EINVAL for a number outside 0..64, nothing
    /// more for signal 0 (an existence check), else the signal is sent with si_pid and si_uid the
    /// caller's. It is delivered (or kills) on the way out of this system call.
    /// </summary>
    private long SendToSelf(Process process, int signal, int code)
    {
        if (signal < 0 || signal > SignalFacts.SignalCount)
        {
            return Error(Errno.EINVAL);
        }
        if (signal == 0)
        {
            return 0;
        }
        SigInfo info = SigInfo.Sent((Signal)signal, code, process.Pid, Process.UserId);
        return _kernel.SendSignal(process, info) ? 0 : Error(Errno.EAGAIN);
    }
}

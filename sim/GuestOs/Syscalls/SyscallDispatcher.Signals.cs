using HvSim.GuestOs.Kernel;
using HvSim.GuestOs.Linux;
using HvSim.GuestOs.Linux.Structs;

namespace HvSim.GuestOs.Syscalls;

internal sealed partial class SyscallDispatcher
{
    private const int SigBlock = 0, SigUnblock = 1, SigSetMask = 2;
    private const ulong Unblockable = (1UL << ((int)Signal.SIGKILL - 1)) | (1UL << ((int)Signal.SIGSTOP - 1));

    private long RtSigaction(Process process, int signal, ulong action, ulong oldAction, ulong setSize)
    {
        if (setSize != KernelSigaction.SigsetSize || signal < 1 || signal > Process.SignalCount)
        {
            return Error(Errno.EINVAL);
        }
        if (action != 0 && (signal == (int)Signal.SIGKILL || signal == (int)Signal.SIGSTOP))
        {
            return Error(Errno.EINVAL);
        }
        byte[] bytes = new byte[KernelSigaction.Size];
        if (oldAction != 0)
        {
            process.Actions[signal - 1].WriteTo(bytes);
            if (!User.CopyTo(process.Space, oldAction, bytes))
            {
                return Error(Errno.EFAULT);
            }
        }
        if (action != 0)
        {
            if (!User.CopyFrom(process.Space, action, bytes))
            {
                return Error(Errno.EFAULT);
            }
            process.Actions[signal - 1] = KernelSigaction.ReadFrom(bytes);
        }
        return 0;
    }

    private long RtSigreturn(Process process)
    {
        if (_kernel.SigReturn(process, out ulong rax))
        {
            return (long)rax;
        }
        _kernel.RaiseSignal(process, Signal.SIGSEGV, SigCodes.SI_KERNEL, 0);
        return (long)Cpu.R(HvSim.Cpu.Reg.Rax);
    }

    private long RtSigprocmask(Process process, int how, ulong set, ulong oldSet, ulong setSize)
    {
        if (setSize != KernelSigaction.SigsetSize)
        {
            return Error(Errno.EINVAL);
        }
        if (oldSet != 0 && !User.WriteU64(process.Space, oldSet, process.SignalMask))
        {
            return Error(Errno.EFAULT);
        }
        if (set == 0)
        {
            return 0;
        }
        if (!User.ReadU64(process.Space, set, out ulong mask))
        {
            return Error(Errno.EFAULT);
        }
        switch (how)
        {
            case SigBlock:
                process.SignalMask |= mask;
                break;
            case SigUnblock:
                process.SignalMask &= ~mask;
                break;
            case SigSetMask:
                process.SignalMask = mask;
                break;
            default:
                return Error(Errno.EINVAL);
        }
        process.SignalMask &= ~Unblockable;
        return 0;
    }
}

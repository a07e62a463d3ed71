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
            // do_sigaction: SIGKILL and SIGSTOP can never be blocked, so they leave sa_mask.
            KernelSigaction installed = KernelSigaction.ReadFrom(bytes);
            process.Actions[signal - 1] = installed with { Mask = installed.Mask & ~Unblockable };
            if (GuestKernel.IsIgnored(process, signal))
            {
                process.Pending.Discard(signal); // POSIX: setting a pending signal to ignored discards it
            }
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

    /// <summary>rt_sigpending: the signals pending while blocked; sigsetsize may be smaller than 8 (that many bytes are written).</summary>
    private long RtSigpending(Process process, ulong set, ulong setSize)
    {
        if (setSize > KernelSigaction.SigsetSize)
        {
            return Error(Errno.EINVAL);
        }
        Span<byte> bytes = stackalloc byte[KernelSigaction.SigsetSize];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes, process.Pending.Mask & process.SignalMask);
        return User.CopyTo(process.Space, set, bytes[..(int)setSize]) ? 0 : Error(Errno.EFAULT);
    }

    /// <summary>
    /// sigaltstack (do_sigaltstack in kernel/signal.c): the new stack is read first (EFAULT), the
    /// old value is taken before it is changed and written only when the change succeeded.
    /// </summary>
    private long Sigaltstack(Process process, ulong newStack, ulong oldStack)
    {
        Span<byte> bytes = stackalloc byte[SignalStack.StructSize];
        SignalStack? requested = null;
        if (newStack != 0)
        {
            if (!User.CopyFrom(process.Space, newStack, bytes))
            {
                return Error(Errno.EFAULT);
            }
            requested = SignalStack.ReadFrom(bytes);
        }
        ulong rsp = Cpu.R(HvSim.Cpu.Reg.Rsp);
        SignalStack old = process.AlternateStack.Query(rsp);
        if (requested is { } stack && process.AlternateStack.Set(stack, rsp) is { } error)
        {
            return Error(error);
        }
        if (oldStack != 0)
        {
            old.WriteTo(bytes);
            if (!User.CopyTo(process.Space, oldStack, bytes))
            {
                return Error(Errno.EFAULT);
            }
        }
        return 0;
    }
}

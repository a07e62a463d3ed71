using HvSim.GuestOs.Kernel;
using HvSim.GuestOs.Linux;

namespace HvSim.GuestOs.Syscalls;

/// <summary>
/// prctl's common options, with the argument checks and results of kernel/sys.c (checked against
/// Linux 6.18): the task name, dumpable, the parent-death signal, the timer slack and
/// no_new_privs. Every other option is EINVAL, as for an option the kernel does not know.
/// </summary>
internal sealed partial class SyscallDispatcher
{
    private long Prctl(Process process, int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5)
    {
        ProcessControlState control = process.Control;
        switch ((PrctlOption)option)
        {
            case PrctlOption.PR_SET_PDEATHSIG:
                // valid_signal: 0 (none) to 64.
                if (arg2 > SignalFacts.SignalCount)
                {
                    return Error(Errno.EINVAL);
                }
                control.ParentDeathSignal = (int)arg2;
                return 0;
            case PrctlOption.PR_GET_PDEATHSIG:
                return WriteInt(process, arg2, control.ParentDeathSignal);
            case PrctlOption.PR_GET_DUMPABLE:
                return control.Dumpable;
            case PrctlOption.PR_SET_DUMPABLE:
                // Only SUID_DUMP_DISABLE (0) and SUID_DUMP_USER (1); 2 is for the sysctl alone.
                if (arg2 > 1)
                {
                    return Error(Errno.EINVAL);
                }
                control.Dumpable = (int)arg2;
                return 0;
            case PrctlOption.PR_SET_NAME:
                return SetName(process, arg2);
            case PrctlOption.PR_GET_NAME:
                return User.CopyTo(process.Space, arg2, control.Name) ? 0 : Error(Errno.EFAULT);
            case PrctlOption.PR_SET_TIMERSLACK:
                // A zero (the argument is unsigned, so "<= 0" is zero) restores the default.
                control.TimerSlackNanoseconds = arg2 == 0 ? ProcessControlState.DefaultTimerSlackNanoseconds : arg2;
                return 0;
            case PrctlOption.PR_GET_TIMERSLACK:
                return (long)control.TimerSlackNanoseconds;
            case PrctlOption.PR_SET_NO_NEW_PRIVS:
                if (arg2 != 1 || arg3 != 0 || arg4 != 0 || arg5 != 0)
                {
                    return Error(Errno.EINVAL);
                }
                control.NoNewPrivileges = true;
                return 0;
            case PrctlOption.PR_GET_NO_NEW_PRIVS:
                if (arg2 != 0 || arg3 != 0 || arg4 != 0 || arg5 != 0)
                {
                    return Error(Errno.EINVAL);
                }
                return control.NoNewPrivileges ? 1 : 0;
            default:
                return Error(Errno.EINVAL);
        }
    }

    /// <summary>PR_SET_NAME: strncpy_from_user of at most 15 bytes (a fault before the NUL or the 15th byte is EFAULT).</summary>
    private long SetName(Process process, ulong address)
    {
        Span<byte> name = stackalloc byte[ProcessControlState.NameSize - 1];
        int length = 0;
        for (; length < name.Length; length++)
        {
            if (!User.CopyFrom(process.Space, address + (ulong)length, name.Slice(length, 1)))
            {
                return Error(Errno.EFAULT);
            }
            if (name[length] == 0)
            {
                break;
            }
        }
        process.Control.SetName(name[..length]);
        return 0;
    }

    private long WriteInt(Process process, ulong address, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return User.CopyTo(process.Space, address, bytes) ? 0 : Error(Errno.EFAULT);
    }
}

using HvSim.GuestOs.Kernel;
using HvSim.GuestOs.Linux;
using HvSim.GuestOs.Linux.Structs;

namespace HvSim.GuestOs.Syscalls;

internal sealed partial class SyscallDispatcher
{
    private const int FutexWait = 0, FutexWake = 1, FutexCommandMask = 0x7F;

    private long Uname(Process process, ulong address)
    {
        var name = new Utsname("Linux", "hvsim", "6.1.0-hvsim", "#1 SMP HvSim", "x86_64", "(none)");
        byte[] bytes = new byte[Utsname.Size];
        name.WriteTo(bytes);
        return User.CopyTo(process.Space, address, bytes) ? 0 : Error(Errno.EFAULT);
    }

    private long ArchPrctl(Process process, int code, ulong value)
    {
        switch ((ArchPrctlCode)code)
        {
            case ArchPrctlCode.ARCH_SET_FS:
                Cpu.FsBase = value;
                return 0;
            case ArchPrctlCode.ARCH_SET_GS:
                Cpu.GsBase = value;
                return 0;
            case ArchPrctlCode.ARCH_GET_FS:
                return User.WriteU64(process.Space, value, Cpu.FsBase) ? 0 : Error(Errno.EFAULT);
            case ArchPrctlCode.ARCH_GET_GS:
                return User.WriteU64(process.Space, value, Cpu.GsBase) ? 0 : Error(Errno.EFAULT);
            default:
                return Error(Errno.EINVAL);
        }
    }

    private static long SetTidAddress(Process process, ulong address)
    {
        process.ClearChildTid = address;
        return process.Pid;
    }

    private long Prlimit64(Process process, int pid, int resource, ulong newLimit, ulong oldLimit)
    {
        if (pid != 0 && pid != process.Pid)
        {
            return Error(Errno.ESRCH);
        }
        if (resource is < 0 or > 15)
        {
            return Error(Errno.EINVAL);
        }
        if (oldLimit != 0)
        {
            Rlimit limit = (RlimitResource)resource switch
            {
                RlimitResource.RLIMIT_STACK => new Rlimit(ProcessLoader.StackSize, Rlimit.Infinity),
                RlimitResource.RLIMIT_NOFILE => new Rlimit(HvSim.GuestOs.Files.FileDescriptorTable.Limit, 4096),
                _ => new Rlimit(Rlimit.Infinity, Rlimit.Infinity),
            };
            byte[] bytes = new byte[Rlimit.Size];
            limit.WriteTo(bytes);
            if (!User.CopyTo(process.Space, oldLimit, bytes))
            {
                return Error(Errno.EFAULT);
            }
        }
        return 0; // new limits are accepted and have no effect
    }

    /// <summary>
    /// getrandom (drivers/char/random.c): unknown flags, or GRND_RANDOM with GRND_INSECURE, are
    /// EINVAL before anything else (even for a zero length); the bytes come from the seeded
    /// generator whatever the flags, so a run is reproducible.
    /// </summary>
    private long Getrandom(Process process, ulong buffer, ulong length, uint flags)
    {
        const GetrandomFlags known = GetrandomFlags.GRND_NONBLOCK | GetrandomFlags.GRND_RANDOM | GetrandomFlags.GRND_INSECURE;
        const GetrandomFlags contradictory = GetrandomFlags.GRND_RANDOM | GetrandomFlags.GRND_INSECURE;
        var given = (GetrandomFlags)flags;
        if ((given & ~known) != 0 || (given & contradictory) == contradictory)
        {
            return Error(Errno.EINVAL);
        }
        int n = (int)Math.Min(length, 1 << 20);
        // Piece by piece through the copy buffer: the pieces are multiples of 8 bytes, so the bytes
        // are exactly those one fill of n would give.
        for (int done = 0; done < n;)
        {
            Span<byte> piece = CopyBuffer.AsSpan(0, Math.Min(n - done, CopyChunk));
            _kernel.Random.Fill(piece);
            if (!User.CopyTo(process.Space, buffer + (ulong)done, piece))
            {
                return done > 0 ? done : Error(Errno.EFAULT);
            }
            done += piece.Length;
        }
        return n;
    }

    private long ClockGettime(Process process, ulong address)
    {
        byte[] bytes = new byte[Timespec.Size];
        Timespec.FromNanoseconds(_kernel.NowNanoseconds).WriteTo(bytes);
        return User.CopyTo(process.Space, address, bytes) ? 0 : Error(Errno.EFAULT);
    }

    private long Gettimeofday(Process process, ulong address)
    {
        if (address == 0)
        {
            return 0;
        }
        ulong now = _kernel.NowNanoseconds;
        byte[] bytes = new byte[Timeval.Size];
        new Timeval((long)(now / 1_000_000_000), (long)(now % 1_000_000_000 / 1000)).WriteTo(bytes);
        return User.CopyTo(process.Space, address, bytes) ? 0 : Error(Errno.EFAULT);
    }

    private long Time(Process process, ulong address)
    {
        long seconds = (long)(_kernel.NowNanoseconds / 1_000_000_000);
        if (address != 0 && !User.WriteU64(process.Space, address, (ulong)seconds))
        {
            return Error(Errno.EFAULT);
        }
        return seconds;
    }

    /// <summary>One thread only: nobody else can change the word, so a wait would never end.</summary>
    private static long Futex(int operation)
    {
        return (operation & FutexCommandMask) switch
        {
            FutexWake => 0,
            FutexWait => Error(Errno.EAGAIN),
            _ => Error(Errno.ENOSYS),
        };
    }
}

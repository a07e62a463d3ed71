using HvSim.Cpu;
using HvSim.GuestOs.Kernel;
using HvSim.GuestOs.Linux;

namespace HvSim.GuestOs.Syscalls;

/// <summary>
/// The x86-64 Linux system-call table: number in RAX, arguments in RDI, RSI, RDX, R10, R8, R9,
/// result (or -errno) in RAX. Calls not listed return -ENOSYS, as a kernel without them would.
/// </summary>
internal sealed partial class SyscallDispatcher
{
    private readonly GuestKernel _kernel;
    private readonly Stream _stdin;
    private readonly Stream _stdout;
    private readonly Stream _stderr;

    public SyscallDispatcher(GuestKernel kernel, Stream stdin, Stream stdout, Stream stderr)
    {
        _kernel = kernel;
        _stdin = stdin;
        _stdout = stdout;
        _stderr = stderr;
    }

    private HvSim.Cpu.Cpu Cpu => _kernel.Cpu;

    private UserMemory User => _kernel.UserMemory;

    private ulong Arg(int n) => Cpu.R(n switch
    {
        0 => Reg.Rdi,
        1 => Reg.Rsi,
        2 => Reg.Rdx,
        3 => Reg.R10,
        4 => Reg.R8,
        _ => Reg.R9,
    });

    private static long Error(Errno errno) => -(long)errno;

    /// <summary>The pending call's trace step: its Linux name and the arguments it takes ("system call mprotect(0x7f0000000000, 0x1000, 0x3)").</summary>
    public Core.TraceData TraceStep()
    {
        var number = (SyscallNumber)Cpu.R(Reg.Rax);
        var args = new ulong[ArgumentCount(number)];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = Arg(i);
        }
        return new Core.TraceData("system call {call}")
        {
            Syscall = Enum.IsDefined(number) ? number.LinuxName() : $"#{(ulong)number}",
            Args = args,
        };
    }

    /// <summary>How many arguments a call takes (for traces; the rest of the registers are noise).</summary>
    private static int ArgumentCount(SyscallNumber number) => number switch
    {
        SyscallNumber.RtSigreturn or SyscallNumber.Getpid or SyscallNumber.Gettid or SyscallNumber.Getuid
            or SyscallNumber.Geteuid or SyscallNumber.Getgid or SyscallNumber.Getegid or SyscallNumber.Getppid
            or SyscallNumber.SchedYield => 0,
        SyscallNumber.Exit or SyscallNumber.ExitGroup or SyscallNumber.Brk or SyscallNumber.Close
            or SyscallNumber.Uname or SyscallNumber.SetTidAddress or SyscallNumber.Time or SyscallNumber.Dup
            or SyscallNumber.Unlink or SyscallNumber.Rmdir or SyscallNumber.Userfaultfd => 1,
        SyscallNumber.Munmap or SyscallNumber.ArchPrctl or SyscallNumber.ClockGettime or SyscallNumber.Gettimeofday
            or SyscallNumber.Fstat or SyscallNumber.SetRobustList or SyscallNumber.Kill or SyscallNumber.Tkill
            or SyscallNumber.Sigaltstack or SyscallNumber.RtSigpending or SyscallNumber.Stat or SyscallNumber.Lstat
            or SyscallNumber.Access or SyscallNumber.Mkdir or SyscallNumber.Dup2 => 2,
        SyscallNumber.RtSigaction or SyscallNumber.RtSigprocmask or SyscallNumber.Prlimit64 or SyscallNumber.Newfstatat
            or SyscallNumber.Openat or SyscallNumber.Pread64 or SyscallNumber.Pwrite64 => 4,
        SyscallNumber.Mremap or SyscallNumber.Prctl => 5,
        SyscallNumber.Mmap => 6,
        _ => 3,
    };

    /// <summary>Runs the system call the CPU stopped on and stores its result in RAX.</summary>
    public void Dispatch(Process process)
    {
        var number = (SyscallNumber)Cpu.R(Reg.Rax);
        long result = number switch
        {
            SyscallNumber.Read => Read(process, (int)Arg(0), Arg(1), Arg(2)),
            SyscallNumber.Write => Write(process, (int)Arg(0), Arg(1), Arg(2)),
            SyscallNumber.Pread64 => Pread64(process, (int)Arg(0), Arg(1), Arg(2), (long)Arg(3)),
            SyscallNumber.Pwrite64 => Pwrite64(process, (int)Arg(0), Arg(1), Arg(2), (long)Arg(3)),
            SyscallNumber.Writev => Writev(process, (int)Arg(0), Arg(1), Arg(2)),
            SyscallNumber.Close => Close(process, (int)Arg(0)),
            SyscallNumber.CloseRange => CloseRange(process, (uint)Arg(0), (uint)Arg(1), (int)Arg(2)),
            SyscallNumber.Dup => Dup(process, (int)Arg(0)),
            SyscallNumber.Dup2 => Dup3(process, (int)Arg(0), (int)Arg(1), 0, isDup2: true),
            SyscallNumber.Dup3 => Dup3(process, (int)Arg(0), (int)Arg(1), (int)Arg(2), isDup2: false),
            SyscallNumber.Ioctl => Ioctl(process, (int)Arg(0), Arg(1), Arg(2)),
            SyscallNumber.Userfaultfd => UserfaultfdCreate(process, (int)Arg(0)),
            SyscallNumber.Fcntl => Fcntl(process, (int)Arg(0), (int)Arg(1), Arg(2)),
            SyscallNumber.Getcwd => Getcwd(process, Arg(0), Arg(1)),
            SyscallNumber.Fstat => Fstat(process, (int)Arg(0), Arg(1)),
            SyscallNumber.Newfstatat => Newfstatat(process, (int)Arg(0), Arg(1), Arg(2), (int)Arg(3)),
            SyscallNumber.Stat => Newfstatat(process, FileConstants.AT_FDCWD, Arg(0), Arg(1), 0),
            SyscallNumber.Lstat => Newfstatat(process, FileConstants.AT_FDCWD, Arg(0), Arg(1), FileConstants.AT_SYMLINK_NOFOLLOW),
            SyscallNumber.Lseek => Lseek(process, (int)Arg(0), (long)Arg(1), (int)Arg(2)),
            SyscallNumber.Getdents64 => Getdents64(process, (int)Arg(0), Arg(1), Arg(2)),
            SyscallNumber.Readlink => Readlink(process, Arg(0), Arg(1), Arg(2)),
            SyscallNumber.Open => Openat(process, FileConstants.AT_FDCWD, Arg(0), (int)Arg(1), (int)Arg(2)),
            SyscallNumber.Openat => Openat(process, (int)Arg(0), Arg(1), (int)Arg(2), (int)Arg(3)),
            SyscallNumber.Access => Faccessat(process, FileConstants.AT_FDCWD, Arg(0), (int)Arg(1)),
            SyscallNumber.Faccessat or SyscallNumber.Faccessat2 => Faccessat(process, (int)Arg(0), Arg(1), (int)Arg(2)),
            SyscallNumber.Mkdir => Mkdirat(process, FileConstants.AT_FDCWD, Arg(0), (int)Arg(1)),
            SyscallNumber.Mkdirat => Mkdirat(process, (int)Arg(0), Arg(1), (int)Arg(2)),
            SyscallNumber.Unlink => Unlinkat(process, FileConstants.AT_FDCWD, Arg(0), 0),
            SyscallNumber.Rmdir => Unlinkat(process, FileConstants.AT_FDCWD, Arg(0), AtRemoveDir),
            SyscallNumber.Unlinkat => Unlinkat(process, (int)Arg(0), Arg(1), (int)Arg(2)),
            SyscallNumber.Mmap => Mmap(process, Arg(0), Arg(1), (int)Arg(2), (int)Arg(3), (int)Arg(4), Arg(5)),
            SyscallNumber.Munmap => Munmap(process, Arg(0), Arg(1)),
            SyscallNumber.Mprotect => Mprotect(process, Arg(0), Arg(1), (int)Arg(2)),
            SyscallNumber.Brk => Brk(process, Arg(0)),
            SyscallNumber.Mremap => Mremap(process, Arg(0), Arg(1), Arg(2), (int)Arg(3), Arg(4)),
            SyscallNumber.Madvise => 0,
            SyscallNumber.RtSigaction => RtSigaction(process, (int)Arg(0), Arg(1), Arg(2), Arg(3)),
            SyscallNumber.RtSigprocmask => RtSigprocmask(process, (int)Arg(0), Arg(1), Arg(2), Arg(3)),
            SyscallNumber.RtSigreturn => RtSigreturn(process),
            SyscallNumber.RtSigpending => RtSigpending(process, Arg(0), Arg(1)),
            SyscallNumber.Sigaltstack => Sigaltstack(process, Arg(0), Arg(1)),
            SyscallNumber.Kill => Kill(process, (int)Arg(0), (int)Arg(1)),
            SyscallNumber.Tkill => Tkill(process, (int)Arg(0), (int)Arg(1)),
            SyscallNumber.Tgkill => Tgkill(process, (int)Arg(0), (int)Arg(1), (int)Arg(2)),
            SyscallNumber.Prctl => Prctl(process, (int)Arg(0), Arg(1), Arg(2), Arg(3), Arg(4)),
            SyscallNumber.Exit or SyscallNumber.ExitGroup => Exit(process, (int)Arg(0)),
            SyscallNumber.Getpid or SyscallNumber.Gettid => process.Pid,
            SyscallNumber.Getppid => 1,
            SyscallNumber.Getuid or SyscallNumber.Geteuid or SyscallNumber.Getgid or SyscallNumber.Getegid => 1000,
            SyscallNumber.Uname => Uname(process, Arg(0)),
            SyscallNumber.ArchPrctl => ArchPrctl(process, (int)Arg(0), Arg(1)),
            SyscallNumber.SetTidAddress => SetTidAddress(process, Arg(0)),
            SyscallNumber.SetRobustList => 0,
            SyscallNumber.Rseq => Error(Errno.ENOSYS),
            SyscallNumber.Prlimit64 => Prlimit64(process, (int)Arg(0), (int)Arg(1), Arg(2), Arg(3)),
            SyscallNumber.Getrlimit => Prlimit64(process, 0, (int)Arg(0), 0, Arg(1)),
            SyscallNumber.Getrandom => Getrandom(process, Arg(0), Arg(1), (uint)Arg(2)),
            SyscallNumber.ClockGettime => ClockGettime(process, Arg(1)),
            SyscallNumber.Gettimeofday => Gettimeofday(process, Arg(0)),
            SyscallNumber.Time => Time(process, Arg(0)),
            SyscallNumber.SchedYield => 0,
            SyscallNumber.Futex => Futex((int)Arg(1)),
            _ => Error(Errno.ENOSYS),
        };
        Cpu.R(Reg.Rax) = (ulong)result;
    }

    private long Exit(Process process, int status)
    {
        _kernel.Exit(process, status);
        return 0;
    }
}

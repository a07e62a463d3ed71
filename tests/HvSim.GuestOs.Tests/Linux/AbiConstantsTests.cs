using HvSim.GuestOs.Linux;

namespace HvSim.GuestOs.Tests.Linux;

public sealed class AbiConstantsTests
{
    [Theory]
    [InlineData(SyscallNumber.Read, 0, "read")]
    [InlineData(SyscallNumber.Write, 1, "write")]
    [InlineData(SyscallNumber.Mmap, 9, "mmap")]
    [InlineData(SyscallNumber.Mprotect, 10, "mprotect")]
    [InlineData(SyscallNumber.Brk, 12, "brk")]
    [InlineData(SyscallNumber.RtSigaction, 13, "rt_sigaction")]
    [InlineData(SyscallNumber.RtSigreturn, 15, "rt_sigreturn")]
    [InlineData(SyscallNumber.Pread64, 17, "pread64")]
    [InlineData(SyscallNumber.Writev, 20, "writev")]
    [InlineData(SyscallNumber.SchedYield, 24, "sched_yield")]
    [InlineData(SyscallNumber.Msync, 26, "msync")]
    [InlineData(SyscallNumber.Mincore, 27, "mincore")]
    [InlineData(SyscallNumber.Exit, 60, "exit")]
    [InlineData(SyscallNumber.Uname, 63, "uname")]
    [InlineData(SyscallNumber.Sigaltstack, 131, "sigaltstack")]
    [InlineData(SyscallNumber.ArchPrctl, 158, "arch_prctl")]
    [InlineData(SyscallNumber.Gettid, 186, "gettid")]
    [InlineData(SyscallNumber.Futex, 202, "futex")]
    [InlineData(SyscallNumber.SetTidAddress, 218, "set_tid_address")]
    [InlineData(SyscallNumber.ClockGettime, 228, "clock_gettime")]
    [InlineData(SyscallNumber.ExitGroup, 231, "exit_group")]
    [InlineData(SyscallNumber.Tgkill, 234, "tgkill")]
    [InlineData(SyscallNumber.Openat, 257, "openat")]
    [InlineData(SyscallNumber.Newfstatat, 262, "newfstatat")]
    [InlineData(SyscallNumber.SetRobustList, 273, "set_robust_list")]
    [InlineData(SyscallNumber.Prlimit64, 302, "prlimit64")]
    [InlineData(SyscallNumber.Getrandom, 318, "getrandom")]
    [InlineData(SyscallNumber.MemfdCreate, 319, "memfd_create")]
    [InlineData(SyscallNumber.Rseq, 334, "rseq")]
    [InlineData(SyscallNumber.Faccessat2, 439, "faccessat2")]
    public void SyscallNumbersAndNamesMatchUnistd64(SyscallNumber number, int expected, string name)
    {
        Assert.Equal(expected, (int)number);
        Assert.Equal(name, number.LinuxName());
    }

    [Fact]
    public void UnknownSyscallGetsANumberedName()
    {
        Assert.Equal("syscall_999", ((SyscallNumber)999).LinuxName());
    }

    [Fact]
    public void ErrnoEncodesAsNegativeRax()
    {
        Assert.Equal(38, (int)Errno.ENOSYS);
        Assert.Equal(0xffff_ffff_ffff_ffdaUL, Errno.ENOSYS.AsSyscallResult());
        Assert.True(ErrnoExtensions.IsSyscallError(Errno.EPERM.AsSyscallResult()));
        Assert.True(ErrnoExtensions.IsSyscallError(unchecked((ulong)-4095L)));
        Assert.False(ErrnoExtensions.IsSyscallError(unchecked((ulong)-4096L)));
        Assert.False(ErrnoExtensions.IsSyscallError(0x7fff_f000));
        Assert.Equal("EFAULT", Errno.EFAULT.ToString());
    }

    [Fact]
    public void SignalNamesDescriptionsAndDefaults()
    {
        Assert.Equal("SIGSEGV", SignalFacts.Name(11));
        Assert.Equal("SIGRTMIN+2", SignalFacts.Name(34));
        Assert.Equal("signal 99", SignalFacts.Name(99));
        Assert.Equal("Segmentation fault", SignalFacts.Describe((int)Signal.SIGSEGV));
        Assert.Equal("Unknown signal 99", SignalFacts.Describe(99));
        Assert.Equal(SignalDefaultAction.CoreDump, SignalFacts.DefaultAction((int)Signal.SIGSEGV));
        Assert.Equal(SignalDefaultAction.Terminate, SignalFacts.DefaultAction((int)Signal.SIGKILL));
        Assert.Equal(SignalDefaultAction.Ignore, SignalFacts.DefaultAction((int)Signal.SIGCHLD));
        Assert.Equal(139, SignalFacts.ShellExitStatus((int)Signal.SIGSEGV));
        Assert.Equal(1UL << 10, SignalFacts.MaskBit(Signal.SIGSEGV));
        Assert.Equal(1UL << 63, SignalFacts.MaskBit(64));
        Assert.Throws<ArgumentOutOfRangeException>(() => SignalFacts.MaskBit(0));
        Assert.True(SignalFacts.IsUncatchable((int)Signal.SIGKILL));
    }

    [Fact]
    public void SigCodeNamesDependOnTheSignal()
    {
        Assert.Equal("SEGV_MAPERR", SigCodes.Name(Signal.SIGSEGV, 1));
        Assert.Equal("SEGV_ACCERR", SigCodes.Name(Signal.SIGSEGV, 2));
        Assert.Equal("ILL_ILLOPN", SigCodes.Name(Signal.SIGILL, 2));
        Assert.Equal("FPE_INTDIV", SigCodes.Name(Signal.SIGFPE, 1));
        Assert.Equal("SI_USER", SigCodes.Name(Signal.SIGSEGV, 0));
        Assert.Equal("77", SigCodes.Name(Signal.SIGSEGV, 77));
    }

    [Fact]
    public void MemoryAndProcessControlConstants()
    {
        Assert.Equal(0x1002, (int)ArchPrctlCode.ARCH_SET_FS);
        Assert.Equal(0x1003, (int)ArchPrctlCode.ARCH_GET_FS);
        Assert.Equal(0x1001, (int)ArchPrctlCode.ARCH_SET_GS);
        Assert.Equal(0x1004, (int)ArchPrctlCode.ARCH_GET_GS);
        Assert.Equal(0x22, (int)(MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS));
        Assert.Equal(3, (int)(MemoryProtection.PROT_READ | MemoryProtection.PROT_WRITE));
        Assert.Equal(0x0400_0000UL, (ulong)SigActionFlags.SA_RESTORER);
        Assert.Equal(25UL, (ulong)AuxvType.AT_RANDOM);
        Assert.Equal(31UL, (ulong)AuxvType.AT_EXECFN);
    }
}

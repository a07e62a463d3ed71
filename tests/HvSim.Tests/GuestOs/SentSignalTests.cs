using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;
using static HvSim.Tests.GuestOsTests.OsCallGuest;

namespace HvSim.Tests.GuestOsTests;

/// <summary>
/// Issue 14: kill, tkill and tgkill to the process itself. Each program ends with a status that
/// says what happened; the host kernel, where it can run them, must end them the same way
/// (except where the host has other processes, so a pid means something else there).
/// </summary>
public sealed class SentSignalTests
{
    // Offsets from the ucontext (the handler's rdx) of the saved r13 and r15: uc_mcontext is at
    // 40, and struct sigcontext starts r8, r9, ..., r15.
    private const int UcR13 = 40 + (5 * 8), UcR15 = 40 + (7 * 8);

    [Fact]
    public void Tgkill_of_SIGABRT_without_a_handler_ends_with_134_and_a_one_line_report()
    {
        byte[] elf = Program(a =>
        {
            RaiseByTgkill(a, Sigabrt);
            Exit(a, 0);
        });
        KernelRun run = AssertStatus(elf, 128 + Sigabrt, "tgkill-abrt");
        Assert.Contains("killed by SIGABRT (SI_TKILL from pid 1000)", run.Process.FatalReport);
        Assert.Equal(0, run.Ledger.Count(EventKind.SignalDelivery));
    }

    /// <summary>Sent signals do not depend on who sees the system call first: the same on every platform.</summary>
    [Theory]
    [InlineData(Platform.Native)]
    [InlineData(Platform.XenPv)]
    [InlineData(Platform.XenShadow)]
    public void Tgkill_of_SIGABRT_ends_with_134_on_every_platform(Platform platform)
    {
        byte[] elf = Program(a =>
        {
            RaiseByTgkill(a, Sigabrt);
            Exit(a, 0);
        });
        var kernel = new GuestKernel(new KernelOptions { Platform = new PlatformOptions { Platform = platform }, MaxInstructions = 1000 },
            new MemoryStream(), new MemoryStream(), new MemoryStream());
        HvSim.GuestOs.Kernel.Process process = kernel.CreateProcess(elf, "abrt", ["abrt"], []);
        Assert.Equal(RunOutcome.Exited, kernel.Run(process));
        Assert.True(process.ExitStatus == 128 + Sigabrt, $"{platform}: status {process.ExitStatus} ({process.FatalReport})");
    }

    /// <summary>The default action of each kind: terminate (128+n), ignore (the program goes on to exit 0).</summary>
    [Theory]
    [InlineData(Sigterm, 128 + Sigterm)]
    [InlineData(Sigusr1, 128 + Sigusr1)]
    [InlineData(Sigkill, 128 + Sigkill)]
    [InlineData(Sigchld, 0)]
    [InlineData(Sigurg, 0)]
    [InlineData(Sigwinch, 0)]
    public void Kill_to_itself_takes_the_default_action(int signal, int status)
    {
        byte[] elf = Program(a =>
        {
            a.mov(eax, SysGetpid);
            a.syscall();
            a.mov(rdi, rax);
            a.mov(esi, signal);
            a.mov(eax, SysKill);
            a.syscall();
            Exit(a, 0);
        });
        AssertStatus(elf, status, $"kill-{signal}");
    }

    [Fact]
    public void Sigstop_ends_the_run_as_a_stopped_job_since_nothing_can_continue_it()
    {
        byte[] elf = Program(a =>
        {
            RaiseByTgkill(a, Sigstop);
            Exit(a, 0);
        });
        KernelRun run = AssertStatus(elf, 128 + Sigstop, "sigstop", checkNative: false); // natively it would stop for good
        Assert.Contains("stopped for good by SIGSTOP", run.Process.FatalReport);
    }

    /// <summary>Who kill(pid, sig) reaches when the guest (pid 1000, leading its group) is the only process.</summary>
    [Theory]
    [InlineData(1000L, 0L, 0L)]
    [InlineData(0L, 0L, 0L)]
    [InlineData(-1000L, 0L, 0L)]
    [InlineData(-1L, 0L, -3L)]            // everyone but init and the caller: nobody here
    [InlineData(1L, 0L, -3L)]             // init is not simulated
    [InlineData(1001L, 0L, -3L)]
    [InlineData(0x7FFF_FFF0L, 65L, -3L)]  // ESRCH before the signal is looked at
    [InlineData(-2147483648L, 0L, -3L)]   // INT_MIN
    [InlineData(1000L, 65L, -22L)]
    [InlineData(1000L, -1L, -22L)]
    [InlineData(0x1_0000_03E8L, 0L, 0L)]  // pid_t is 32 bits: the upper half is ignored
    public void Kill_reaches_only_the_caller(long pid, long signal, long result)
    {
        KernelRun run = Run(Program(a =>
        {
            Call(a, SysKill, pid, signal);
            ExitWithRax(a);
        }));
        Assert.Equal(result, ExitArgument(run));
    }

    [Theory]
    [InlineData(SysTkill, 1000L, 0L, 0L, 0L)]
    [InlineData(SysTkill, 0L, 0L, 0L, -22L)]
    [InlineData(SysTkill, -5L, 0L, 0L, -22L)]
    [InlineData(SysTkill, 1001L, 0L, 0L, -3L)]
    [InlineData(SysTkill, 1000L, 65L, 0L, -22L)]
    [InlineData(SysTgkill, 1000L, 1000L, 0L, 0L)]
    [InlineData(SysTgkill, 0L, 1000L, 0L, -22L)]
    [InlineData(SysTgkill, 1000L, 0L, 0L, -22L)]
    [InlineData(SysTgkill, 1001L, 1000L, 0L, -3L)]
    [InlineData(SysTgkill, 1000L, 1001L, 0L, -3L)]
    [InlineData(SysTgkill, 1000L, 1000L, 65L, -22L)]
    public void Tkill_and_tgkill_check_their_ids_as_Linux_does(int number, long arg0, long arg1, long arg2, long result)
    {
        KernelRun run = Run(Program(a =>
        {
            Call(a, number, arg0, arg1, arg2);
            ExitWithRax(a);
        }));
        Assert.Equal(result, ExitArgument(run));
    }

    /// <summary>
    /// The handler sees si_code SI_USER for kill and SI_TKILL for tgkill, si_pid and si_uid the
    /// guest's (1000), and returns through rt_sigreturn into the code after the kill, whose result
    /// (0) is restored in RAX. The handler counts its runs in the r15 the frame saved (registers
    /// come back from the frame, so a plain inc r15 would be undone). Exit status 42 says all of
    /// that held.
    /// </summary>
    [Theory]
    [InlineData(SysKill, 0)]
    [InlineData(SysTgkill, -6)]
    public void A_handler_gets_the_senders_siginfo_and_returns_after_the_call(int number, int code)
    {
        KernelRun run = Run(Program(a =>
        {
            Label handler = a.CreateLabel(), restorer = a.CreateLabel(), bad = a.CreateLabel();
            Sigaction(a, Sigusr1, handler, restorer, SaSiginfo);
            a.xor(r15d, r15d);
            if (number == SysKill)
            {
                Call(a, SysKill, 1000, Sigusr1);
            }
            else
            {
                Call(a, SysTgkill, 1000, 1000, Sigusr1);
            }
            a.test(rax, rax);
            a.jnz(bad);
            a.lea(rdi, __[r15 + 41]);     // 42 when the handler ran once
            a.mov(eax, SysExitGroup);
            a.syscall();
            a.Label(ref bad);
            Exit(a, 1);

            a.Label(ref handler);         // (sig, info, uc)
            a.cmp(edi, Sigusr1);
            a.jne(bad);
            a.cmp(__dword_ptr[rsi + 8], code);
            a.jne(bad);
            a.cmp(__dword_ptr[rsi + 16], 1000);
            a.jne(bad);
            a.cmp(__dword_ptr[rsi + 20], 1000);
            a.jne(bad);
            a.inc(__qword_ptr[rdx + UcR15]); // r15 as rt_sigreturn will restore it
            a.ret();
            HvSim.Tests.FaultPath.PtGuest.EmitRestorer(a, restorer);
        }));
        Assert.True(run.ExitStatus == 42, run.Describe());
        Assert.Equal(1, run.Ledger.Count(EventKind.SignalDelivery));
        Assert.Equal(1, run.Ledger.Count(EventKind.SigReturn));
    }

    /// <summary>
    /// A blocked signal waits: kill returns with the handler not run (r12 is still 0), and the
    /// rt_sigprocmask that unblocks it delivers it before returning (the handler adds r12 + 40,
    /// with r12 set to 2 just before the unblock, so 42 means "after the kill, at the unblock").
    /// </summary>
    [Fact]
    public void A_blocked_signal_stays_pending_until_rt_sigprocmask_unblocks_it()
    {
        byte[] elf = Program(a =>
        {
            Label handler = a.CreateLabel(), restorer = a.CreateLabel();
            Sigaction(a, Sigusr1, handler, restorer, SaSiginfo);
            Sigprocmask(a, 0, 1UL << (Sigusr1 - 1));
            a.xor(r12d, r12d);
            a.mov(eax, SysGetpid);
            a.syscall();
            a.mov(rdi, rax);
            a.mov(esi, Sigusr1);
            a.mov(eax, SysKill);
            a.syscall();
            a.mov(r12d, 2);
            Sigprocmask(a, 1, 1UL << (Sigusr1 - 1));
            Exit(a, 1);                   // not reached when the handler ran

            a.Label(ref handler);
            a.lea(rdi, __[r12 + 40]);
            a.mov(eax, SysExitGroup);
            a.syscall();
            HvSim.Tests.FaultPath.PtGuest.EmitRestorer(a, restorer);
        });
        AssertStatus(elf, 42, "pending-until-unblocked");
    }

    /// <summary>
    /// A signal blocked by the running handler's sa_mask (here the handler's own, re-sent from
    /// inside it) is delivered when rt_sigreturn restores the mask: the first run sets the r13
    /// saved in its frame to 1, so the second run, after the return, sees r13 = 1 and exits with
    /// 42; had it nested inside the first, it would have seen 0 and looped.
    /// </summary>
    [Fact]
    public void A_signal_sent_from_its_own_handler_runs_after_rt_sigreturn()
    {
        byte[] elf = Program(a =>
        {
            Label handler = a.CreateLabel(), restorer = a.CreateLabel(), second = a.CreateLabel();
            Sigaction(a, Sigusr1, handler, restorer, SaSiginfo);
            a.xor(r13d, r13d);
            RaiseByTgkill(a, Sigusr1);
            Exit(a, 1);

            a.Label(ref handler);
            a.test(r13, r13);
            a.jnz(second);
            a.mov(__qword_ptr[rdx + UcR13], 1); // the r13 rt_sigreturn restores
            RaiseByTgkill(a, Sigusr1);          // blocked while this handler runs
            a.ret();
            a.Label(ref second);
            Exit(a, 42);
            HvSim.Tests.FaultPath.PtGuest.EmitRestorer(a, restorer);
        });
        KernelRun run = AssertStatus(elf, 42, "resent-from-handler");
        Assert.Equal(2, run.Ledger.Count(EventKind.SignalDelivery));
        Assert.Equal(1, run.Ledger.Count(EventKind.SigReturn));
    }
}

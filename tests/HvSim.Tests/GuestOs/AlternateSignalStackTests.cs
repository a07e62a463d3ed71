using HvSim.Core;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;
using static HvSim.Tests.GuestOsTests.OsCallGuest;

namespace HvSim.Tests.GuestOsTests;

/// <summary>
/// Issue 14: sigaltstack and SA_ONSTACK. The alternate stack is carved from the main stack,
/// 128 KiB below the initial rsp (rbx holds its base). The host kernel, where it can run the
/// programs, must end them with the same status.
/// </summary>
public sealed class AlternateSignalStackTests
{
    private const int AltOffset = 0x20000;

    /// <summary>sigaltstack({rbx, flags, size}, NULL) with the stack_t built on the stack.</summary>
    private static void InstallAltStack(Assembler a, ulong size, uint flags)
    {
        a.lea(rbx, __[rsp - AltOffset]);
        a.sub(rsp, 32);
        a.mov(__qword_ptr[rsp], rbx);
        a.mov(__dword_ptr[rsp + 8], flags);
        a.mov(__dword_ptr[rsp + 12], 0);
        a.mov(rax, size);
        a.mov(__qword_ptr[rsp + 16], rax);
        a.mov(rdi, rsp);
        a.xor(esi, esi);
        a.mov(eax, SysSigaltstack);
        a.syscall();
        a.add(rsp, 32);
    }

    [Theory]
    [InlineData(100UL, 0U, -12L)]          // ENOMEM: below MINSIGSTKSZ (2048)
    [InlineData(2047UL, 0U, -12L)]
    [InlineData(2048UL, 0U, 0L)]
    [InlineData(2048UL, 1U, 0L)]           // SS_ONSTACK is accepted as 0
    [InlineData(16UL, 2U, 0L)]             // SS_DISABLE ignores the size
    [InlineData(2048UL, 0x8000_0000U, 0L)] // SS_AUTODISARM
    [InlineData(2048UL, 3U, -22L)]         // EINVAL: not a mode
    [InlineData(2048UL, 5U, -22L)]
    public void Sigaltstack_checks_the_mode_and_size(ulong size, uint flags, long result)
    {
        byte[] elf = Program(a =>
        {
            InstallAltStack(a, size, flags);
            ExitWithRax(a);
        });
        KernelRun run = AssertStatus(elf, (byte)result, $"sigaltstack-{size}-{flags:x}");
        Assert.Equal(result, ExitArgument(run));
    }

    /// <summary>
    /// A SA_ONSTACK handler runs on the alternate stack and its frame's uc_stack reports it
    /// (ss_sp, ss_flags 0, ss_size); while on it, sigaltstack is EPERM. Status 42 says all held.
    /// </summary>
    [Fact]
    public void A_SA_ONSTACK_handler_runs_on_the_alternate_stack_and_uc_stack_reports_it()
    {
        const ulong size = 0x10000;
        byte[] elf = Program(a =>
        {
            Label handler = a.CreateLabel(), restorer = a.CreateLabel(), bad = a.CreateLabel();
            InstallAltStack(a, size, 0);
            Sigaction(a, Sigusr1, handler, restorer, SaSiginfo | SaOnstack);
            RaiseByTgkill(a, Sigusr1);
            Exit(a, 1);

            a.Label(ref handler);
            a.cmp(rsp, rbx);
            a.jbe(bad);
            a.lea(rax, __[rbx + (int)size]);
            a.cmp(rsp, rax);
            a.jae(bad);
            a.cmp(__qword_ptr[rdx + 16], rbx);          // uc_stack.ss_sp
            a.jne(bad);
            a.cmp(__dword_ptr[rdx + 24], 0);            // ss_flags
            a.jne(bad);
            a.cmp(__qword_ptr[rdx + 32], (int)size);    // ss_size
            a.jne(bad);
            a.mov(r12, rsp);
            InstallAltStack(a, size, 0);                 // EPERM: running on it
            a.mov(rsp, r12);
            a.cmp(rax, -1);
            a.jne(bad);
            Exit(a, 42);
            a.Label(ref bad);
            Exit(a, 1);
            HvSim.Tests.FaultPath.PtGuest.EmitRestorer(a, restorer);
        });
        AssertStatus(elf, 42, "onstack-handler");
    }

    /// <summary>Without SA_ONSTACK the handler stays on the interrupted stack, alternate stack or not.</summary>
    [Fact]
    public void A_handler_without_SA_ONSTACK_stays_on_the_main_stack()
    {
        byte[] elf = Program(a =>
        {
            Label handler = a.CreateLabel(), restorer = a.CreateLabel();
            InstallAltStack(a, 0x10000, 0);
            Sigaction(a, Sigusr1, handler, restorer, SaSiginfo);
            RaiseByTgkill(a, Sigusr1);
            Exit(a, 1);

            a.Label(ref handler);
            a.lea(rax, __[rbx + 0x10000]);
            a.cmp(rsp, rax);
            a.setae(dil);                 // 1: above the alternate stack, on the main one
            a.movzx(edi, dil);
            a.add(edi, 41);
            a.mov(eax, SysExitGroup);
            a.syscall();
            HvSim.Tests.FaultPath.PtGuest.EmitRestorer(a, restorer);
        });
        AssertStatus(elf, 42, "no-onstack-handler");
    }

    /// <summary>
    /// A handler that re-sends its own signal (SA_NODEFER) on a 2 KiB alternate stack: the first
    /// frame fits, the nested one would leave the stack, so the process dies of SIGSEGV after
    /// exactly one handler run, with a report saying why. (The host's larger XSAVE frame already
    /// fails to fit the first time: the same status, one step earlier.)
    /// </summary>
    [Fact]
    public void A_frame_that_would_overflow_the_alternate_stack_kills_with_SIGSEGV()
    {
        byte[] elf = Program(a =>
        {
            Label handler = a.CreateLabel(), restorer = a.CreateLabel();
            InstallAltStack(a, 2048, 0);
            Sigaction(a, Sigusr1, handler, restorer, SaSiginfo | SaOnstack | SaNodefer);
            RaiseByTgkill(a, Sigusr1);
            Exit(a, 1);

            a.Label(ref handler);
            RaiseByTgkill(a, Sigusr1);
            Exit(a, 2);
            HvSim.Tests.FaultPath.PtGuest.EmitRestorer(a, restorer);
        });
        KernelRun run = AssertStatus(elf, 128 + 11, "altstack-overflow");
        Assert.Equal(1, run.Ledger.Count(EventKind.SignalDelivery));
        Assert.Contains("does not fit on the alternate signal stack", run.Process.FatalReport);
    }
}

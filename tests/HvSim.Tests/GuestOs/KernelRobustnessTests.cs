namespace HvSim.Tests.GuestOsTests;

using HvSim.Core;
using HvSim.GuestOs.Kernel;
using static TinyElf.Code;

/// <summary>
/// A guest cannot hurt the host: an endless loop stops at the instruction limit, garbage
/// pointers handed to system calls come back as -EFAULT, and a signal frame that cannot be
/// written or read back kills the guest with SIGSEGV (as Linux does) instead of anything worse.
/// </summary>
public sealed class KernelRobustnessTests
{
    private const ulong Efault = 14;

    private static KernelRun Run(TinyElf.Code code, long maxInstructions = 1_000_000, byte[]? stdin = null) =>
        KernelRun.Elf(TinyElf.Build(code.ToArray()), "tiny", [], maxInstructions, stdin);

    [Fact]
    public void An_endless_loop_is_stopped_by_the_instruction_limit()
    {
        KernelRun run = Run(new TinyElf.Code().Bytes(0xEB, 0xFE), maxInstructions: 50_000); // jmp .
        Assert.Equal(RunOutcome.InstructionLimit, run.Outcome);
        Assert.Null(run.ExitStatus);
        Assert.True(run.Kernel.Cpu.InstructionsRetired >= 50_000, $"retired {run.Kernel.Cpu.InstructionsRetired}");
        Assert.Equal(TinyElf.Entry, run.Kernel.Cpu.Rip);
        Assert.Equal(run.Kernel.Cpu.InstructionsRetired, run.Ledger.Count(EventKind.Instruction, Layer.User));
    }

    [Fact]
    public void An_endless_loop_of_system_calls_is_stopped_by_the_instruction_limit_too()
    {
        var code = new TinyElf.Code().MovImm64(Rax, 39).Syscall().Bytes(0xEB, 0xF2); // getpid; jmp back 14 bytes
        KernelRun run = Run(code, maxInstructions: 30_000);
        Assert.Equal(RunOutcome.InstructionLimit, run.Outcome);
        Assert.Null(run.ExitStatus);
        long syscalls = run.Ledger.Count(EventKind.SyscallEntry);
        Assert.InRange(syscalls, 9_000, 10_001); // three instructions per iteration
    }

    [Theory]
    [InlineData(0x0UL, 16UL)]                       // NULL
    [InlineData(0x10UL, 16UL)]                      // the never-mapped first page
    [InlineData(0xdead_0000UL, 16UL)]               // unmapped user address
    [InlineData(0x0000_8000_0000_0000UL, 16UL)]     // non-canonical
    [InlineData(0xFFFF_8000_0000_0000UL, 16UL)]     // kernel half
    [InlineData(0xFFFF_FFFF_FFFF_FFF0UL, 0x100UL)]  // wraps around the top
    [InlineData(0x7FFF_FFFF_F000UL, 16UL)]          // just above the stack
    public void Write_with_a_garbage_buffer_returns_efault(ulong buffer, ulong length)
    {
        var code = new TinyElf.Code()
            .MovImm64(Rdi, 1).MovImm64(Rsi, buffer).MovImm64(Rdx, length).MovImm64(Rax, 1).Syscall()
            .MovFromRax(Rdi).Bytes(0x48, 0xF7, 0xDF) // neg rdi: exit status = errno
            .ExitGroup();
        KernelRun run = Run(code);
        Assert.Equal(RunOutcome.Exited, run.Outcome);
        Assert.True((int)Efault == run.ExitStatus, $"write returned -{run.ExitStatus} ({run.Describe()})");
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public void Write_from_the_programs_own_code_works_and_read_into_read_only_code_is_efault()
    {
        // write(1, entry, 4) prints the first code bytes; read(0, entry, 4) must not modify code.
        var code = new TinyElf.Code()
            .MovImm64(Rdi, 1).MovImm64(Rsi, TinyElf.Entry).MovImm64(Rdx, 4).MovImm64(Rax, 1).Syscall()
            .MovImm64(Rdi, 0).MovImm64(Rsi, TinyElf.Entry).MovImm64(Rdx, 4).MovImm64(Rax, 0).Syscall()
            .MovFromRax(Rdi).Bytes(0x48, 0xF7, 0xDF)
            .ExitGroup();
        KernelRun run = Run(code, stdin: "data"u8.ToArray());
        Assert.True((int)Efault == run.ExitStatus, run.Describe());
        Assert.Equal(new byte[] { 0x48, 0xBF, 0x01, 0x00 }, run.StdoutBytes);
    }

    [Fact]
    public void Rt_sigaction_with_garbage_pointers_returns_efault()
    {
        var code = new TinyElf.Code()
            .MovImm64(Rdi, 11).MovImm64(Rsi, 0xdead_0000).MovImm64(Rdx, 0).MovImm64(R10, 8).MovImm64(Rax, 13).Syscall()
            .MovFromRax(Rdi).Bytes(0x48, 0xF7, 0xDF)
            .ExitGroup();
        KernelRun run = Run(code);
        Assert.True((int)Efault == run.ExitStatus, run.Describe());
    }

    /// <summary>rt_sigaction(SIGILL, {handler, flags (SA_SIGINFO|SA_RESTORER), restorer, 0}), then optionally a bogus rsp, then ud2.</summary>
    private static TinyElf.Code SigillWithHandler(ulong? rsp, ulong flags = 0x0400_0004)
    {
        var code = new TinyElf.Code();
        // The sigaction struct and the handler are placed after the code; their addresses are
        // fixed by the (constant) length of the code before them.
        const int prologue = 10 * 6 + 2 + 2; // six mov r64, imm64 (10 bytes each), syscall, ud2
        ulong act = TinyElf.Entry + (ulong)prologue + (rsp is null ? 0UL : 10UL);
        ulong handler = act + 32;
        code.MovImm64(Rdi, 4).MovImm64(Rsi, act).MovImm64(Rdx, 0).MovImm64(R10, 8).MovImm64(Rax, 13).Syscall();
        if (rsp is not null)
        {
            code.MovImm64(Rsp, rsp.Value);
        }
        code.MovImm64(Rbx, 0).Bytes(0x0F, 0x0B); // ud2
        Assert.Equal(act, code.Here);
        code.Bytes(BitConverter.GetBytes(handler)).Bytes(BitConverter.GetBytes(flags))
            .Bytes(BitConverter.GetBytes(handler)).Bytes(BitConverter.GetBytes(0UL));
        // handler: exit_group(rdi = signal number + 100)
        code.MovImm64(Rax, 231).Bytes(0x48, 0x83, 0xC7, 100).Syscall(); // add rdi, 100
        return code;
    }

    [Fact]
    public void A_handler_on_a_good_stack_runs()
    {
        KernelRun run = Run(SigillWithHandler(rsp: null));
        Assert.True(run.ExitStatus == 104, run.Describe());
        Assert.Equal(1, run.Ledger.Count(EventKind.SignalDelivery));
    }

    [Theory]
    [InlineData(0x10UL)]                   // unmapped
    [InlineData(TinyElf.LoadAddress + 0x800)] // read-only code
    public void A_signal_whose_frame_cannot_be_written_kills_with_sigsegv(ulong rsp)
    {
        KernelRun run = Run(SigillWithHandler(rsp));
        Assert.True(run.ExitStatus == 128 + 11, run.Describe());
        Assert.Contains("SIGSEGV", run.Process.FatalReport);
        Assert.Contains("SIGILL frame", run.Process.FatalReport);
        Assert.Equal(0, run.Ledger.Count(EventKind.SignalDelivery));
    }

    [Fact]
    public void A_handler_without_sa_restorer_cannot_be_entered_and_the_guest_dies_of_sigsegv()
    {
        KernelRun run = Run(SigillWithHandler(rsp: null, flags: 0x4)); // SA_SIGINFO only
        Assert.True(run.ExitStatus == 128 + 11, run.Describe());
        Assert.Contains("no SA_RESTORER", run.Process.FatalReport);
    }

    [Fact]
    public void Rt_sigreturn_with_a_bogus_stack_kills_with_sigsegv()
    {
        var code = new TinyElf.Code().MovImm64(Rsp, 0x10).MovImm64(Rax, 15).Syscall().Bytes(0xEB, 0xFE);
        KernelRun run = Run(code);
        Assert.True(run.ExitStatus == 128 + 11, run.Describe());
        Assert.Equal(0, run.Ledger.Count(EventKind.SigReturn));
    }
}

using static Iced.Intel.AssemblerRegisters;
using static HvSim.Tests.GuestOsTests.OsCallGuest;

namespace HvSim.Tests.GuestOsTests;

/// <summary>
/// Issue 14: prctl's common options and getrandom's flags, each call's full result compared with
/// what Linux 6.18 returned for it, and the exit status (its low byte) with the host kernel's.
/// </summary>
public sealed class PrctlAndGetrandomTests
{
    private const int PrSetPdeathsig = 1, PrGetDumpable = 3, PrSetDumpable = 4, PrGetTimerslack = 30,
        PrSetNoNewPrivs = 38, PrGetNoNewPrivs = 39;

    private static KernelRun Result(Action<Iced.Intel.Assembler> call, long expected, string tag)
    {
        byte[] elf = Program(a =>
        {
            call(a);
            ExitWithRax(a);
        });
        KernelRun run = AssertStatus(elf, (byte)expected, tag);
        Assert.Equal(expected, ExitArgument(run));
        return run;
    }

    [Theory]
    [InlineData(PrGetDumpable, 0L, 0L, 1L)]
    [InlineData(PrSetDumpable, 2L, 0L, -22L)]
    [InlineData(PrSetDumpable, 0L, 0L, 0L)]
    [InlineData(PrSetPdeathsig, 65L, 0L, -22L)]
    [InlineData(PrSetPdeathsig, 64L, 0L, 0L)]
    [InlineData(PrGetTimerslack, 0L, 0L, 50_000L)]
    [InlineData(PrGetNoNewPrivs, 0L, 0L, 0L)]
    [InlineData(PrGetNoNewPrivs, 1L, 0L, -22L)]
    [InlineData(PrSetNoNewPrivs, 1L, 1L, -22L)]
    [InlineData(PrSetNoNewPrivs, 1L, 0L, 0L)]
    [InlineData(0, 0L, 0L, -22L)]
    [InlineData(12345, 0L, 0L, -22L)]
    public void Prctl_returns_what_Linux_returns(int option, long arg2, long arg3, long result)
    {
        Result(a => Call(a, SysPrctl, option, arg2, arg3), result, $"prctl-{option}-{arg2}-{arg3}");
    }

    [Fact]
    public void No_new_privs_once_set_reads_back_as_1()
    {
        Result(a =>
        {
            Call(a, SysPrctl, PrSetNoNewPrivs, 1);
            Call(a, SysPrctl, PrGetNoNewPrivs);
        }, 1, "no-new-privs");
    }

    /// <summary>PR_GET_NAME of a fresh process: the file name of what it ran; the test reads the 16 bytes back from the stack.</summary>
    [Fact]
    public void The_process_name_is_the_programs_file_name_NUL_padded_to_16_bytes()
    {
        KernelRun run = KernelRun.Elf(Program(a =>
        {
            a.sub(rsp, 32);
            a.mov(rax, -1L);
            a.mov(__qword_ptr[rsp], rax);
            a.mov(__qword_ptr[rsp + 8], rax);
            a.mov(__qword_ptr[rsp + 16], rax);
            a.mov(edi, 16);                // PR_GET_NAME
            a.mov(rsi, rsp);
            a.mov(eax, SysPrctl);
            a.syscall();
            a.mov(r12, __qword_ptr[rsp]);
            a.mov(r13, __qword_ptr[rsp + 8]);
            a.mov(r14, __qword_ptr[rsp + 16]);
            ExitWithRax(a);
        }), "/some/dir/a-rather-long-program-name", [], maxInstructions: 10_000);
        Assert.Equal(0L, ExitArgument(run));
        var bytes = new byte[24];
        BitConverter.GetBytes(run.Kernel.Cpu.R(HvSim.Cpu.Reg.R12)).CopyTo(bytes, 0);
        BitConverter.GetBytes(run.Kernel.Cpu.R(HvSim.Cpu.Reg.R13)).CopyTo(bytes, 8);
        BitConverter.GetBytes(run.Kernel.Cpu.R(HvSim.Cpu.Reg.R14)).CopyTo(bytes, 16);
        Assert.Equal("a-rather-long-p"u8.ToArray(), bytes[..15]);
        Assert.Equal(0, bytes[15]);
        Assert.All(bytes[16..], b => Assert.Equal(0xFF, b)); // exactly 16 bytes written
    }

    [Theory]
    [InlineData(0U, 16L)]
    [InlineData(1U, 16L)]      // GRND_NONBLOCK
    [InlineData(2U, 16L)]      // GRND_RANDOM
    [InlineData(4U, 16L)]      // GRND_INSECURE
    [InlineData(5U, 16L)]
    [InlineData(3U, 16L)]
    [InlineData(6U, -22L)]     // RANDOM with INSECURE
    [InlineData(7U, -22L)]
    [InlineData(8U, -22L)]     // unknown
    [InlineData(0x8000_0000U, -22L)]
    public void Getrandom_refuses_unknown_and_contradictory_flags(uint flags, long result)
    {
        Result(a =>
        {
            a.sub(rsp, 32);
            a.mov(rdi, rsp);
            a.mov(esi, 16);
            a.mov(edx, flags);
            a.mov(eax, SysGetrandom);
            a.syscall();
        }, result, $"getrandom-{flags:x}");
    }

    [Fact]
    public void Getrandom_checks_the_flags_before_the_length()
    {
        Result(a => Call(a, SysGetrandom, 0, 0, 8), -22, "getrandom-zero-length-bad-flags");
        Result(a => Call(a, SysGetrandom, 0, 0, 0), 0, "getrandom-zero-length");
    }

    /// <summary>The bytes come from the seeded generator whatever the (valid) flags: the same seed gives the same bytes.</summary>
    [Fact]
    public void Getrandom_bytes_are_the_same_for_the_same_seed_whatever_the_flags()
    {
        ulong Bytes(uint flags)
        {
            KernelRun run = Run(Program(a =>
            {
                a.sub(rsp, 32);
                a.mov(rdi, rsp);
                a.mov(esi, 8);
                a.mov(edx, flags);
                a.mov(eax, SysGetrandom);
                a.syscall();
                a.mov(r12, __qword_ptr[rsp]);
                ExitWithRax(a);
            }));
            Assert.Equal(8L, ExitArgument(run));
            return run.Kernel.Cpu.R(HvSim.Cpu.Reg.R12);
        }
        ulong plain = Bytes(0);
        Assert.NotEqual(0UL, plain);
        Assert.Equal(plain, Bytes(0));
        Assert.Equal(plain, Bytes(2));
        Assert.Equal(plain, Bytes(5));
    }
}

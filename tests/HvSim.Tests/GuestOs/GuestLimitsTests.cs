using System.IO.Pipes;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
using HvSim.Tests.FaultPath;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.GuestOsTests;

/// <summary>
/// Issue 13, bounded host cost: a guest's memory is its machine's (--guest-ram), and a guest that
/// wants more gets Linux's answers — the page that cannot be populated is SIGBUS, a kernel copy
/// into it EFAULT — never an internal error; a run that goes on too long stops at its wall-clock
/// limit (--max-seconds), even inside a read that waits for input. No assertion here is on time.
/// </summary>
public sealed class GuestLimitsTests
{
    /// <summary>The smallest machine the command line allows: 16 MiB, of which the guest kernel gets 14.</summary>
    private const ulong SmallRam = 16UL << 20;

    public static TheoryData<Platform> Platforms() => new(Platform.Native, Platform.XenPv, Platform.XenShadow);

    /// <summary>Maps 1 GiB (MAP_NORESERVE) and runs <paramref name="perPage"/> on each page in turn, its address in rbx, forever.</summary>
    private static byte[] EveryPage(Action<Assembler> perPage) => GuestOsTests.TinyElf.Build(PtGuest.Assemble(a =>
    {
        Label loop = a.CreateLabel();
        a.mov(eax, 9); a.xor(edi, edi); a.mov(rsi, 1UL << 30); a.mov(edx, 3); a.mov(r10d, 0x22 | 0x4000); a.mov(r8, -1L); a.xor(r9d, r9d);
        a.syscall();
        a.mov(rbx, rax);
        a.Label(ref loop);
        perPage(a);
        a.add(rbx, 4096);
        a.jmp(loop);
    }));

    private static (RunOutcome Outcome, HvSim.GuestOs.Kernel.Process Process) Run(byte[] elf, KernelOptions options, Stream? stdin = null)
    {
        var kernel = new GuestKernel(options, stdin ?? new MemoryStream(), new MemoryStream(), new MemoryStream());
        HvSim.GuestOs.Kernel.Process process = kernel.CreateProcess(elf, "limits", ["limits"], []);
        return (kernel.Run(process), process);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void Touching_more_than_the_guest_RAM_is_SIGBUS(Platform platform)
    {
        byte[] hog = EveryPage(a => a.mov(__byte_ptr[rbx], 1));
        (RunOutcome outcome, HvSim.GuestOs.Kernel.Process process) = Run(hog,
            new KernelOptions { PhysicalMemoryBytes = SmallRam, Platform = new PlatformOptions { Platform = platform }, MaxInstructions = 100_000_000 });
        Assert.Equal(RunOutcome.Exited, outcome);
        Assert.Equal(128 + 7, process.ExitStatus); // SIGBUS
        Assert.Contains("SIGBUS", process.FatalReport);
    }

    /// <summary>getrandom fills one untouched page after another: when no frame is left, the kernel's copy is EFAULT and the program exits with it.</summary>
    [Theory]
    [MemberData(nameof(Platforms))]
    public void A_kernel_copy_into_memory_beyond_the_guest_RAM_is_EFAULT(Platform platform)
    {
        byte[] filler = EveryPage(a =>
        {
            Label ok = a.CreateLabel();
            a.mov(rdi, rbx); a.mov(esi, 4096); a.xor(edx, edx); a.mov(eax, 318); // getrandom(page, 4096, 0)
            a.syscall();
            a.test(rax, rax);
            a.jns(ok);
            a.neg(rax); a.mov(rdi, rax); a.mov(eax, 231); // exit_group(errno)
            a.syscall();
            a.Label(ref ok);
        });
        (RunOutcome outcome, HvSim.GuestOs.Kernel.Process process) = Run(filler,
            new KernelOptions { PhysicalMemoryBytes = SmallRam, Platform = new PlatformOptions { Platform = platform }, MaxInstructions = 100_000_000 });
        Assert.Equal(RunOutcome.Exited, outcome);
        Assert.True(process.ExitStatus == 14, $"status {process.ExitStatus}, {process.FatalReport}"); // EFAULT
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void An_endless_loop_stops_at_the_wall_clock_limit(Platform platform)
    {
        byte[] loop = GuestOsTests.TinyElf.Build(PtGuest.Assemble(a =>
        {
            Label top = a.CreateLabel();
            a.Label(ref top);
            a.jmp(top);
        }));
        (RunOutcome outcome, HvSim.GuestOs.Kernel.Process process) = Run(loop,
            new KernelOptions { Platform = new PlatformOptions { Platform = platform }, MaxWallTime = TimeSpan.FromMilliseconds(50) });
        Assert.Equal(RunOutcome.TimeLimit, outcome);
        Assert.Null(process.ExitStatus);
    }

    /// <summary>A read of stdin that no writer will ever answer (a pipe held open) is the one system call that can wait without end: it waits out the limit only.</summary>
    [Fact]
    public void A_read_that_waits_for_input_stops_at_the_wall_clock_limit()
    {
        byte[] reader = GuestOsTests.TinyElf.Build(PtGuest.Assemble(a =>
        {
            a.sub(rsp, 64);
            a.xor(eax, eax); a.xor(edi, edi); a.mov(rsi, rsp); a.mov(edx, 16); // read(0, buf, 16)
            a.syscall();
            a.mov(rdi, rax); a.mov(eax, 231);
            a.syscall();
        }));
        using var writer = new AnonymousPipeServerStream(PipeDirection.Out);
        using var stdin = new AnonymousPipeClientStream(PipeDirection.In, writer.ClientSafePipeHandle);
        (RunOutcome outcome, HvSim.GuestOs.Kernel.Process process) = Run(reader, new KernelOptions { MaxWallTime = TimeSpan.FromMilliseconds(50) }, stdin);
        Assert.Equal(RunOutcome.TimeLimit, outcome);
        Assert.Null(process.ExitStatus);
    }
}

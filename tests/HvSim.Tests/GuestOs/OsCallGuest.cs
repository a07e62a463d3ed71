using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Tests.Guests;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.GuestOsTests;

/// <summary>
/// Small assembled guests for the OS calls of issue 14 (kill, sigaltstack, prctl, getrandom, the
/// executable stack, segment selectors) and how to run them: under the simulator, where the
/// result of the last system call is kept in RDI (the program passes it to exit_group), and on the
/// host kernel where it can run them (the exit status only).
/// </summary>
internal static class OsCallGuest
{
    public const int SysRtSigaction = 13, SysRtSigprocmask = 14, SysRtSigreturn = 15, SysGetpid = 39, SysKill = 62,
        SysSigaltstack = 131, SysPrctl = 157, SysGettid = 186, SysTkill = 200, SysTgkill = 234, SysExitGroup = 231, SysGetrandom = 318;
    public const ulong SaSiginfo = 0x4, SaRestorer = 0x0400_0000, SaOnstack = 0x0800_0000, SaNodefer = 0x4000_0000;
    public const int Sigabrt = 6, Sigkill = 9, Sigusr1 = 10, Sigterm = 15, Sigchld = 17, Sigstop = 19, Sigurg = 23, Sigwinch = 28;

    /// <summary>Assembles <paramref name="emit"/> into a tiny ELF (with a PT_GNU_STACK header when flags are given).</summary>
    public static byte[] Program(Action<Assembler> emit, uint? gnuStackFlags = null) =>
        TinyElf.Build(HvSim.Tests.FaultPath.PtGuest.Assemble(emit), gnuStackFlags);

    /// <summary>syscall with up to three arguments (64-bit immediates).</summary>
    public static void Call(Assembler a, int number, long arg0 = 0, long arg1 = 0, long arg2 = 0)
    {
        a.mov(rdi, arg0);
        a.mov(rsi, arg1);
        a.mov(rdx, arg2);
        a.mov(eax, number);
        a.syscall();
    }

    /// <summary>exit_group(rax): the status is the result's low byte, and RDI keeps all of it for the test.</summary>
    public static void ExitWithRax(Assembler a)
    {
        a.mov(rdi, rax);
        a.mov(eax, SysExitGroup);
        a.syscall();
    }

    /// <summary>exit_group(<paramref name="status"/>).</summary>
    public static void Exit(Assembler a, int status)
    {
        a.mov(edi, status);
        a.mov(eax, SysExitGroup);
        a.syscall();
    }

    /// <summary>rt_sigaction(signal, {handler, flags|SA_RESTORER, restorer, 0}, NULL, 8), built on the stack.</summary>
    public static void Sigaction(Assembler a, int signal, Label handler, Label restorer, ulong flags) =>
        HvSim.Tests.FaultPath.PtGuest.Sigaction(a, signal, handler, restorer, flags);

    /// <summary>rt_sigprocmask(how, {mask}, NULL, 8) with the set on the stack (0 block, 1 unblock).</summary>
    public static void Sigprocmask(Assembler a, int how, ulong mask)
    {
        a.sub(rsp, 16);
        a.mov(rax, mask);
        a.mov(__qword_ptr[rsp], rax);
        a.mov(edi, how);
        a.mov(rsi, rsp);
        a.xor(edx, edx);
        a.mov(r10d, 8);
        a.mov(eax, SysRtSigprocmask);
        a.syscall();
        a.add(rsp, 16);
    }

    /// <summary>tgkill(getpid(), gettid(), signal).</summary>
    public static void RaiseByTgkill(Assembler a, int signal)
    {
        a.mov(eax, SysGetpid);
        a.syscall();
        a.mov(r14, rax);
        a.mov(eax, SysGettid);
        a.syscall();
        a.mov(rsi, rax);
        a.mov(rdi, r14);
        a.mov(edx, signal);
        a.mov(eax, SysTgkill);
        a.syscall();
    }

    /// <summary>Runs the program under the simulator (native platform).</summary>
    public static KernelRun Run(byte[] elf) => KernelRun.Elf(elf, "oscall", [], maxInstructions: 1_000_000);

    /// <summary>The full 64-bit value the program passed to exit_group.</summary>
    public static long ExitArgument(KernelRun run) => (long)run.Kernel.Cpu.R(HvSim.Cpu.Reg.Rdi);

    /// <summary>Asserts the simulated status, and the host kernel's where it can run the program.</summary>
    public static KernelRun AssertStatus(byte[] elf, int expected, string tag, bool checkNative = true)
    {
        KernelRun run = Run(elf);
        Assert.True(run.Outcome == RunOutcome.Exited && run.ExitStatus == expected, $"{tag}: {run.Describe()}");
        if (checkNative && GuestRun.NativeStatus(elf, tag) is int native)
        {
            Assert.True(native == expected, $"{tag}: the host kernel ends it with status {native}, not {expected}");
        }
        return run;
    }
}

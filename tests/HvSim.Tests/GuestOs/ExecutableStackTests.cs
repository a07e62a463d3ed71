using static Iced.Intel.AssemblerRegisters;
using static HvSim.Tests.GuestOsTests.OsCallGuest;

namespace HvSim.Tests.GuestOsTests;

/// <summary>
/// Issue 14: PT_GNU_STACK with PF_X maps the stack executable (gcc's nested-function
/// trampolines run there); without the header or without PF_X it is not, and code on it faults.
/// </summary>
public sealed class ExecutableStackTests
{
    /// <summary>Writes "mov eax, 42; ret" below rsp, calls it and exits with eax.</summary>
    private static byte[] CallCodeOnTheStack(uint? gnuStackFlags) => Program(a =>
    {
        a.sub(rsp, 64);
        a.mov(__dword_ptr[rsp], 0x00002AB8);     // b8 2a 00 00 | 00 c3: mov eax, 42; ret
        a.mov(__word_ptr[rsp + 4], 0xC300);
        a.mov(rax, rsp);
        a.call(rax);
        ExitWithRax(a);
    }, gnuStackFlags);

    [Theory]
    [InlineData(null, 139)]
    [InlineData(6U, 139)]       // PF_R|PF_W: the usual non-executable stack
    [InlineData(7U, 42)]        // PF_R|PF_W|PF_X: executable
    [InlineData(1U, 42)]        // only PF_X matters
    public void The_stack_is_executable_only_when_PT_GNU_STACK_has_PF_X(uint? flags, int status)
    {
        KernelRun run = AssertStatus(CallCodeOnTheStack(flags), status, $"gnu-stack-{flags}");
        if (status == 139)
        {
            Assert.Contains("SEGV_ACCERR", run.Process.FatalReport);
        }
    }
}

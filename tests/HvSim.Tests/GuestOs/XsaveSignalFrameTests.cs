namespace HvSim.Tests.GuestOsTests;

using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Tests.FaultPath;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

/// <summary>
/// The signal frame's FPU state in XSAVE format (a CPU with XSAVE and AVX: --cpu v3), as a handler
/// sees it: UC_FP_XSTATE in uc_flags, FP_XSTATE_MAGIC1 in the legacy area's software bytes,
/// magic2 after the 832-byte image, YMM0's bits 255:128 at fpstate + 576; the handler starts with
/// them zero, and what it writes there is what rt_sigreturn restores.
/// </summary>
public sealed class XsaveSignalFrameTests
{
    private const ulong Before = 0x1111_2222_3333_4444, After = 0x5555_6666_7777_8888;
    private const int UcFlags = 0, McontextRip = 40 + 128, McontextFpstate = 40 + 184;

    /// <summary>Exit status 0 when every check passes; each failed check has its own status.</summary>
    private static byte[] Program(bool handlerWrites) => TinyElf.Build(PtGuest.Assemble(a =>
    {
        Label handler = a.CreateLabel(), restorer = a.CreateLabel(), fail = a.CreateLabel();
        PtGuest.Sigaction(a, 4, handler, restorer, PtGuest.SaSiginfo); // SIGILL
        a.mov(rax, Before);
        a.vmovq(xmm0, rax);
        a.vpbroadcastq(ymm0, xmm0);
        a.ud2();
        a.vextracti128(xmm1, ymm0, 1);
        a.vmovq(rax, xmm1);
        a.mov(rcx, handlerWrites ? After : Before);
        a.mov(edi, 10);
        a.cmp(rax, rcx);
        a.jne(fail);
        a.xor(edi, edi);
        a.Label(ref fail);
        a.mov(eax, PtGuest.SysExitGroup);
        a.syscall();

        // handler(sig, info, uc): rdx = uc.
        Label bad = a.CreateLabel();
        a.Label(ref handler);
        a.mov(r8, __qword_ptr[rdx + McontextFpstate]);
        a.mov(edi, 1);
        a.test(__byte_ptr[rdx + UcFlags], 1); // UC_FP_XSTATE
        a.je(bad);
        a.mov(edi, 2);
        a.cmp(__dword_ptr[r8 + 464], 0x46505853);
        a.jne(bad);
        a.mov(edi, 3);
        a.cmp(__dword_ptr[r8 + 832], 0x46505845);
        a.jne(bad);
        a.mov(edi, 4);
        a.mov(rax, Before);
        a.cmp(__qword_ptr[r8 + 576], rax);
        a.jne(bad);
        a.mov(edi, 5);
        a.test(__byte_ptr[r8 + 512], 4); // XSTATE_BV has AVX
        a.je(bad);
        a.mov(edi, 6);
        a.vextracti128(xmm2, ymm0, 1); // the handler starts with the AVX state initial
        a.vmovq(rax, xmm2);
        a.test(rax, rax);
        a.jne(bad);
        if (handlerWrites)
        {
            a.mov(rax, After);
            a.mov(__qword_ptr[r8 + 576], rax);
        }
        a.add(__qword_ptr[rdx + McontextRip], 2); // past ud2
        a.ret();
        a.Label(ref bad);
        a.mov(eax, PtGuest.SysExitGroup);
        a.syscall();
        PtGuest.EmitRestorer(a, restorer);
    }));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_handler_sees_the_ymm_upper_halves_in_the_frame_and_sigreturn_restores_what_it_left(bool handlerWrites)
    {
        KernelRun run = KernelRun.Elf(Program(handlerWrites), "xsave-frame", [], 100_000, options: new KernelOptions { Cpu = HvSim.Cpu.CpuIdentity.V3 });
        Assert.True(run.Outcome == RunOutcome.Exited && run.ExitStatus == 0, run.Describe());
        Assert.Equal(1, run.Ledger.Count(EventKind.SigReturn));
    }

    [Fact]
    public void On_a_baseline_cpu_the_frame_is_a_plain_fxsave_image()
    {
        KernelRun run = KernelRun.Elf(Program(handlerWrites: false), "fxsave-frame", [], 100_000, options: new KernelOptions { Cpu = HvSim.Cpu.CpuIdentity.Baseline });
        Assert.Equal(1, run.ExitStatus); // no UC_FP_XSTATE
    }
}

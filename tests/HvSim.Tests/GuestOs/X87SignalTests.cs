using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;
using static HvSim.Tests.GuestOsTests.OsCallGuest;

namespace HvSim.Tests.GuestOsTests;

/// <summary>
/// The x87 FPU through the guest kernel: an unmasked exception is delivered as SIGFPE with Linux's
/// si_code at the next waiting instruction, a handler starts with the init FPU state, and the x87
/// state in the signal frame's FXSAVE image is what rt_sigreturn restores. Each program also runs
/// on the host kernel, which must end it with the same status.
/// </summary>
public sealed class X87SignalTests
{
    private const int Sigill = 4, Sigfpe = 8;

    // siginfo: si_code at 8, si_addr at 16. ucontext: uc_mcontext at 40, its rip at +128 and fpstate at +184.
    private const int SiCode = 8, SiAddr = 16, McontextRip = 40 + 128, McontextFpstate = 40 + 184;

    [Fact]
    public void Dividing_by_zero_with_ze_unmasked_raises_sigfpe_fltdiv_at_the_next_waiting_instruction()
    {
        byte[] elf = Program(a =>
        {
            Label handler = a.CreateLabel(), restorer = a.CreateLabel(), trap = a.CreateLabel(), bad = a.CreateLabel();
            Sigaction(a, Sigfpe, handler, restorer, SaSiginfo);
            a.fninit();
            a.sub(rsp, 16);
            a.mov(__word_ptr[rsp], 0x037B); // ZE unmasked
            a.fldcw(__word_ptr[rsp]);
            a.fld1();
            a.fldz();
            a.fdivp(st1, st0);           // raises ZE: pending, no trap yet
            a.Label(ref trap);
            a.wait();                    // #MF here
            Exit(a, 100);                // not reached

            // The handler: status = si_code (FPE_FLTDIV = 3) when si_addr is the fwait and the
            // handler's own control word is the init 0x037F; otherwise 99.
            a.Label(ref handler);
            a.lea(rax, __[trap]);
            a.cmp(__qword_ptr[rsi + SiAddr], rax);
            a.jne(bad);
            a.fnstcw(__word_ptr[rsp - 8]);
            a.cmp(__word_ptr[rsp - 8], 0x037F);
            a.jne(bad);
            a.movsxd(rdi, __dword_ptr[rsi + SiCode]);
            a.mov(eax, SysExitGroup);
            a.syscall();
            a.Label(ref bad);
            Exit(a, 99);
            HvSim.Tests.FaultPath.PtGuest.EmitRestorer(a, restorer);
        });
        AssertStatus(elf, 3, "x87 divide by zero");
    }

    [Fact]
    public void A_handler_that_changes_st0_and_fcw_in_the_frame_gets_them_restored_by_sigreturn()
    {
        byte[] elf = Program(a =>
        {
            Label handler = a.CreateLabel(), restorer = a.CreateLabel(), bad = a.CreateLabel(), fault = a.CreateLabel();
            Sigaction(a, Sigill, handler, restorer, SaSiginfo);
            a.fninit();
            a.fld1();                    // ST(0) = 1.0, the frame carries it
            a.Label(ref fault);
            a.ud2();                     // SIGILL; the handler skips it

            // Back from rt_sigreturn: ST(0) must be 2.5 and RC toward zero (FCW 0x0F7F), so fistp stores 2;
            // status = 2 + 16 when the control word is right, and the stack must hold just that value.
            a.sub(rsp, 16);
            a.fnstcw(__word_ptr[rsp + 8]);
            a.fistp(__dword_ptr[rsp]);
            a.fnstsw(ax);
            a.and(eax, 0x3800);          // TOP back to 0 after the pop
            a.jnz(bad);
            a.mov(edi, __dword_ptr[rsp]);
            a.cmp(__word_ptr[rsp + 8], 0x0F7F);
            a.jne(bad);
            a.add(edi, 16);
            a.mov(eax, SysExitGroup);
            a.syscall();

            // The handler: checks it starts with an empty x87 stack (tag word all empty), then writes
            // 2.5 into the saved ST(0) and 0x0F7F into the saved FCW, and moves the saved RIP past ud2.
            a.Label(ref handler);
            a.fnstenv(__[rsp - 64]);
            a.cmp(__word_ptr[rsp - 64 + 8], 0xFFFF);
            a.jne(bad);
            a.mov(rax, __qword_ptr[rdx + McontextFpstate]);
            a.mov(__word_ptr[rax], 0x0F7F);
            a.mov(rcx, 0xA000_0000_0000_0000);
            a.mov(__qword_ptr[rax + 32], rcx);
            a.mov(__word_ptr[rax + 40], 0x4000);
            a.add(__qword_ptr[rdx + McontextRip], 2);
            a.ret();
            a.Label(ref bad);
            Exit(a, 99);
            HvSim.Tests.FaultPath.PtGuest.EmitRestorer(a, restorer);
        });
        AssertStatus(elf, 18, "x87 state through sigreturn");
    }
}

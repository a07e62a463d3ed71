using HvSim.Cpu;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

public sealed class InterpreterSmokeTests
{
    [Fact]
    public void SumLoopComputesTriangularNumber()
    {
        var m = new TestMachine();
        m.Load(a =>
        {
            Label loop = a.CreateLabel();
            a.xor(eax, eax);
            a.mov(ecx, 100);
            a.Label(ref loop);
            a.add(rax, rcx);
            a.dec(ecx);
            a.jnz(loop);
            a.int3();
        });
        Assert.Equal(ExitReason.Exception, m.Run());
        Assert.Equal(Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal(5050UL, m.Cpu.R(Reg.Rax));
        Assert.Equal(2 + (3 * 100) + 1, m.Cpu.InstructionsRetired); // xor, mov; 100 x (add, dec, jnz); int3
    }

    [Fact]
    public void CallAndReturnUseTheStack()
    {
        var m = new TestMachine();
        m.Load(a =>
        {
            Label function = a.CreateLabel();
            a.mov(edi, 20);
            a.call(function);
            a.int3();
            a.Label(ref function);
            a.lea(eax, __[rdi + rdi + 2]);
            a.ret();
        });
        m.Run();
        Assert.Equal(42UL, m.Cpu.R(Reg.Rax));
        Assert.Equal(TestMachine.StackTop, m.Cpu.R(Reg.Rsp));
    }

    [Fact]
    public void WriteToReadOnlyPageFaultsWithoutSideEffects()
    {
        var m = new TestMachine();
        m.MapRange(0x70_0000, 1, HvSim.Mmu.Pte.US); // read-only user page
        m.Load(a =>
        {
            a.mov(eax, 7);
            a.mov(rbx, 0x70_0010);
            a.add(__dword_ptr[rbx], eax);
            a.int3();
        });
        Assert.Equal(ExitReason.Exception, m.Run());
        Assert.Equal(Vector.PageFault, m.Cpu.ExitVector);
        Assert.Equal(0x70_0010UL, m.Cpu.ExitFault.Address);
        Assert.Equal(HvSim.Mmu.PageFaultErrorCode.Present | HvSim.Mmu.PageFaultErrorCode.Write | HvSim.Mmu.PageFaultErrorCode.User, m.Cpu.ExitFault.ErrorCode);
        Assert.Equal(TestMachine.CodeBase + 5 + 10, m.Cpu.Rip); // RIP stays at the faulting add
        Assert.Equal(2, m.Cpu.InstructionsRetired);
    }
}

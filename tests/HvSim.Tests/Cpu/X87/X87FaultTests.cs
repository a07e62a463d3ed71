using HvSim.Cpu;
using HvSim.Cpu.X87;
using HvSim.Mmu;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu.X87;

/// <summary>
/// What the host oracle cannot show without dying: #MF delivery at the next waiting instruction, and
/// x87 memory operands that cross into a page that faults (no byte written, no x87 state changed).
/// </summary>
public sealed class X87FaultTests
{
    private const ulong RwPage = VectorFaultMachine.RwPage;
    private const ulong ReadOnlyPage = VectorFaultMachine.ReadOnlyPage;

    private static TestMachine Run(Action<Assembler> program, Action<TestMachine>? setup = null)
    {
        TestMachine m = VectorFaultMachine.Load(program);
        setup?.Invoke(m);
        m.Run();
        return m;
    }

    [Fact]
    public void An_unmasked_exception_is_delivered_as_mf_by_the_next_waiting_instruction_only()
    {
        TestMachine m = Run(a =>
        {
            a.mov(__word_ptr[rsp - 8], 0x037B); // ZE unmasked
            a.fldcw(__word_ptr[rsp - 8]);
            a.fld1();
            a.fldz();
            a.fdivp(st1, st0);   // ZE: pending, ST(0) and TOP unchanged
            a.fnstsw(ax);        // no-wait: runs
            a.fnstcw(__word_ptr[rsp - 16]);
            a.fld1();            // waiting: #MF before it runs (RIP stays on it)
        });
        Assert.Equal(Vector.X87FloatingPoint, m.Cpu.ExitVector);
        Assert.Equal(new byte[] { 0xD9, 0xE8, 0xCC }, m.ReadPhysical(m.Cpu.Rip, 3)); // RIP on the fld1
        Assert.Equal(0xB084UL, m.Cpu.R(Reg.Rax) & 0xFFFF); // B, TOP 6, ES, ZE; C1 clear
        Assert.Equal(0xB084, m.Cpu.Fsw);
        Assert.Equal(6, m.Cpu.X87.Top);                  // the division did not pop
        Assert.Equal(Float80.PositiveZero, m.Cpu.X87.St(0));
        Assert.Equal(Float80.One, m.Cpu.X87.St(1));
        Assert.Equal(0x06F9, m.Cpu.X87.Opcode);          // DE F9: fdivp st(1), st
    }

    [Fact]
    public void A_store_into_a_read_only_page_faults_writes_nothing_and_keeps_the_x87_state()
    {
        ulong at = ReadOnlyPage - 4; // fstp m80: four bytes writable, six read-only
        TestMachine m = Run(a =>
        {
            a.mov(rdi, at);
            a.fldpi();
            a.fstp(__tword_ptr[rdi]);
        });
        Assert.Equal(Vector.PageFault, m.Cpu.ExitVector);
        Assert.Equal(ReadOnlyPage, m.Cpu.ExitFault.Address);
        Assert.All(m.ReadPhysical(at, 4), b => Assert.Equal(0, b));
        Assert.Equal(7, m.Cpu.X87.Top);                  // not popped
        Assert.Equal(0x01EB, m.Cpu.X87.Opcode);          // still fldpi's (D9 EB)
        Assert.Equal(0UL, m.Cpu.X87.DataPointer);
    }

    [Fact]
    public void Operands_crossing_a_page_boundary_load_and_store_whole()
    {
        const ulong load = TestMachine.DataBase + 0x1000 - 3, storeDouble = TestMachine.DataBase + 0x2000 - 4, storeExtended = TestMachine.DataBase + 0x3000 - 7;
        byte[] pi = new Float80(0x4000, 0xC90F_DAA2_2168_C235).ToBytes();
        TestMachine m = Run(
            a =>
            {
                a.mov(rsi, TestMachine.DataBase);
                a.fld(__tword_ptr[rsi + (int)(load - TestMachine.DataBase)]);
                a.fst(__qword_ptr[rsi + (int)(storeDouble - TestMachine.DataBase)]);
                a.fstp(__tword_ptr[rsi + (int)(storeExtended - TestMachine.DataBase)]);
            },
            mm => mm.WritePhysical(load, pi));
        Assert.Equal(Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal(0x400921FB54442D18UL, BitConverter.ToUInt64(m.ReadPhysical(storeDouble, 8)));
        Assert.Equal(pi, m.ReadPhysical(storeExtended, 10));
        Assert.Equal(0, m.Cpu.X87.Valid);
    }
}

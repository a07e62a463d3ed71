using HvSim.Cpu;
using HvSim.HostOracle;
using HvSim.Mmu;
using HvSim.Tests.Cpu.Oracle;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>
/// The x87 environment (fnstcw, fldcw, fnstsw, fninit, fnclex, fnstenv, fldenv, wait): what
/// glibc needs for its rounding mode (strtod, hence busybox seq, sort -n and awk, and fenv).
/// Values measured on the host; the environment image is also compared with the host CPU.
/// </summary>
public sealed class X87ControlTests
{
    private const ulong RwPage = VectorFaultMachine.RwPage;
    private const ulong ReadOnlyPage = VectorFaultMachine.ReadOnlyPage;

    private static TestMachine Run(Action<Assembler> program, ulong rdi = TestMachine.DataBase, Action<TestMachine>? setup = null)
    {
        TestMachine m = VectorFaultMachine.Load(program);
        m.Cpu.R(Reg.Rdi) = rdi;
        setup?.Invoke(m);
        m.Run();
        return m;
    }

    private static ushort Word(TestMachine m, ulong at) => BitConverter.ToUInt16(m.ReadPhysical(at, 2));

    [Fact]
    public void ControlWordStartsAtTheFninitDefault()
    {
        TestMachine m = Run(a => a.fnstcw(__word_ptr[rdi]));
        Assert.Equal(Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal(0x037F, Word(m, TestMachine.DataBase));
    }

    [Theory]
    [InlineData(0x0000, 0x0040)] // host: bit 6 reads as 1
    [InlineData(0xFFFF, 0x1F7F)] // host: bits 7 and 13..15 read as 0
    [InlineData(0x0F7F, 0x0F7F)] // round toward zero, all masked
    [InlineData(0x077F, 0x077F)] // round up
    public void FldcwKeepsTheBitsTheHostKeeps(int loaded, int stored)
    {
        TestMachine m = Run(a =>
        {
            a.fldcw(__word_ptr[rdi]);
            a.fnstcw(__word_ptr[rdi + 2]);
        }, setup: m => m.WritePhysical(TestMachine.DataBase, BitConverter.GetBytes((ushort)loaded)));
        Assert.Equal(Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal((ushort)stored, Word(m, TestMachine.DataBase + 2));
        Assert.Equal((ushort)stored, m.Cpu.Fcw);
    }

    [Fact]
    public void FnstenvWritesTheHostsImageAndThenMasksEveryException()
    {
        // Measured on the host after fldcw 0x0F40 (all exceptions unmasked, round toward zero).
        byte[] expected =
        {
            0x40, 0x0F, 0xFF, 0xFF, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF,
        };
        TestMachine m = Run(a =>
        {
            a.fldcw(__word_ptr[rdi]);
            a.fnstenv(__[rdi + 8]);
            a.fnstcw(__word_ptr[rdi + 2]);
        }, setup: m => m.WritePhysical(TestMachine.DataBase, BitConverter.GetBytes((ushort)0x0F40)));
        Assert.Equal(Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal(expected, m.ReadPhysical(TestMachine.DataBase + 8, 28));
        Assert.Equal(0x0F7F, Word(m, TestMachine.DataBase + 2));
    }

    [Fact]
    public void FldenvLoadsControlAndStatusWordsAndFnclexFninitClearThem()
    {
        byte[] image = new byte[28];
        BitConverter.GetBytes((ushort)0x0B7F).CopyTo(image, 0);
        BitConverter.GetBytes((ushort)0xB8A1).CopyTo(image, 4); // B, TOP=7, ES, PE, IE: ES and B go (both masked; measured on the host)
        TestMachine m = Run(a =>
        {
            a.fldenv(__[rdi]);
            a.fnstsw(ax);
            a.fnclex();
            a.fnstsw(__word_ptr[rdi + 64]);
            a.fnstcw(__word_ptr[rdi + 66]);
            a.fninit();
            a.fnstcw(__word_ptr[rdi + 68]);
            a.wait();
        }, setup: m => m.WritePhysical(TestMachine.DataBase, image));
        Assert.Equal(Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal(0x3821UL, m.Cpu.R(Reg.Rax) & 0xFFFF);
        Assert.Equal(0x3800, Word(m, TestMachine.DataBase + 64)); // fnclex keeps TOP, clears B, ES and the exception flags
        Assert.Equal(0x0B7F, Word(m, TestMachine.DataBase + 66));
        Assert.Equal(0x037F, Word(m, TestMachine.DataBase + 68));
        Assert.Equal(0, m.Cpu.Fsw);
    }

    [Fact]
    public void FnstenvIntoAReadOnlyPageFaultsAndChangesNothing()
    {
        // The image straddles into the read-only page: #PF (write), no byte written, masks unchanged.
        ulong at = ReadOnlyPage - 12;
        TestMachine m = Run(a =>
        {
            a.fldcw(__word_ptr[rdi - 0x100]);
            a.fnstenv(__[rdi]);
        }, rdi: at, setup: m => m.WritePhysical(at - 0x100, BitConverter.GetBytes((ushort)0x0F40)));
        Assert.Equal(Vector.PageFault, m.Cpu.ExitVector);
        Assert.Equal(ReadOnlyPage, m.Cpu.ExitFault.Address);
        Assert.True(m.Cpu.ExitFault.ErrorCode.HasFlag(PageFaultErrorCode.Write));
        Assert.All(m.ReadPhysical(at, 12), b => Assert.Equal(0, b));
        Assert.Equal(0x0F40, m.Cpu.Fcw);
    }

    [HostOracleFact]
    public void EnvironmentMatchesTheHost()
    {
        // fninit first and last: the host thread's x87 state is left as Linux starts it.
        byte[] code = CodeEncoder.Encode(a =>
        {
            a.fninit();
            a.fldcw(__word_ptr[rdi]);
            a.fnstcw(__word_ptr[rdi + 2]);
            a.fnstenv(__[rdi + 8]);
            a.fnstcw(__word_ptr[rdi + 40]);
            a.fnstsw(ax);
            a.fnstsw(__word_ptr[rdi + 42]);
            a.fnclex();
            a.fninit();
            a.fnstcw(__word_ptr[rdi + 44]);
        });
        using var host = new NativeExecutor();
        foreach (ushort loaded in new ushort[] { 0x0000, 0x037F, 0x027F, 0x0F7F, 0x0B40, 0x1C3F, 0xE080, 0xFFFF })
        {
            var input = new MachineSnapshot();
            input[OracleBridge.MemoryBase] = OracleBridge.ScratchAddress;
            input.Gpr[HostOracle.Gpr.IndexOf(Register.RAX)] = 0x1111_2222_3333_4444;
            BitConverter.GetBytes(loaded).CopyTo(input.Memory, 0);
            MachineSnapshot expected = host.Run(code, input, OracleBridge.MemoryBase);
            InterpreterOutcome simulated = OracleBridge.Run(code, input);
            Assert.True(simulated.State is not null, simulated.Failure);
            Assert.True(expected.Equals(simulated.State), $"fldcw 0x{loaded:X4}: {expected.Describe(simulated.State!)}");
        }
    }
}

using System.Runtime.Intrinsics;
using HvSim.Mmu;
using Iced.Intel;

namespace HvSim.Tests.Cpu;

/// <summary>
/// The machine of the SSE and AVX fault tests: a read-write page followed by a read-only one (for
/// accesses across and into it), the data area filled with a byte pattern, every XMM register and
/// YMM upper half set to <see cref="Marker"/> so an instruction that faults can be seen to change nothing.
/// </summary>
internal static class VectorFaultMachine
{
    public const ulong RwPage = 0x70_0000;
    public const ulong ReadOnlyPage = RwPage + 0x1000;

    public static readonly Vector128<byte> Marker = Vector128.Create((byte)0xA5);

    /// <summary>
    /// A machine with the read-write page and the read-only page after it mapped and the program
    /// loaded (int3 appended), not yet run: the x87 fault and control tests use it too.
    /// </summary>
    public static TestMachine Load(Action<Assembler> program)
    {
        var m = new TestMachine();
        m.MapRange(RwPage, 1, Pte.RW | Pte.US | Pte.NX);
        m.MapRange(ReadOnlyPage, 1, Pte.US | Pte.NX);
        m.LoadEndingInInt3(program);
        return m;
    }

    /// <summary>Loads the program (int3 appended), points rdi at <paramref name="rdi"/> and runs.</summary>
    public static TestMachine Run(Action<Assembler> program, ulong rdi)
    {
        TestMachine m = Load(program);
        byte[] pattern = new byte[TestMachine.DataPages * 4096];
        for (int i = 0; i < pattern.Length; i++)
        {
            pattern[i] = (byte)(i * 7);
        }

        m.WritePhysical(TestMachine.DataBase, pattern);
        for (int x = 0; x < 16; x++)
        {
            m.Cpu.Xmm(x) = Marker;
            m.Cpu.YmmHigh(x) = Marker;
        }

        m.Cpu.R(HvSim.Cpu.Reg.Rdi) = rdi;
        m.Run();
        return m;
    }

    /// <summary>A fault leaves RIP at the faulting instruction, the first, with nothing retired.</summary>
    public static void AssertFaultedAtFirstInstruction(TestMachine m, HvSim.Cpu.Vector vector)
    {
        Assert.Equal(vector, m.Cpu.ExitVector);
        Assert.Equal(TestMachine.CodeBase, m.Cpu.Rip);
        Assert.Equal(0, m.Cpu.InstructionsRetired);
    }
}

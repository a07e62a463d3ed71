using System.Text;
using FsCheck;
using FsCheck.Fluent;
using HvSim.Tests.Cpu.Oracle;
using Iced.Intel;

namespace HvSim.Tests.Cpu.Jit;

/// <summary>What a step of a <see cref="JitCase"/> is preceded by: control flow and stack traffic around the generated instruction.</summary>
public enum StepPrefix
{
    None,
    /// <summary>jcc (condition = Param) over the step: a block ends on flags the step's predecessors left.</summary>
    SkipIf,
    /// <summary>push reg; pop reg.</summary>
    PushPop,
    /// <summary>call the next instruction; pop reg.</summary>
    CallPop,
    /// <summary>call a ret that returns to a jmp over it.</summary>
    CallRet,
    /// <summary>push imm8; pop reg.</summary>
    PushImmediatePop,
}

/// <summary>
/// One program of the translation exactness property: random instruction steps from the host-oracle
/// generators (<see cref="InstructionGenerators"/>), each maybe preceded by a branch or stack traffic,
/// in a loop that runs <see cref="Iterations"/> times and ends in int3; its registers, flags and scratch
/// memory; where the scratch lies (<see cref="Layout"/>); how the run is cut into budgets; and whether
/// the TLB is so small (<see cref="TinyTlb"/>) that data accesses evict the code's own entry.
/// </summary>
public sealed record JitCase(Instruction[][] Steps, (StepPrefix Kind, int Param)[] Prefixes, ulong[] Gprs, ulong Flags, byte[] Memory, int Layout, int SliceSeed, int Iterations, bool TinyTlb)
{
    /// <summary>Scratch within one page (the TLB fast path serves every access).</summary>
    public const int OnePage = 0;

    /// <summary>Scratch across two mapped pages: page-crossing operands take the interpreter's path.</summary>
    public const int AcrossPages = 1;

    /// <summary>Scratch whose upper half is not mapped: accesses there raise #PF mid-block.</summary>
    public const int IntoUnmapped = 2;

    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine($"layout {Layout}, {Iterations} iterations, slice seed {SliceSeed}, flags 0x{Flags:X}{(TinyTlb ? ", tiny TLB" : "")}");
        text.Append(JitProgram.Listing(this));
        for (int i = 0; i < 16; i++)
        {
            text.Append($"  {HvSim.Cpu.Reg.Names64[i],-3}=0x{Gprs[i]:X16}");
            if (i % 4 == 3)
            {
                text.AppendLine();
            }
        }
        return text.ToString();
    }
}

/// <summary>FsCheck generators of <see cref="JitCase"/>s: small, so thousands run in seconds.</summary>
public static class JitCases
{
    private static readonly Gen<(StepPrefix, int)> Prefix = Gen.Frequency(
        (6, Gen.Constant((StepPrefix.None, 0))),
        (3, Gen.Choose(0, 15).Select(cc => (StepPrefix.SkipIf, cc))),
        (1, Gen.Choose(0, 13).Select(r => (StepPrefix.PushPop, r))),
        (1, Gen.Choose(0, 13).Select(r => (StepPrefix.CallPop, r))),
        (1, Gen.Constant((StepPrefix.CallRet, 0))),
        (1, Gen.Choose(0, 13).Select(r => (StepPrefix.PushImmediatePop, r))));

    public static Arbitrary<JitCase> Cases() => Arb.From(
        from count in Gen.Choose(1, 6)
        from steps in Gen.ArrayOf(InstructionGenerators.Step(OracleCategory.Mixed), count)
        from prefixes in Gen.ArrayOf(Prefix, count)
        from gprs in Gen.ArrayOf(Values.Gpr, 16)
        from flags in Values.Flags
        from memory in Values.Memory
        from layout in Gen.Frequency((6, Gen.Constant(JitCase.OnePage)), (2, Gen.Constant(JitCase.AcrossPages)), (1, Gen.Constant(JitCase.IntoUnmapped)))
        from sliceSeed in Gen.Choose(0, int.MaxValue)
        from iterations in Gen.Choose(1, 4)
        from tinyTlb in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
        select new JitCase(steps, prefixes, gprs, flags, memory, layout, sliceSeed, iterations, tinyTlb));
}

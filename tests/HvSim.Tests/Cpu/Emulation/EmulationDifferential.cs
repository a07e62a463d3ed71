using System.Runtime.Intrinsics;
using System.Text;
using HvSim.Core;
using HvSim.Cpu;
using HvSim.Cpu.Emulation;
using HvSim.HostOracle;
using HvSim.Mmu;

namespace HvSim.Tests.Cpu.Emulation;

/// <summary>The verdict on one <see cref="WriteCase"/>: empty message when the two sides agree.</summary>
internal sealed record EmulationVerdict(bool Passed, string Message);

/// <summary>
/// Runs a case twice: on the interpreter, with the instruction on a code page and its memory in
/// writable (and one read-only) pages of a <see cref="TestMachine"/>; and through the
/// <see cref="WriteEmulator"/> over a <see cref="PagedView"/> of the same layout, calling it again
/// while a rep string instruction has elements left, as a fault handler would. Both must end the
/// same way (done, the same memory fault, or an exception that the engine reports as Unsupported)
/// with the same GPRs, RIP, status flags and DF, XMM registers and memory bytes. Each engine call
/// must also keep its own promises: an unsuccessful call changes neither state nor memory, a rep
/// call performs one element and leaves RIP on the instruction until RCX reaches zero.
/// </summary>
internal static class EmulationDifferential
{
    private const ulong ComparedFlags = Rflags.Status | Rflags.Df;

    [ThreadStatic]
    private static WriteEmulator? t_engine;

    private abstract record Outcome
    {
        public sealed record Done : Outcome;

        public sealed record Faulted(MemoryFault Fault) : Outcome;

        /// <summary>An exception that is not a memory fault (#GP, #UD...); the engine reports Unsupported.</summary>
        public sealed record Raised(string What) : Outcome;

        /// <summary>The same ending: done, the same fault, or any exception matched by Unsupported.</summary>
        public bool Matches(Outcome other) => this is Raised ? other is Raised : Equals(other);
    }

    public static EmulationVerdict Check(WriteCase c)
    {
        CaseInput input = CaseInput.From(c);
        var problems = new List<string>();
        (Outcome expected, TestMachine machine) = RunInterpreter(c, input);
        (Outcome actual, CpuState state, PagedView view) = RunEngine(c, input, problems);

        if (!expected.Matches(actual))
        {
            problems.Add($"outcome: interpreter {expected}, engine {actual}");
        }
        CompareState(machine.Cpu, state, problems);
        CompareMemory(machine, view, problems);
        if (problems.Count == 0)
        {
            return new EmulationVerdict(true, string.Empty);
        }
        var message = new StringBuilder();
        message.AppendLine(c.ToString());
        message.AppendLine("  differences:");
        foreach (string problem in problems)
        {
            message.AppendLine("    " + problem);
        }
        return new EmulationVerdict(false, message.ToString());
    }

    private static (Outcome, TestMachine) RunInterpreter(WriteCase c, CaseInput input)
    {
        var m = new TestMachine();
        m.MapRange(EmulationLayout.ReadOnly, 1, Pte.US | Pte.NX);
        m.LoadCode(input.Code);
        for (int i = 0; i < EmulationLayout.ImagePages; i++)
        {
            ulong leaf = m.Tables.ReadLeaf(m.Cr3, EmulationLayout.Data + ((ulong)i * EmulationLayout.PageSize));
            m.Memory.Write(new GuestPhysical(PteFormat.Address(leaf)), input.Image.AsSpan(i * (int)EmulationLayout.PageSize, (int)EmulationLayout.PageSize));
        }
        HvSim.Cpu.Cpu cpu = m.Cpu;
        for (int i = 0; i < 16; i++)
        {
            cpu.R(i) = input.Gpr[i];
            cpu.Xmm(i) = input.Xmm[i];
            cpu.YmmHigh(i) = input.YmmHigh[i];
        }
        cpu.Rflags = input.Rflags;
        cpu.FsBase = input.FsBase;
        cpu.GsBase = input.GsBase;
        X87CaseState.From(c).CopyTo(cpu.X87);

        // One instruction; a rep string instruction runs in chunks that each count as one.
        ExitReason exit = cpu.Run(1);
        for (int chunk = 0; exit == ExitReason.Budget && InstructionKinds.IsRepString(c.Instruction) && cpu.Rip == EmulationLayout.Code && chunk < 100; chunk++)
        {
            exit = cpu.Run(1);
        }
        Outcome outcome = exit switch
        {
            ExitReason.Budget => new Outcome.Done(),
            ExitReason.Exception when cpu.ExitFault.Kind != FaultKind.None => new Outcome.Faulted(cpu.ExitFault),
            _ => new Outcome.Raised($"{exit} {cpu.ExitVector}"),
        };
        return (outcome, m);
    }

    private static (Outcome, CpuState, PagedView) RunEngine(WriteCase c, CaseInput input, List<string> problems)
    {
        var view = new PagedView();
        view.Map(EmulationLayout.Code, PageAccess.ReadExecute, input.Code);
        for (int i = 1; i < EmulationLayout.CodePages; i++)
        {
            view.Map(EmulationLayout.Code + ((ulong)i * EmulationLayout.PageSize), PageAccess.ReadExecute);
        }
        for (int i = 0; i < EmulationLayout.ImagePages; i++)
        {
            view.Map(EmulationLayout.Data + ((ulong)i * EmulationLayout.PageSize),
                i < EmulationLayout.WritablePages ? PageAccess.ReadWrite : PageAccess.Read,
                input.Image.AsSpan(i * (int)EmulationLayout.PageSize, (int)EmulationLayout.PageSize));
        }
        var state = new CpuState { Rip = EmulationLayout.Code, Rflags = input.Rflags, FsBase = input.FsBase, GsBase = input.GsBase };
        input.Gpr.CopyTo(state.Gpr, 0);
        input.Xmm.CopyTo(state.Xmm, 0);
        input.YmmHigh.CopyTo(state.YmmHigh, 0);
        X87CaseState.From(c).CopyTo(state.X87);

        WriteEmulator engine = t_engine ??= new WriteEmulator(HvSim.Cpu.CpuIdentity.V3); // the interpreter's TestMachine CPU
        bool rep = InstructionKinds.IsRepString(c.Instruction);
        int maxCalls = rep ? (int)Math.Min(c.Placement.Count, 10_000) + 2 : 1;
        for (int call = 1; ; call++)
        {
            CpuState before = Copy(state);
            int commits = view.Commits.Count;
            EmulationResult result = engine.Emulate(state, view);
            if (string.IsNullOrEmpty(result.Disassembly))
            {
                problems.Add($"call {call}: no disassembly");
            }
            if (result.Status != EmulationStatus.Emulated)
            {
                CompareCalls(before, state, $"call {call} ({result.Status})", problems);
                if (view.Commits.Count != commits)
                {
                    problems.Add($"call {call} ({result.Status}) committed writes");
                }
                Outcome outcome = result.Status == EmulationStatus.Fault
                    ? new Outcome.Faulted(result.Fault)
                    : new Outcome.Raised("Unsupported");
                return (outcome, state, view);
            }
            int committed = view.Commits.Count == commits ? 0 : view.Commits[^1].Length;
            if (committed != result.Writes)
            {
                problems.Add($"call {call}: Writes = {result.Writes}, but {committed} staged writes were committed");
            }
            if (!rep || state.Rip != EmulationLayout.Code)
            {
                return (new Outcome.Done(), state, view);
            }
            // One element: RCX down by one (the low 32 bits under 0x67), at most one element's bytes written.
            ulong mask = InstructionKinds.IsAddress32String(c.Instruction) ? 0xFFFF_FFFFUL : ulong.MaxValue;
            ulong rcxBefore = before.Gpr[1] & mask;
            if ((state.Gpr[1] & mask) != rcxBefore - 1 || result.Writes > 2)
            {
                problems.Add($"call {call}: rep element took RCX 0x{rcxBefore:X} to 0x{state.Gpr[1]:X} with {result.Writes} writes");
            }
            if (call >= maxCalls)
            {
                problems.Add($"rep instruction still running after {call} calls");
                return (new Outcome.Done(), state, view);
            }
        }
    }

    private static CpuState Copy(CpuState state)
    {
        var copy = new CpuState { Rip = state.Rip, Rflags = state.Rflags, FsBase = state.FsBase, GsBase = state.GsBase, Mxcsr = state.Mxcsr };
        state.Gpr.CopyTo(copy.Gpr, 0);
        state.Xmm.CopyTo(copy.Xmm, 0);
        state.YmmHigh.CopyTo(copy.YmmHigh, 0);
        state.X87.CopyTo(copy.X87);
        return copy;
    }

    /// <summary>An unsuccessful call must leave every field as it was.</summary>
    private static void CompareCalls(CpuState before, CpuState after, string what, List<string> problems)
    {
        bool same = before.Rip == after.Rip && before.Rflags == after.Rflags && before.FsBase == after.FsBase
            && before.GsBase == after.GsBase && before.Mxcsr == after.Mxcsr
            && before.Gpr.AsSpan().SequenceEqual(after.Gpr) && before.Xmm.AsSpan().SequenceEqual(after.Xmm)
            && before.YmmHigh.AsSpan().SequenceEqual(after.YmmHigh)
            && X87CaseState.Describe(before.X87) == X87CaseState.Describe(after.X87);
        if (!same)
        {
            problems.Add($"{what} changed the state");
        }
    }

    private static void CompareState(HvSim.Cpu.Cpu cpu, CpuState state, List<string> problems)
    {
        for (int i = 0; i < 16; i++)
        {
            if (cpu.R(i) != state.Gpr[i])
            {
                problems.Add($"{Gpr.Names[i]}: interpreter 0x{cpu.R(i):X16}, engine 0x{state.Gpr[i]:X16}");
            }
        }
        if (cpu.Rip != state.Rip)
        {
            problems.Add($"RIP: interpreter 0x{cpu.Rip:X}, engine 0x{state.Rip:X}");
        }
        if ((cpu.Rflags & ComparedFlags) != (state.Rflags & ComparedFlags))
        {
            problems.Add($"RFLAGS: interpreter [{Rflags.Format(cpu.Rflags)}], engine [{Rflags.Format(state.Rflags)}]");
        }
        for (int i = 0; i < 16; i++)
        {
            if (cpu.Xmm(i) != state.Xmm[i])
            {
                problems.Add($"XMM{i}: interpreter {Show(cpu.Xmm(i))}, engine {Show(state.Xmm[i])}");
            }
            if (cpu.YmmHigh(i) != state.YmmHigh[i])
            {
                problems.Add($"YMM{i}[255:128]: interpreter {Show(cpu.YmmHigh(i))}, engine {Show(state.YmmHigh[i])}");
            }
        }
        if (X87CaseState.Describe(cpu.X87) is var interpreterX87 && interpreterX87 != X87CaseState.Describe(state.X87))
        {
            problems.Add($"x87: interpreter {interpreterX87}, engine {X87CaseState.Describe(state.X87)}");
        }
    }

    private static void CompareMemory(TestMachine m, PagedView view, List<string> problems)
    {
        var page = new byte[EmulationLayout.PageSize];
        for (int i = 0; i < EmulationLayout.ImagePages; i++)
        {
            ulong va = EmulationLayout.Data + ((ulong)i * EmulationLayout.PageSize);
            ulong leaf = m.Tables.ReadLeaf(m.Cr3, va);
            m.Memory.Read(new GuestPhysical(PteFormat.Address(leaf)), page);
            byte[] emulated = view.Page(va);
            int differing = 0;
            for (int b = 0; b < page.Length; b++)
            {
                if (page[b] != emulated[b] && differing++ < 16)
                {
                    problems.Add($"memory 0x{va + (ulong)b:X}: interpreter {page[b]:X2}, engine {emulated[b]:X2}");
                }
            }
        }
    }

    private static string Show(Vector128<byte> value) =>
        $"0x{value.AsUInt64().GetElement(1):X16}_{value.AsUInt64().GetElement(0):X16}";
}

using HvSim.Cpu;
using HvSim.GuestOs.Kernel;
using HvSim.GuestOs.Linux.Structs;
using Iced.Intel;
using Xunit.Abstractions;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Fuzz;

/// <summary>
/// Issue 13's sigreturn fuzzer: seeded programs that hand rt_sigreturn forged frames and real
/// frames they mutated (see <see cref="SigreturnFrames"/>), recovering from every fault they
/// cause with a handler that jumps to the next case. Each case is one frame. Every run must end
/// (exit, death by signal or the instruction limit) without an internal error, keep the isolation
/// invariants, and never give user code what it must not have: checked at every handler entry
/// (the frame the kernel saved: user selectors, user RFLAGS, no instruction run outside the user
/// half) and at the landing a forged frame may return to (the live RFLAGS and MXCSR, a mask
/// without SIGKILL or SIGSTOP, and every register as the frame gave it).
/// </summary>
public sealed class SigreturnFuzzTests(ITestOutputHelper output)
{
    private const int RunsPerPlatform = 40, CasesPerRun = 2500;

    /// <summary>Where forged frames are copied before rt_sigreturn reads them: on the safe stack, with room below for the frame of the fault that may follow.</summary>
    private const ulong FrameArea = RecoveringGuest.SafeStackTop - 0x2000;

    private const int SysRtSigreturn = 15;

    [Theory]
    [MemberData(nameof(FuzzHarness.Platforms), MemberType = typeof(FuzzHarness))]
    public void Forged_and_mutated_signal_frames_never_break_the_kernel_or_reach_privilege(string platformName)
    {
        int runs = FuzzHarness.Runs(RunsPerPlatform);
        long cases = 0, deaths = 0, landings = 0, recoveries = 0;
        for (int run = 0; run < runs; run++)
        {
            int seed = (run * 104_729) + platformName.Length;
            Outcome outcome = RunOne(platformName, seed);
            cases += outcome.Cases;
            landings += outcome.Landings;
            recoveries += outcome.Recoveries;
            deaths += outcome.Died ? 1 : 0;
        }
        output.WriteLine($"{platformName}: {cases} signal frames in {runs} runs ({landings} returned to the landing, {recoveries} faults recovered from, {deaths} runs died early)");
        // The frames are hostile but mostly survivable: the fuzzing is not lost to early deaths,
        // and both the landing and the faults are reached.
        Assert.True(cases >= runs * CasesPerRun * 8L / 10, $"most frames ran ({cases})");
        Assert.True(landings > cases / 10 && recoveries > cases / 4, $"{landings} landings, {recoveries} recoveries");
    }

    private sealed record Outcome(long Cases, long Landings, long Recoveries, bool Died);

    private static Outcome RunOne(string platformName, int seed)
    {
        var random = new Random(seed);
        Runner runner = Runner.Build();
        byte[] fx = SigreturnFrames.FxImagesFor(random);
        byte[] table = SigreturnFrames.Generate(random, CasesPerRun, runner.Targets());
        byte[] elf = runner.Program.Elf([.. fx, .. table]);
        ulong casesAddress = runner.Program.DataAddress + (ulong)fx.Length;

        GuestKernel kernel = FuzzHarness.NewKernel(platformName, CasesPerRun * 400L, seed: (ulong)seed);
        long checkedCase = -1;
        kernel.MarkerPassed = () =>
        {
            Process process = kernel.CurrentProcess!;
            ulong current = UserPages.PeekU64(kernel, process.Space.Cr3, RecoveringGuest.CurrentCase);
            long index = (long)(current - casesAddress) / SigreturnFrames.CaseBytes;
            string? broken;
            if (kernel.Cpu.Rip == runner.HandlerMarked)
            {
                broken = UserStateChecks.CheckDeliveredFrame(kernel, process);
            }
            else
            {
                broken = UserStateChecks.CheckCpu(kernel, process);
                if (broken is null && index != checkedCase)
                {
                    checkedCase = index;
                    broken = RestoredAsForged(kernel.Cpu, table.AsSpan((int)index * SigreturnFrames.CaseBytes, SigreturnFrames.CaseBytes), runner.Landing);
                }
            }
            if (broken is not null)
            {
                throw new InvariantViolation($"case {index}: {broken}");
            }
        };
        var counters = new long[3];
        kernel.ProcessExiting = p => ReadCounters(kernel, p, counters);
        FuzzResult result = FuzzHarness.Run(kernel, () => kernel.CreateProcess(elf, "sigreturn-fuzz", ["sigreturn-fuzz"], []), $"{platformName}, seed {seed}");
        if (result.Outcome == RunOutcome.InstructionLimit)
        {
            ReadCounters(kernel, result.Process!, counters);
        }
        return new Outcome(counters[0], counters[1], counters[2], result.ExitStatus is int status && status != 0);
    }

    private static void ReadCounters(GuestKernel kernel, Process process, long[] counters)
    {
        counters[0] = (long)UserPages.PeekU64(kernel, process.Space.Cr3, RecoveringGuest.CaseIndex);
        counters[1] = (long)UserPages.PeekU64(kernel, process.Space.Cr3, RecoveringGuest.Landings);
        counters[2] = (long)UserPages.PeekU64(kernel, process.Space.Cr3, RecoveringGuest.Recoveries);
    }

    /// <summary>
    /// At the landing of a forged frame: every general register and the user-writable flags are
    /// the frame's (RSP included: the landing's first instruction is the marker), RAX as
    /// rt_sigreturn's result. Null when they are, or when the case is not a forged frame aimed at
    /// the landing (a mutated real frame gets there only by chance).
    /// </summary>
    private static string? RestoredAsForged(HvSim.Cpu.Cpu cpu, ReadOnlySpan<byte> entry, ulong landing)
    {
        if (System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(entry) != SigreturnFrames.KindForged)
        {
            return null;
        }
        SigContext m = RtSigFrame.ReadContext(entry[SigreturnFrames.FrameOffset..]).Mcontext;
        if (m.Rip != landing)
        {
            return null;
        }
        (string Name, ulong Expected, ulong Actual)[] registers =
        [
            ("r8", m.R8, cpu.R(Reg.R8)), ("r9", m.R9, cpu.R(Reg.R9)), ("r10", m.R10, cpu.R(Reg.R10)), ("r11", m.R11, cpu.R(Reg.R11)),
            ("r12", m.R12, cpu.R(Reg.R12)), ("r13", m.R13, cpu.R(Reg.R13)), ("r14", m.R14, cpu.R(Reg.R14)), ("r15", m.R15, cpu.R(Reg.R15)),
            ("rdi", m.Rdi, cpu.R(Reg.Rdi)), ("rsi", m.Rsi, cpu.R(Reg.Rsi)), ("rbp", m.Rbp, cpu.R(Reg.Rbp)), ("rbx", m.Rbx, cpu.R(Reg.Rbx)),
            ("rdx", m.Rdx, cpu.R(Reg.Rdx)), ("rax", m.Rax, cpu.R(Reg.Rax)), ("rcx", m.Rcx, cpu.R(Reg.Rcx)), ("rsp", m.Rsp, cpu.R(Reg.Rsp)),
            ("user flags", m.Eflags & FlagBits.UserWritable, cpu.Rflags & FlagBits.UserWritable),
        ];
        foreach ((string name, ulong expected, ulong actual) in registers)
        {
            if (expected != actual)
            {
                return $"rt_sigreturn restored {name} = 0x{actual:x}, the frame says 0x{expected:x}";
            }
        }
        return null;
    }

    /// <summary>The runner program (the same code for every run; only its case table differs) and the addresses of its landing, traps and handler.</summary>
    private sealed record Runner(AssembledRunner Program, ulong Landing, ulong[] Traps, ulong SyscallTrap, ulong HandlerMarked)
    {
        private static readonly Lazy<Runner> s_runner = new(Assemble);

        public static Runner Build() => s_runner.Value;

        public SigreturnFrames.Targets Targets() =>
            new(Landing, Traps, SyscallTrap, GuestOsTests.TinyElf.LoadAddress, Program.DataAddress, Program.DataAddress);

        private static Runner Assemble()
        {
            var a = new Assembler(64);
            Label handler = a.CreateLabel(), restorer = a.CreateLabel(), nextCase = a.CreateLabel(), real = a.CreateLabel(),
                recover = a.CreateLabel(), landing = a.CreateLabel(), done = a.CreateLabel(), data = a.CreateLabel();
            RecoveringGuest.EmitSetup(a, handler, restorer);
            a.lea(rax, __[data]);
            a.add(rax, SigreturnFrames.FxImages * SigreturnFrames.FxBytes);
            a.mov(__qword_ptr[RecoveringGuest.CasePointer], rax);

            // One case: reset the stack and the mask, then hand the frame to rt_sigreturn, or fault
            // so that the handler mutates the frame the kernel pushed.
            a.Label(ref nextCase);
            a.cld(); // a forged frame may have set DF
            a.mov(rsp, RecoveringGuest.SafeStackTop - 64);
            a.mov(rbx, __qword_ptr[RecoveringGuest.CasePointer]);
            a.lea(rax, __[data]);
            a.add(rax, (SigreturnFrames.FxImages * SigreturnFrames.FxBytes) + (CasesPerRun * SigreturnFrames.CaseBytes));
            a.cmp(rbx, rax);
            a.jae(done);
            a.lea(rax, __[rbx + SigreturnFrames.CaseBytes]);
            a.mov(__qword_ptr[RecoveringGuest.CasePointer], rax);
            a.mov(__qword_ptr[RecoveringGuest.CurrentCase], rbx);
            a.inc(__qword_ptr[RecoveringGuest.CaseIndex]);
            RecoveringGuest.EmitUnblockAll(a);
            a.cmp(__qword_ptr[rbx], SigreturnFrames.KindForged);
            a.jne(real);
            a.lea(rsi, __[rbx + SigreturnFrames.FrameOffset]);
            a.mov(edi, (uint)FrameArea);
            a.mov(ecx, RtSigFrame.Size);
            a.rep.movsb();
            a.mov(esp, (uint)(FrameArea + 8)); // rt_sigreturn reads its frame at rsp - 8
            a.mov(eax, SysRtSigreturn);
            a.syscall();
            a.jmp(nextCase);

            a.Label(ref real);
            a.mov(__qword_ptr[RecoveringGuest.Phase], 1);
            a.ud2();
            a.jmp(nextCase);

            // Every fault comes here. The first one of a real case mutates the frame and returns
            // through it; any other goes on to the next case.
            a.Label(ref handler);
            a.xchg(bx, bx);
            a.cmp(__qword_ptr[RecoveringGuest.Phase], 1);
            a.jne(recover);
            a.mov(__qword_ptr[RecoveringGuest.Phase], 0);
            a.mov(rbx, __qword_ptr[RecoveringGuest.CurrentCase]);
            for (int m = 0; m < SigreturnFrames.Mutations; m++)
            {
                int at = 8 + (m * SigreturnFrames.MutationBytes);
                a.mov(rcx, __qword_ptr[rbx + at]);
                a.mov(rax, __qword_ptr[rsp + rcx]);
                a.and(rax, __qword_ptr[rbx + at + 8]);
                a.or(rax, __qword_ptr[rbx + at + 16]);
                a.xor(rax, __qword_ptr[rbx + at + 24]);
                a.mov(__qword_ptr[rsp + rcx], rax);
            }
            a.ret();
            a.Label(ref recover);
            a.inc(__qword_ptr[RecoveringGuest.Recoveries]);
            a.jmp(nextCase);

            HvSim.Tests.FaultPath.PtGuest.EmitRestorer(a, restorer);

            a.Label(ref landing);
            a.xchg(bx, bx);
            a.inc(__qword_ptr[RecoveringGuest.Landings]);
            a.jmp(nextCase);

            // Where a forged RIP may point: instructions that trap, each followed by the way on.
            var traps = new List<Label>();
            Action<Assembler>[] trapCode =
            [
                t => t.int3(), t => t.ud2(), t => t.hlt(), t => t.cli(), t => t.@in(al, dx), t => t.div(ecx),
                t => t.mov(al, __byte_ptr[0x10]), t => t.@int(0x80), t => t.@int(0x84), t => t.iretq(), t => t.mov(__qword_ptr[rsp - 0x10000], rax),
            ];
            foreach (Action<Assembler> emit in trapCode)
            {
                Label trap = a.CreateLabel();
                a.Label(ref trap);
                emit(a);
                a.jmp(nextCase);
                traps.Add(trap);
            }
            Label syscallTrap = a.CreateLabel();
            a.Label(ref syscallTrap);
            a.syscall();
            a.jmp(nextCase);

            AssembledRunner program = RecoveringGuest.Finish(a, done, data);
            return new Runner(program, program.Address(landing), [.. traps.Select(program.Address)],
                program.Address(syscallTrap), program.Address(handler) + 3);
        }
    }
}

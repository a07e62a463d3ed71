using System.Buffers.Binary;
using HvSim.GuestOs.Kernel;
using Iced.Intel;
using Xunit.Abstractions;
using Xunit.Sdk;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Fuzz;

/// <summary>
/// Issue 13's random-code fuzzer: seeded programs run thousands of random snippets (see
/// <see cref="RandomSnippets"/>), each from random registers that mostly point into a junk region
/// full of pointers into itself, in a guest whose handler for every fault signal jumps on to the
/// next snippet. Each case is one snippet. Every run must end without an internal error or a hang,
/// keep the isolation invariants, and at every handler entry show a frame user code may have
/// (<see cref="UserStateChecks.CheckDeliveredFrame"/>). A failure names the seed and the snippet,
/// disassembled, shrunk to its shortest prefix that still fails on its own when it does.
/// </summary>
public sealed class RandomCodeFuzzTests(ITestOutputHelper output)
{
    private const int RunsPerPlatform = 30, SnippetsPerRun = 2000;
    private const int CaseBytes = 17 * 8; // sixteen registers by number (RAX..R15), then the slot's address
    private const ulong JumpTarget = RecoveringGuest.State + 80;

    private static readonly Lazy<Runner> s_runner = new(Runner.Assemble);

    [Theory]
    [MemberData(nameof(FuzzHarness.Platforms), MemberType = typeof(FuzzHarness))]
    public void Random_code_never_breaks_the_simulator_or_reaches_privilege(string platformName)
    {
        int runs = FuzzHarness.Runs(RunsPerPlatform);
        long snippets = 0, recoveries = 0, restarts = 0;
        for (int run = 0; run < runs; run++)
        {
            int seed = (run * 1_000_003) + platformName.Length;
            var random = new Random(seed);
            var cases = Enumerable.Range(0, SnippetsPerRun).Select(i => Case.Draw(random, s_runner.Value.SlotAddress(i))).ToArray();
            // Random code ends its process now and then (a stack pointer it loaded, with no stack
            // for the next fault's frame; a blocked signal; an exit; a loop to the instruction
            // limit): the run goes on in a fresh process from the next snippet, so none is lost.
            for (int first = 0; first < cases.Length; restarts++)
            {
                (long ran, long recovered) = RunCases(platformName, seed, cases[first..]);
                snippets += ran;
                recoveries += recovered;
                first += (int)Math.Max(ran, 1);
            }
            restarts--;
        }
        output.WriteLine($"{platformName}: {snippets} snippets in {runs} runs ({recoveries} faults recovered from, {restarts} fresh processes after a snippet ended one)");
        Assert.True(snippets >= runs * (long)SnippetsPerRun, $"every snippet ran ({snippets})");
        Assert.True(recoveries > snippets / 3, $"the snippets fault, and are recovered from ({recoveries})");
    }

    /// <summary>One snippet and the registers it starts with.</summary>
    private sealed record Case(byte[] Snippet, ulong[] Registers, ulong Address)
    {
        public static Case Draw(Random random, ulong address)
        {
            var registers = new ulong[16];
            for (int i = 0; i < registers.Length; i++)
            {
                registers[i] = random.Next(20) switch
                {
                    < 12 => RecoveringGuest.Junk + 0x8000 + (ulong)random.Next(0x30000),
                    < 15 => (ulong)random.Next(-16, 4096),
                    < 18 => (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63),
                    18 => address + RandomSnippets.SlotBytes + (ulong)random.Next(RandomSnippets.SlotBytes), // the next slot: code, but no loop
                    _ => 0xFFFF_8000_0000_0000 + (ulong)random.Next(),
                };
            }
            // The stack in the middle of the junk region: pushes, pops and frames stay in it.
            registers[HvSim.Cpu.Reg.Rsp] = RecoveringGuest.Junk + 0x20000 + (ulong)random.Next(-0x8000, 0x8000) - (ulong)(random.Next(4) == 0 ? random.Next(16) : 0);
            int[] pointers = Enumerable.Range(0, 16).Where(r => r != HvSim.Cpu.Reg.Rsp && registers[r] - RecoveringGuest.Junk < RecoveringGuest.JunkBytes).ToArray();
            return new Case(RandomSnippets.Next(random, address, pointers), registers, address);
        }

        public override string ToString() =>
            $"snippet at 0x{Address:x}:\n{RandomSnippets.Disassemble(Snippet, Address)}  registers (rax..r15): {string.Join(' ', Registers.Select(r => $"{r:x}"))}";
    }

    /// <summary>Runs the cases from the runner's first slot; returns how many started and how many faults were recovered from. Fails with the snippet that broke something.</summary>
    private (long Ran, long Recovered) RunCases(string platformName, int seed, Case[] cases, bool shrinking = false)
    {
        Runner runner = s_runner.Value;
        cases = cases.Select((c, i) => c with { Address = runner.SlotAddress(i) }).ToArray();
        byte[] elf = runner.Program.Elf(runner.Data(cases));
        // The prologue takes about 60,000 instructions; a snippet a few dozen, its fault's handler a few more.
        GuestKernel kernel = FuzzHarness.NewKernel(platformName, 100_000 + (cases.Length * 3000L), seed: (ulong)seed);
        kernel.MarkerPassed = () =>
        {
            if (kernel.Cpu.Rip == runner.HandlerMarked && UserStateChecks.CheckDeliveredFrame(kernel, kernel.CurrentProcess!) is string broken)
            {
                throw new InvariantViolation(broken);
            }
        };
        var counters = new long[2];
        kernel.ProcessExiting = p => ReadCounters(kernel, p, counters);
        try
        {
            FuzzResult result = FuzzHarness.Run(kernel, () => kernel.CreateProcess(elf, "code-fuzz", ["code-fuzz"], []), $"{platformName}, seed {seed}");
            if (result.Outcome == RunOutcome.InstructionLimit)
            {
                ReadCounters(kernel, result.Process!, counters);
            }
            return (counters[0], counters[1]);
        }
        catch (XunitException e) when (!shrinking)
        {
            // The case running when it broke: the runner counts the cases it starts.
            if (kernel.CurrentProcess is Process process && process.ExitStatus is null)
            {
                ReadCounters(kernel, process, counters);
            }
            long index = counters[0] - 1;
            if (index < 0 || index >= cases.Length)
            {
                throw;
            }
            throw new XunitException($"{e.Message}\nwhile running {Shrink(platformName, seed, cases[(int)index])}");
        }
    }

    /// <summary>
    /// The failing case alone, with its snippet cut to the shortest prefix that still fails on its
    /// own; or the case as it was when it does not fail alone (an earlier snippet set the scene).
    /// </summary>
    private string Shrink(string platformName, int seed, Case failing)
    {
        Case alone = failing with { Address = s_runner.Value.SlotAddress(0) };
        if (!Fails(platformName, seed, alone))
        {
            return $"{failing}\n(it does not fail alone: an earlier snippet of the run set the scene)";
        }
        for (int length = 1; length < alone.Snippet.Length; length++)
        {
            Case shorter = alone with { Snippet = alone.Snippet[..length] };
            if (Fails(platformName, seed, shorter))
            {
                alone = shorter;
                break;
            }
        }
        return $"{alone}\n(shrunk: fails alone, as the first case of a run)";
    }

    private bool Fails(string platformName, int seed, Case alone)
    {
        try
        {
            RunCases(platformName, seed, [alone], shrinking: true);
            return false;
        }
        catch (XunitException)
        {
            return true;
        }
    }

    private static void ReadCounters(GuestKernel kernel, Process process, long[] counters)
    {
        counters[0] = (long)UserPages.PeekU64(kernel, process.Space.Cr3, RecoveringGuest.CaseIndex);
        counters[1] = (long)UserPages.PeekU64(kernel, process.Space.Cr3, RecoveringGuest.Recoveries);
    }

    /// <summary>The runner: the same code for every run; its data is the snippets' slots, then the cases' registers.</summary>
    private sealed record Runner(AssembledRunner Program, ulong HandlerMarked)
    {
        /// <summary>The data starts with one slot's room for the cases' address.</summary>
        public ulong SlotAddress(int index) => Program.DataAddress + ((ulong)(index + 1) * RandomSnippets.SlotBytes);

        /// <summary>The cases' address, the slots (snippet, NOPs, jmp to the next case), the cases, and a case of slot 0 that ends the run.</summary>
        public byte[] Data(Case[] cases)
        {
            int slots = (cases.Length + 1) * RandomSnippets.SlotBytes;
            var data = new byte[slots + ((cases.Length + 1) * CaseBytes)];
            BinaryPrimitives.WriteUInt64LittleEndian(data, Program.DataAddress + (ulong)slots);
            for (int i = 0; i < cases.Length; i++)
            {
                Span<byte> slot = data.AsSpan((i + 1) * RandomSnippets.SlotBytes, RandomSnippets.SlotBytes);
                slot.Fill(0x90);
                cases[i].Snippet.CopyTo(slot);
                ulong jump = SlotAddress(i) + RandomSnippets.SlotBytes - 5;
                slot[^5] = 0xE9;
                BinaryPrimitives.WriteInt32LittleEndian(slot[^4..], (int)((long)Next - (long)(jump + 5)));
                Span<byte> entry = data.AsSpan(slots + (i * CaseBytes), CaseBytes);
                for (int r = 0; r < 16; r++)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(entry[(r * 8)..], cases[i].Registers[r]);
                }
                BinaryPrimitives.WriteUInt64LittleEndian(entry[128..], SlotAddress(i));
            }
            return data;
        }

        /// <summary>Where a snippet that ran to its end jumps: the next case.</summary>
        public ulong Next { get; init; }

        public static Runner Assemble()
        {
            var a = new Assembler(64);
            Label handler = a.CreateLabel(), restorer = a.CreateLabel(), next = a.CreateLabel(), fill = a.CreateLabel(),
                done = a.CreateLabel(), data = a.CreateLabel(), start = a.CreateLabel();
            RecoveringGuest.EmitSetup(a, handler, restorer);
            // The junk region full of pointers into its middle (one in four varied, the rest one
            // value, cheaply): a pointer a snippet loads and follows stays in it.
            a.mov(edi, (uint)RecoveringGuest.Junk);
            a.mov(ecx, (int)(RecoveringGuest.JunkBytes / 8));
            a.mov(eax, (uint)(RecoveringGuest.Junk + 0x20000));
            a.rep.stosq();
            a.mov(edi, (uint)RecoveringGuest.Junk);
            a.mov(ecx, (int)(RecoveringGuest.JunkBytes / 32));
            a.Label(ref fill);
            a.mov(eax, edi);
            a.and(eax, 0xFFF8);
            a.add(rax, (int)(RecoveringGuest.Junk + 0x18000));
            a.mov(__qword_ptr[rdi], rax);
            a.add(rdi, 32);
            a.dec(ecx);
            a.jnz(fill);
            a.jmp(start);

            a.Label(ref next);
            a.cld();
            a.mov(rsp, RecoveringGuest.SafeStackTop - 64);
            a.mov(rbx, __qword_ptr[RecoveringGuest.CasePointer]);
            a.mov(rax, __qword_ptr[rbx + 128]);
            a.test(rax, rax);
            a.jz(done);
            a.mov(__qword_ptr[JumpTarget], rax);
            a.lea(rax, __[rbx + CaseBytes]);
            a.mov(__qword_ptr[RecoveringGuest.CasePointer], rax);
            a.inc(__qword_ptr[RecoveringGuest.CaseIndex]);
            RecoveringGuest.EmitUnblockAll(a);
            AssemblerRegister64[] registers = [rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15];
            for (int r = 0; r < 16; r++)
            {
                if (r != HvSim.Cpu.Reg.Rbx)
                {
                    a.mov(registers[r], __qword_ptr[rbx + (r * 8)]);
                }
            }
            a.mov(rbx, __qword_ptr[rbx + (HvSim.Cpu.Reg.Rbx * 8)]);
            a.jmp(__qword_ptr[JumpTarget]);

            a.Label(ref handler);
            a.xchg(bx, bx);
            a.inc(__qword_ptr[RecoveringGuest.Recoveries]);
            a.jmp(next);

            HvSim.Tests.FaultPath.PtGuest.EmitRestorer(a, restorer);

            // The data's first qword holds where the cases are (after the slots, however many).
            a.Label(ref start);
            a.mov(rax, __qword_ptr[data]);
            a.mov(__qword_ptr[RecoveringGuest.CasePointer], rax);
            a.jmp(next);

            AssembledRunner program = RecoveringGuest.Finish(a, done, data);
            return new Runner(program, program.Address(handler) + 3) { Next = program.Address(next) };
        }
    }
}

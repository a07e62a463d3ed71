using System.Runtime.Intrinsics;
using HvSim.Cpu;
using HvSim.HostOracle;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>
/// Differential testing of SSE instruction forms: the same code runs on the host CPU (the
/// oracle) and on the interpreter from the same random state, and the two end states must be
/// equal in every GPR, the status flags, every XMM register and the scratch memory.
/// </summary>
/// <remarks>
/// Memory operands are [rdi+disp] into the oracle's 256-byte scratch block, which the interpreter
/// maps at <see cref="TestMachine.DataBase"/> (page aligned, as the host block is, so alignment
/// agrees). Inputs are uniformly random with "interesting" values mixed in (see <see cref="Spice"/>)
/// so that equal lanes, saturation bounds, NaNs, infinities and conversion limits all occur.
/// </remarks>
internal static class SseOracle
{
    /// <summary>Random cases per instruction form.</summary>
    public const int Cases = 200;

    private static readonly NativeExecutor s_native = new();

    /// <summary>One instruction form: a name (also the seed), its code, and an optional input adjustment.</summary>
    public sealed record Form(string Name, Action<Assembler> Code, Action<MachineSnapshot, Random>? Prepare = null)
    {
        public override string ToString() => Name;
    }

    /// <summary>Runs <see cref="Cases"/> random inputs through the host and the interpreter and asserts equal results.</summary>
    public static void Check(Form form, int cases = Cases)
    {
        byte[] code = CodeEncoder.Encode(form.Code);
        var machine = new TestMachine();
        machine.LoadCode([.. code, 0xCC]); // int3 hands control back
        var random = new Random(StableSeed(form.Name));
        var expected = new MachineSnapshot();
        var actual = new MachineSnapshot();
        for (int i = 0; i < cases; i++)
        {
            MachineSnapshot input = SnapshotFactory.Random(random);
            Spice(input, random);
            input[Register.RDI] = TestMachine.DataBase;
            input[Register.RSP] = TestMachine.StackTop;
            form.Prepare?.Invoke(input, random);
            s_native.Run(code, input, expected, Register.RDI);
            RunInterpreter(machine, input, actual);
            if (!expected.Equals(actual))
            {
                Assert.Fail($"{form.Name}, case {i}: host vs interpreter differ:\n{expected.Describe(actual)}\ninput:\n{input}");
            }
        }
    }

    /// <summary>Loads <paramref name="input"/> into the machine, runs its code (from <paramref name="entry"/>, by default the start) to the int3, and stores the end state.</summary>
    public static void RunInterpreter(TestMachine machine, MachineSnapshot input, MachineSnapshot output, ulong entry = TestMachine.CodeBase)
    {
        HvSim.Cpu.Cpu cpu = machine.Cpu;
        for (int r = 0; r < 16; r++)
        {
            cpu.R(r) = input.Gpr[r];
        }
        cpu.Rflags = input.Rflags;
        cpu.Mxcsr = 0x1F80;
        for (int x = 0; x < MachineSnapshot.XmmCount; x++)
        {
            cpu.Xmm(x) = Vector128.Create(input.Xmm[x].Lo, input.Xmm[x].Hi).AsByte();
            cpu.YmmHigh(x) = Vector128.Create(input.YmmHigh[x].Lo, input.YmmHigh[x].Hi).AsByte();
        }
        if (!machine.Mmu.TryWrite(TestMachine.DataBase, input.Memory, user: true, out _))
        {
            Assert.Fail("the scratch block is not writable");
        }
        cpu.Rip = entry;
        ExitReason exit = machine.Run(1000);
        if (exit != ExitReason.Exception || cpu.ExitVector != HvSim.Cpu.Vector.Breakpoint)
        {
            // Assert.True with an interpolated message would format it on every case.
            Assert.Fail($"interpreter stopped with {exit}/{cpu.ExitVector} at {cpu.Rip:X}");
        }
        for (int r = 0; r < 16; r++)
        {
            output.Gpr[r] = cpu.R(r);
        }
        output.Rflags = cpu.Rflags;
        for (int x = 0; x < MachineSnapshot.XmmCount; x++)
        {
            Vector128<ulong> v = cpu.Xmm(x).AsUInt64();
            output.Xmm[x] = new Xmm128(v.GetElement(0), v.GetElement(1));
            Vector128<ulong> high = cpu.YmmHigh(x).AsUInt64();
            output.YmmHigh[x] = new Xmm128(high.GetElement(0), high.GetElement(1));
        }
        if (!machine.Mmu.TryRead(TestMachine.DataBase, output.Memory, user: true, out _))
        {
            Assert.Fail("the scratch block is not readable");
        }
    }

    /// <summary>
    /// Overwrites random lanes of the XMM registers, the memory block (as sixteen 16-byte slots)
    /// and some GPRs with boundary values, small numbers, ordinary floats and copies of the
    /// same lane elsewhere, so compares see equality and conversions see their limits.
    /// </summary>
    public static void Spice(MachineSnapshot s, Random random)
    {
        Span<byte> block = stackalloc byte[16];
        for (int x = 0; x < MachineSnapshot.XmmCount; x++)
        {
            if (random.Next(4) == 0)
            {
                continue; // keep some registers uniformly random
            }
            Write(block, s.Xmm[x]);
            SpiceBlock(block, s, random);
            s.Xmm[x] = Read(block);
        }
        for (int slot = 0; slot < s.Memory.Length / 16; slot++)
        {
            if (random.Next(2) == 0)
            {
                SpiceBlock(s.Memory.AsSpan(slot * 16, 16), s, random);
            }
        }
        for (int r = 0; r < 16; r++)
        {
            if (random.Next(3) == 0)
            {
                s.Gpr[r] = random.Next(4) switch
                {
                    0 => (ulong)(long)random.Next(-300, 300),
                    1 => (uint)random.Next(-300, 300),
                    2 => Pick<ulong>(random, 0UL, ulong.MaxValue, 0x8000_0000_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000, 0x7FFF_FFFF, 0xFFFF_FFFF),
                    _ => (ulong)random.NextInt64() >> random.Next(64),
                };
            }
        }
    }

    /// <summary>Sets the low quadword of a register to a small shift count (usually below the width, sometimes above).</summary>
    public static void SmallCount(MachineSnapshot s, Random random, int xmm)
    {
        s.Xmm[xmm] = s.Xmm[xmm] with { Lo = SmallCount(random) };
    }

    /// <summary>As <see cref="SmallCount(MachineSnapshot, Random, int)"/> for the memory quadword at <paramref name="offset"/>.</summary>
    public static void SmallCountInMemory(MachineSnapshot s, Random random, int offset)
    {
        BitConverter.TryWriteBytes(s.Memory.AsSpan(offset, 8), SmallCount(random));
    }

    private static ulong SmallCount(Random random) => random.Next(8) == 0 ? (ulong)random.NextInt64() >> random.Next(64) : (ulong)random.Next(70);

    private static void SpiceBlock(Span<byte> block, MachineSnapshot s, Random random)
    {
        int width = 1 << random.Next(4); // lane of 1, 2, 4 or 8 bytes
        Span<byte> other = stackalloc byte[16];
        for (int lane = 0; lane < 16; lane += width)
        {
            if (random.Next(3) != 0)
            {
                continue;
            }
            Span<byte> target = block.Slice(lane, width);
            switch (random.Next(4))
            {
                case 0:
                    // The same lane of another register: equal elements for compares, min/max, psadbw.
                    Write(other, s.Xmm[random.Next(MachineSnapshot.XmmCount)]);
                    other.Slice(lane, width).CopyTo(target);
                    break;
                case 1:
                    WriteLane(target, width, IntegerSpecial(random, width));
                    break;
                default:
                    WriteLane(target, width, width switch
                    {
                        4 => BitConverter.SingleToUInt32Bits((float)FloatValue(random)),
                        8 => BitConverter.DoubleToUInt64Bits(FloatValue(random)),
                        _ => IntegerSpecial(random, width),
                    });
                    if (width >= 4 && random.Next(4) == 0)
                    {
                        WriteLane(target, width, FloatSpecial(random, width));
                    }
                    break;
            }
        }
    }

    private static ulong IntegerSpecial(Random random, int width)
    {
        ulong mask = width == 8 ? ulong.MaxValue : (1UL << (width * 8)) - 1;
        ulong sign = 1UL << ((width * 8) - 1);
        return random.Next(6) switch
        {
            0 => 0,
            1 => mask,
            2 => sign,
            3 => sign - 1,
            4 => (ulong)random.Next(0, 4),
            _ => (ulong)(long)random.Next(-4, 0) & mask,
        };
    }

    /// <summary>Ordinary floating values: halves (round-to-even cases), integers near conversion limits, wide magnitudes.</summary>
    private static double FloatValue(Random random)
    {
        return random.Next(4) switch
        {
            0 => random.Next(-40, 40) * 0.5,
            1 => Math.ScaleB(random.NextDouble() - 0.5, random.Next(-20, 70)),
            2 => Pick(random, 2147483647.0, 2147483648.0, -2147483648.0, -2147483649.0, 9.2233720368547758e18, -9.2233720368547758e18, 4294967296.0),
            _ => Math.ScaleB(random.NextDouble() - 0.5, random.Next(-1100, 1100)),
        };
    }

    private static ulong FloatSpecial(Random random, int width)
    {
        return width == 4
            ? Pick<ulong>(random, 0x7FC0_0000UL, 0xFFC0_0000, 0x7F80_0001, 0x7F80_0000, 0xFF80_0000, 0x8000_0000, 0, 0x0000_0001, 0x8040_0000, 0x3F80_0000)
            : Pick<ulong>(random, 0x7FF8_0000_0000_0000UL, 0xFFF8_0000_0000_0000, 0x7FF0_0000_0000_0001, 0x7FF0_0000_0000_0000,
                0xFFF0_0000_0000_0000, 0x8000_0000_0000_0000, 0, 1, 0x8008_0000_0000_0000, 0x3FF0_0000_0000_0000);
    }

    private static T Pick<T>(Random random, params T[] values) => values[random.Next(values.Length)];

    private static void WriteLane(Span<byte> target, int width, ulong value)
    {
        for (int i = 0; i < width; i++)
        {
            target[i] = (byte)(value >> (8 * i));
        }
    }

    private static void Write(Span<byte> block, Xmm128 value)
    {
        BitConverter.TryWriteBytes(block, value.Lo);
        BitConverter.TryWriteBytes(block[8..], value.Hi);
    }

    private static Xmm128 Read(ReadOnlySpan<byte> block) => new(BitConverter.ToUInt64(block), BitConverter.ToUInt64(block[8..]));

    /// <summary>FNV-1a of the name: a seed that stays the same from run to run (string hashes are randomised).</summary>
    private static int StableSeed(string name)
    {
        uint hash = 2166136261;
        foreach (char ch in name)
        {
            hash = (hash ^ ch) * 16777619;
        }
        return (int)hash;
    }
}

/// <summary>Builders for the usual operand shapes of one mnemonic, so each test file lists mnemonics one per line.</summary>
internal sealed class SseFormList
{
    /// <summary>Aligned memory operand offset in the scratch block (16-byte aligned).</summary>
    public const int Aligned = 0x40;

    /// <summary>A misaligned offset for forms without an alignment rule.</summary>
    public const int Unaligned = 0x53;

    private readonly List<SseOracle.Form> _forms = new();

    public IReadOnlyList<SseOracle.Form> Forms => _forms;

    public void Add(string name, Action<Assembler> code, Action<MachineSnapshot, Random>? prepare = null)
    {
        _forms.Add(new SseOracle.Form(name, code, prepare));
    }

    /// <summary>xmm, xmm (two register pairs, one with REX registers, one with the same register twice) and xmm, m128 aligned.</summary>
    public void XmmM128(string mnemonic, Action<Assembler, AssemblerRegisterXMM, AssemblerRegisterXMM> rr, Action<Assembler, AssemblerRegisterXMM, AssemblerMemoryOperand> rm)
    {
        Add($"{mnemonic} xmm1, xmm2", a => rr(a, xmm1, xmm2));
        Add($"{mnemonic} xmm12, xmm7", a => rr(a, xmm12, xmm7));
        Add($"{mnemonic} xmm3, xmm3", a => rr(a, xmm3, xmm3));
        Add($"{mnemonic} xmm9, [rdi+0x{Aligned:X}]", a => rm(a, xmm9, __xmmword_ptr[rdi + Aligned]));
    }

    /// <summary>xmm, xmm and xmm, m64 or m32 (scalar forms: the memory operand is misaligned on purpose).</summary>
    public void XmmScalar(string mnemonic, int memoryBytes, Action<Assembler, AssemblerRegisterXMM, AssemblerRegisterXMM> rr, Action<Assembler, AssemblerRegisterXMM, AssemblerMemoryOperand> rm)
    {
        Add($"{mnemonic} xmm1, xmm2", a => rr(a, xmm1, xmm2));
        Add($"{mnemonic} xmm12, xmm7", a => rr(a, xmm12, xmm7));
        Add($"{mnemonic} xmm3, xmm3", a => rr(a, xmm3, xmm3));
        AssemblerMemoryOperand memory = memoryBytes == 8 ? __qword_ptr[rdi + Unaligned] : __dword_ptr[rdi + Unaligned];
        Add($"{mnemonic} xmm9, m{memoryBytes * 8} [rdi+0x{Unaligned:X}]", a => rm(a, xmm9, memory));
    }

    /// <summary>As <see cref="XmmM128"/> with an imm8 per form (several immediates, since the imm selects the behaviour).</summary>
    public void XmmM128Imm(string mnemonic, Action<Assembler, AssemblerRegisterXMM, AssemblerRegisterXMM, byte> rr, Action<Assembler, AssemblerRegisterXMM, AssemblerMemoryOperand, byte> rm, params byte[] immediates)
    {
        foreach (byte imm in immediates)
        {
            Add($"{mnemonic} xmm1, xmm2, 0x{imm:X2}", a => rr(a, xmm1, xmm2, imm));
            Add($"{mnemonic} xmm13, xmm13, 0x{imm:X2}", a => rr(a, xmm13, xmm13, imm));
            Add($"{mnemonic} xmm9, [rdi+0x{Aligned:X}], 0x{imm:X2}", a => rm(a, xmm9, __xmmword_ptr[rdi + Aligned], imm));
        }
    }
}

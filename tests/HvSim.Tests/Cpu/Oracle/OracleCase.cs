using System.Text;
using FsCheck;
using FsCheck.Fluent;
using HvSim.HostOracle;
using Iced.Intel;

namespace HvSim.Tests.Cpu.Oracle;

/// <summary>
/// One differential test: an instruction sequence and the machine state it starts from.
/// <see cref="ToString"/> prints the sequence disassembled, so FsCheck's shrunk counterexample reads as code.
/// </summary>
public sealed record OracleCase(OracleCategory Category, Instruction[] Instructions, MachineSnapshot Input)
{
    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine($"{Category}: {Instructions.Length} instruction(s)");
        text.Append(Disassembly.Listing(Instructions));
        text.Append(InputDescription.Describe(Instructions, Input));
        return text.ToString();
    }
}

/// <summary>Formats a starting state: all GPRs and flags, the XMM registers the code names, and the (nonzero) scratch memory when the code accesses memory.</summary>
internal static class InputDescription
{
    public static string Describe(IReadOnlyList<Instruction> instructions, MachineSnapshot input)
    {
        var text = new StringBuilder();
        text.AppendLine("  input:");
        for (int i = 0; i < HostOracle.Gpr.Count; i++)
        {
            text.Append($"    {HostOracle.Gpr.Names[i],-3}=0x{input.Gpr[i]:X16}");
            if (i % 4 == 3)
            {
                text.AppendLine();
            }
        }

        text.AppendLine($"    RFLAGS=[{Rflags.Format(input.Rflags)}]");
        int[] xmms = instructions.SelectMany(XmmNumbers).Distinct().Order().ToArray();
        for (int n = 0; n < xmms.Length; n++)
        {
            text.Append($"    XMM{xmms[n],-2}={input.Xmm[xmms[n]]}");
            if (n % 2 == 1 || n == xmms.Length - 1)
            {
                text.AppendLine();
            }
        }

        if (instructions.Any(UsesMemory))
        {
            bool any = false;
            for (int row = 0; row < input.Memory.Length; row += 16)
            {
                int length = Math.Min(16, input.Memory.Length - row);
                if (input.Memory.AsSpan(row, length).ContainsAnyExcept((byte)0))
                {
                    text.AppendLine($"    MEM+0x{row:X2}: {Convert.ToHexString(input.Memory, row, length)}");
                    any = true;
                }
            }

            text.AppendLine(any ? "    (memory rows not shown are zero)" : "    MEM: all zero");
        }

        return text.ToString();
    }

    /// <summary>The XMM registers an instruction names (only these are printed).</summary>
    private static IEnumerable<int> XmmNumbers(Instruction instruction) =>
        Enumerable.Range(0, instruction.OpCount)
            .Where(i => instruction.GetOpKind(i) == OpKind.Register && instruction.GetOpRegister(i).IsXMM())
            .Select(i => instruction.GetOpRegister(i) - Register.XMM0);

    private static bool UsesMemory(Instruction instruction) =>
        instruction.Mnemonic != Mnemonic.Lea && Enumerable.Range(0, instruction.OpCount).Any(i => instruction.GetOpKind(i) == OpKind.Memory);
}

/// <summary>Random register, flag, XMM and memory values that favour edge cases.</summary>
internal static class Values
{
    private static readonly Gen<ulong> Random16 = Gen.Choose(0, 0xFFFF).Select(v => (ulong)v);

    public static readonly Gen<ulong> Random64 =
        from a in Random16
        from b in Random16
        from c in Random16
        from d in Random16
        select a | (b << 16) | (c << 32) | (d << 48);

    public static readonly Gen<int> Random32 = Random64.Select(v => (int)v);

    private static readonly ulong[] Edges =
    [
        0, 1, 2, 3, ulong.MaxValue, ulong.MaxValue - 1,
        0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x1_0000,
        0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000,
        0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF_0000_0000, 0x8000_0000_8000_0000,
        0xFFFF_FFFF_FFFF_FF80, 0xFFFF_FFFF_FFFF_8000, 0xFFFF_FFFF_8000_0000,
        0x5555_5555_5555_5555, 0xAAAA_AAAA_AAAA_AAAA, 0x0123_4567_89AB_CDEF,
    ];

    /// <summary>Edge values for the low 8, 16 or 32 bits, with the bits above left random.</summary>
    private static readonly (ulong Value, ulong Mask)[] LowEdges =
    [
        (0x00, 0xFF), (0x01, 0xFF), (0x7F, 0xFF), (0x80, 0xFF), (0xFF, 0xFF),
        (0x0000, 0xFFFF), (0x7FFF, 0xFFFF), (0x8000, 0xFFFF), (0xFFFF, 0xFFFF), (0x00FF, 0xFFFF),
        (0x0000_0000, 0xFFFF_FFFF), (0x7FFF_FFFF, 0xFFFF_FFFF), (0x8000_0000, 0xFFFF_FFFF), (0xFFFF_FFFF, 0xFFFF_FFFF),
    ];

    /// <summary>A 64-bit GPR value: edges, small counts, random, or random with an edge in the low part.</summary>
    public static readonly Gen<ulong> Gpr = Gen.Frequency(
        (4, Gen.Elements(Edges)),
        (3, Random64),
        (2, Gen.Choose(0, 70).Select(v => (ulong)v)),
        (1, Gen.Choose(-70, -1).Select(v => (ulong)(long)v)),
        (2, from high in Random64
            from edge in Gen.Elements(LowEdges)
            select (high & ~edge.Mask) | edge.Value));

    private static readonly ulong[] StatusFlags = [Rflags.Cf, Rflags.Pf, Rflags.Af, Rflags.Zf, Rflags.Sf, Rflags.Of];

    /// <summary>Any combination of CF PF AF ZF SF OF; DF clear.</summary>
    public static readonly Gen<ulong> Flags = Gen.Choose(0, 63).Select(bits =>
        Enumerable.Range(0, StatusFlags.Length).Where(i => ((bits >> i) & 1) != 0).Aggregate(0UL, (flags, i) => flags | StatusFlags[i]));

    private static readonly Gen<ulong> EdgeBytes =
        Gen.ArrayOf(Gen.Elements<ulong>(0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE), 8).Select(b => b.Select((v, i) => v << (8 * i)).Aggregate(0UL, (a, v) => a | v));

    private static readonly Gen<ulong> EdgeWords =
        Gen.ArrayOf(Gen.Elements<ulong>(0x0000, 0x0001, 0x7FFF, 0x8000, 0xFFFF, 0x00FF, 0xFF80), 4).Select(w => w.Select((v, i) => v << (16 * i)).Aggregate(0UL, (a, v) => a | v));

    private static readonly Gen<ulong> XmmHalf = Gen.Frequency((4, Random64), (2, EdgeBytes), (2, EdgeWords), (1, Gen.Elements(Edges)));

    public static readonly Gen<Xmm128> Xmm = Gen.Frequency(
        (6, from lo in XmmHalf from hi in XmmHalf select new Xmm128(lo, hi)),
        (1, Gen.Constant(new Xmm128(0, 0))),
        (1, Gen.Constant(new Xmm128(ulong.MaxValue, ulong.MaxValue))));

    /// <summary>Scratch memory: random bytes, or bytes drawn from edge values (seeded, so FsCheck can replay it).</summary>
    public static readonly Gen<byte[]> Memory =
        from seed in Gen.Choose(0, int.MaxValue)
        from edgy in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
        select Fill(seed, edgy);

    private static byte[] Fill(int seed, bool edgy)
    {
        var random = new Random(seed);
        var bytes = new byte[InstructionGenerators.ScratchSize];
        random.NextBytes(bytes);
        if (edgy)
        {
            byte[] edges = [0x00, 0x01, 0x7F, 0x80, 0xFF];
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = edges[bytes[i] % edges.Length];
            }
        }

        return bytes;
    }

    public static readonly Gen<MachineSnapshot> Input =
        from gprs in Gen.ArrayOf(Gpr, HostOracle.Gpr.Count)
        from flags in Flags
        from xmms in Gen.ArrayOf(Xmm, MachineSnapshot.XmmCount)
        from memory in Memory
        from scratch in Gen.Frequency((3, Gen.Constant(OracleBridge.ScratchAddress)), (1, Gen.Constant(OracleBridge.StraddlingScratchAddress)))
        select Snapshot(gprs, flags, xmms, memory, scratch);

    private static MachineSnapshot Snapshot(ulong[] gprs, ulong flags, Xmm128[] xmms, byte[] memory, ulong scratch)
    {
        var snapshot = new MachineSnapshot(memory.Length) { Rflags = flags };
        gprs.CopyTo(snapshot.Gpr, 0);
        snapshot[Register.RSP] = TestMachine.StackTop;
        snapshot[OracleBridge.MemoryBase] = scratch;
        xmms.CopyTo(snapshot.Xmm, 0);
        memory.CopyTo(snapshot.Memory, 0);
        return snapshot;
    }
}

/// <summary>The FsCheck arbitrary per category: 1..8 steps, random inputs, shrinking to fewer instructions and simpler values.</summary>
internal static class OracleArbitrary
{
    public const int MaxSteps = 8;

    public static Arbitrary<OracleCase> For(OracleCategory category)
    {
        Gen<OracleCase> cases =
            from count in Gen.Choose(1, MaxSteps)
            from steps in Gen.ArrayOf(InstructionGenerators.Step(category), count)
            from input in Values.Input
            select new OracleCase(category, steps.SelectMany(step => step).ToArray(), input);
        return Arb.From(cases, Shrink);
    }

    /// <summary>
    /// Fewer instructions first (halves, then single instructions), then simpler inputs: the scratch block back
    /// at the start of a page, each GPR to 0 or to
    /// its low byte, flags to none, each XMM to 0, memory to zeros (whole block, then 16-byte rows).
    /// </summary>
    public static IEnumerable<OracleCase> Shrink(OracleCase c)
    {
        Instruction[] code = c.Instructions;
        if (code.Length > 1)
        {
            int half = code.Length / 2;
            yield return c with { Instructions = code[half..] };
            yield return c with { Instructions = code[..half] };
        }

        if (code.Length > 1)
        {
            for (int i = 0; i < code.Length; i++)
            {
                yield return c with { Instructions = [.. code[..i], .. code[(i + 1)..]] };
            }
        }

        MachineSnapshot input = c.Input;
        if (input[OracleBridge.MemoryBase] != OracleBridge.ScratchAddress)
        {
            yield return WithInput(c, s => s[OracleBridge.MemoryBase] = OracleBridge.ScratchAddress);
        }

        for (int i = 0; i < HostOracle.Gpr.Count; i++)
        {
            if (i == HostOracle.Gpr.RspIndex || HostOracle.Gpr.FromIndex(i) == OracleBridge.MemoryBase || input.Gpr[i] == 0)
            {
                continue;
            }

            yield return WithInput(c, s => s.Gpr[i] = 0);
            if (input.Gpr[i] > 0xFF)
            {
                yield return WithInput(c, s => s.Gpr[i] &= 0xFF);
            }
        }

        if (input.Rflags != 0)
        {
            yield return WithInput(c, s => s.Rflags = 0);
        }

        for (int i = 0; i < MachineSnapshot.XmmCount; i++)
        {
            if (input.Xmm[i] != default)
            {
                yield return WithInput(c, s => s.Xmm[i] = default);
            }
        }

        if (input.Memory.Any(b => b != 0))
        {
            yield return WithInput(c, s => Array.Clear(s.Memory));
            for (int row = 0; row < input.Memory.Length; row += 16)
            {
                if (input.Memory.AsSpan(row, 16).ContainsAnyExcept((byte)0))
                {
                    yield return WithInput(c, s => Array.Clear(s.Memory, row, 16));
                }
            }
        }
    }

    private static OracleCase WithInput(OracleCase c, Action<MachineSnapshot> change)
    {
        MachineSnapshot input = c.Input.Clone();
        change(input);
        return c with { Input = input };
    }
}

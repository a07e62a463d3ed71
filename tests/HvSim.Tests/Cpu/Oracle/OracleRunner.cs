using System.Text;
using HvSim.HostOracle;
using Iced.Intel;

namespace HvSim.Tests.Cpu.Oracle;

/// <summary>The verdict on one <see cref="OracleCase"/>.</summary>
/// <param name="Passed">Host and interpreter agree on every register, defined flag, XMM register and scratch byte.</param>
/// <param name="Message">Empty when passed; otherwise the disassembled sequence, the input and the differences.</param>
/// <param name="NotImplemented">Set when the interpreter raised #UD: the mnemonic it does not implement yet.</param>
internal sealed record OracleVerdict(bool Passed, string Message, Mnemonic? NotImplemented);

/// <summary>
/// Runs an <see cref="OracleCase"/> on the host CPU (<see cref="NativeExecutor"/>) and in the interpreter
/// (<see cref="OracleBridge"/>) and compares the results.
/// </summary>
/// <remarks>
/// <para>
/// The sequence is first walked instruction by instruction on the host, each prefix run natively, so every
/// decision uses the real state before the instruction, never the interpreter's (which is under test):
/// a div/idiv that would raise #DE (fatal to the test process natively) is dropped, as is a
/// bt/bts/btr/btc [mem], reg whose bit offset leaves the scratch block, and a 16-bit shld/shrd with a count
/// above 16 (result undefined).
/// </para>
/// <para>
/// Undefined flags: an instruction's architecturally undefined flags (Iced's RflagsUndefined, plus OF for
/// shifts and rotates whose masked count is not 1 and CF for shl/shr counts of at least the operand width)
/// are not compared until a later instruction defines them; an instruction that reads an undefined flag
/// (adc, sbb, setcc, cmovcc, rcl, rcr) is dropped, since its result would depend on the host's choice.
/// A shift or rotate with a masked count of 0 changes no flags. Dropped instructions are listed in the report.
/// </para>
/// </remarks>
internal static class OracleRunner
{
    private static readonly Lazy<NativeExecutor> s_executor = new(() => new NativeExecutor());

    private const ulong Of = Rflags.Of;
    private const ulong Cf = Rflags.Cf;

    /// <summary>The sequence as actually run, after dropping unsafe or undefined instructions.</summary>
    private sealed class Prepared
    {
        public List<Instruction> Kept { get; } = [];
        public List<byte[]> Bytes { get; } = [];
        public List<string> Dropped { get; } = [];

        /// <summary>Host state after each kept prefix; States[0] is the input.</summary>
        public List<MachineSnapshot> States { get; } = [];

        /// <summary>Flags undefined after each kept prefix; Undefined[0] is none.</summary>
        public List<ulong> Undefined { get; } = [];

        public byte[] Code(int count) => Disassembly.Concat(Bytes.Take(count));
    }

    public static OracleVerdict Check(OracleCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        NativeExecutor host = s_executor.Value;
        Prepared run = Prepare(c, host);
        MachineSnapshot expected = run.States[^1];
        ulong undefined = run.Undefined[^1];

        InterpreterOutcome outcome = OracleBridge.Run(run.Code(run.Kept.Count), c.Input);
        if (outcome.State is null)
        {
            return new OracleVerdict(false, Report(c, run, $"INTERPRETER FAILED: {outcome.Failure}", null), outcome.NotImplemented);
        }

        MachineSnapshot actual = WithFlagsFrom(outcome.State, expected, undefined);
        if (expected.Equals(actual))
        {
            return new OracleVerdict(true, string.Empty, null);
        }

        var difference = new StringBuilder();
        difference.AppendLine("MISMATCH after the whole sequence (host != interpreter):");
        difference.Append(Indent(expected.Describe(actual)));
        difference.Append(FirstDivergence(c, run));
        return new OracleVerdict(false, Report(c, run, difference.ToString(), undefined), null);
    }

    private static Prepared Prepare(OracleCase c, NativeExecutor host)
    {
        var run = new Prepared();
        run.States.Add(c.Input);
        run.Undefined.Add(0);
        foreach (Instruction instruction in c.Instructions)
        {
            MachineSnapshot before = run.States[^1];
            ulong undefined = run.Undefined[^1];
            string? reason = DropReason(instruction, before);
            ulong read = FlagBits(instruction.RflagsRead) & undefined;
            if (reason is null && read != 0)
            {
                reason = $"reads {Rflags.Format(read)}, left undefined by an earlier instruction";
            }

            if (reason is not null)
            {
                run.Dropped.Add($"{Disassembly.Format(instruction)}: {reason}");
                continue;
            }

            (ulong defines, ulong leavesUndefined) = FlagEffect(instruction, before);
            run.Kept.Add(instruction);
            run.Bytes.Add(Disassembly.Encode(instruction));
            run.States.Add(host.Run(run.Code(run.Kept.Count), c.Input, OracleBridge.MemoryBase));
            run.Undefined.Add((undefined & ~defines) | leavesUndefined);
        }

        return run;
    }

    /// <summary>Why the instruction must not run in this state (it would fault natively or its result is undefined), or null.</summary>
    private static string? DropReason(in Instruction instruction, MachineSnapshot before)
    {
        if (DivisionFilter.WouldFault(instruction, before, OracleBridge.MemoryBase))
        {
            return "would raise #DE";
        }

        switch (instruction.Mnemonic)
        {
            case Mnemonic.Bt or Mnemonic.Bts or Mnemonic.Btr or Mnemonic.Btc
                when instruction.Op0Kind == OpKind.Memory && instruction.Op1Kind == OpKind.Register:
            {
                // The register offset is signed and selects a word anywhere around the operand's address.
                int size = InstructionGenerators.Size(instruction);
                long offset = SignExtend(before.ReadRegister(instruction.Op1Register), size);
                long bits = 8L * size;
                long unit = (offset / bits) - (offset % bits < 0 ? 1 : 0); // floor division
                long start = (long)instruction.MemoryDisplacement64 + (unit * size);
                return start < 0 || start > InstructionGenerators.ScratchSize - size
                    ? $"bit offset {offset} addresses scratch+{start}, outside the block"
                    : null;
            }

            case Mnemonic.Shld or Mnemonic.Shrd when InstructionGenerators.Size(instruction) == 2 && MaskedCount(instruction, before) > 16:
                return "16-bit shld/shrd count above 16: result undefined";
            default:
                return null;
        }
    }

    /// <summary>The flags the instruction defines, and those it leaves undefined, in this state.</summary>
    private static (ulong Defines, ulong Undefined) FlagEffect(in Instruction instruction, MachineSnapshot before)
    {
        ulong modified = FlagBits(instruction.RflagsModified);
        ulong undefined = FlagBits(instruction.RflagsUndefined);
        if (IsShiftOrRotate(instruction.Mnemonic))
        {
            int count = MaskedCount(instruction, before);
            if (count == 0)
            {
                return (0, 0); // no flag changes at all
            }

            if (count != 1)
            {
                undefined |= Of;
            }

            if (instruction.Mnemonic is Mnemonic.Shl or Mnemonic.Shr && count >= 8 * InstructionGenerators.Size(instruction))
            {
                undefined |= Cf;
            }
        }

        return (modified & ~undefined, undefined);
    }

    private static bool IsShiftOrRotate(Mnemonic mnemonic) => mnemonic is Mnemonic.Shl or Mnemonic.Shr or Mnemonic.Sar
        or Mnemonic.Rol or Mnemonic.Ror or Mnemonic.Rcl or Mnemonic.Rcr or Mnemonic.Shld or Mnemonic.Shrd;

    /// <summary>The count of a shift/rotate/shld/shrd, masked to 5 bits (6 for 64-bit operands).</summary>
    private static int MaskedCount(in Instruction instruction, MachineSnapshot before)
    {
        int last = instruction.OpCount - 1;
        ulong count = instruction.GetOpKind(last) == OpKind.Register
            ? before.ReadRegister(instruction.GetOpRegister(last))
            : instruction.GetImmediate(last);
        return (int)(count & (InstructionGenerators.Size(instruction) == 8 ? 0x3FUL : 0x1FUL));
    }

    private static long SignExtend(ulong value, int size) => size switch
    {
        1 => (sbyte)value,
        2 => (short)value,
        4 => (int)value,
        _ => (long)value,
    };

    /// <summary>Iced's RflagsBits as RFLAGS bit positions.</summary>
    private static ulong FlagBits(RflagsBits bits)
    {
        ulong flags = 0;
        if ((bits & RflagsBits.CF) != 0) { flags |= Rflags.Cf; }
        if ((bits & RflagsBits.PF) != 0) { flags |= Rflags.Pf; }
        if ((bits & RflagsBits.AF) != 0) { flags |= Rflags.Af; }
        if ((bits & RflagsBits.ZF) != 0) { flags |= Rflags.Zf; }
        if ((bits & RflagsBits.SF) != 0) { flags |= Rflags.Sf; }
        if ((bits & RflagsBits.OF) != 0) { flags |= Rflags.Of; }
        if ((bits & RflagsBits.DF) != 0) { flags |= Rflags.Df; }
        return flags;
    }

    /// <summary>A copy of <paramref name="state"/> whose undefined flags are taken from <paramref name="reference"/>, so they compare equal.</summary>
    private static MachineSnapshot WithFlagsFrom(MachineSnapshot state, MachineSnapshot reference, ulong undefined)
    {
        MachineSnapshot copy = state.Clone();
        copy.Rflags = (state.Rflags & ~undefined) | (reference.Rflags & undefined);
        return copy;
    }

    /// <summary>Re-runs growing prefixes in the interpreter to name the first instruction whose result differs.</summary>
    private static string FirstDivergence(OracleCase c, Prepared run)
    {
        for (int k = 1; k <= run.Kept.Count; k++)
        {
            InterpreterOutcome outcome = OracleBridge.Run(run.Code(k), c.Input);
            if (outcome.State is null)
            {
                return $"First failure at #{k - 1} {Disassembly.Format(run.Kept[k - 1])}: {outcome.Failure}{Environment.NewLine}";
            }

            MachineSnapshot actual = WithFlagsFrom(outcome.State, run.States[k], run.Undefined[k]);
            if (!run.States[k].Equals(actual))
            {
                MachineSnapshot before = run.States[k - 1];
                var text = new StringBuilder();
                text.AppendLine($"FIRST DIVERGENCE at #{k - 1}: {Disassembly.Line(run.Kept[k - 1])}");
                if (k > 1)
                {
                    text.AppendLine("  state before it (host and interpreter agree up to here):");
                    text.Append(Indent(InputDescription.Describe([run.Kept[k - 1]], before).Replace("  input:" + Environment.NewLine, string.Empty, StringComparison.Ordinal), "  "));
                }

                text.AppendLine("  after it (host != interpreter):");
                text.Append(Indent(run.States[k].Describe(actual), "    "));
                return text.ToString();
            }
        }

        return "(every prefix agrees; the difference appears only when the whole sequence runs as one block)" + Environment.NewLine;
    }

    private static string Report(OracleCase c, Prepared run, string finding, ulong? undefined)
    {
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine($"{c.Category}: host CPU and interpreter disagree");
        text.AppendLine($"Sequence as run ({run.Kept.Count} instruction(s)):");
        text.Append(Disassembly.Listing(run.Kept));
        foreach (string dropped in run.Dropped)
        {
            text.AppendLine($"  dropped: {dropped}");
        }

        text.Append(InputDescription.Describe(run.Kept, c.Input));
        if (undefined is ulong flags && flags != 0)
        {
            text.AppendLine($"Flags undefined at the end (not compared): {Rflags.Format(flags)}");
        }

        text.Append(finding);
        return text.ToString();
    }

    private static string Indent(string text, string prefix = "  ") =>
        string.Concat(text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Select(line => prefix + line + Environment.NewLine));
}

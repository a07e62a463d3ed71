using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Iced.Intel;

namespace HvSim.Tests.Cpu.Emulation;

/// <summary>
/// The engine's defining property: emulating a generated write instruction with random registers,
/// flags and memory gives exactly the registers, flags and memory that the interpreter gives
/// running it on a writable page (and the same fault where it cannot run). One property per
/// family so that a failure names its family; a failure prints the case disassembled with its
/// starting registers, the memory around its accesses, and every difference.
/// </summary>
public sealed class WriteEmulatorProperties
{
    private const int Tests = 1000;

    [Property(MaxTest = Tests, QuietOnSuccess = true, Arbitrary = [typeof(StoreCases)])]
    public Property Stores_and_read_modify_writes(WriteCase c) => Holds(c);

    [Property(MaxTest = Tests, QuietOnSuccess = true, Arbitrary = [typeof(AtomicCases)])]
    public Property Exchanges_and_atomics(WriteCase c) => Holds(c);

    [Property(MaxTest = Tests, QuietOnSuccess = true, Arbitrary = [typeof(SseCases)])]
    public Property Sse_stores(WriteCase c) => Holds(c);

    [Property(MaxTest = Tests, QuietOnSuccess = true, Arbitrary = [typeof(AvxCases)])]
    public Property Vex_stores(WriteCase c) => Holds(c);

    [Property(MaxTest = Tests, QuietOnSuccess = true, Arbitrary = [typeof(StringCases)])]
    public Property String_instructions_element_by_element(WriteCase c) => Holds(c);

    [Property(MaxTest = Tests, QuietOnSuccess = true, Arbitrary = [typeof(StackCases)])]
    public Property Push_pop_and_call(WriteCase c) => Holds(c);

    [Property(MaxTest = Tests / 2, QuietOnSuccess = true, Arbitrary = [typeof(X87Cases)])]
    public Property X87_stores(WriteCase c) => Holds(c);

    private static Property Holds(WriteCase c)
    {
        EmulationVerdict verdict = EmulationDifferential.Check(c);
        return Prop.Label(verdict.Passed, verdict.Message);
    }
}

/// <summary>FsCheck's generator and shrinker of <see cref="WriteCase"/> for one family.</summary>
internal static class WriteCaseArbitrary
{
    public static Arbitrary<WriteCase> For(WriteFamily family) => Arb.From(WriteCaseGenerators.Cases(family), WriteCaseGenerators.Shrink);
}

// One arbitrary per family: FsCheck picks the generator (and shrinker) for WriteCase from these.
public static class StoreCases
{
    public static Arbitrary<WriteCase> Cases() => WriteCaseArbitrary.For(WriteFamily.Stores);
}

public static class AtomicCases
{
    public static Arbitrary<WriteCase> Cases() => WriteCaseArbitrary.For(WriteFamily.Atomics);
}

public static class SseCases
{
    public static Arbitrary<WriteCase> Cases() => WriteCaseArbitrary.For(WriteFamily.Sse);
}

public static class AvxCases
{
    public static Arbitrary<WriteCase> Cases() => WriteCaseArbitrary.For(WriteFamily.Avx);
}

public static class StringCases
{
    public static Arbitrary<WriteCase> Cases() => WriteCaseArbitrary.For(WriteFamily.Strings);
}

public static class StackCases
{
    public static Arbitrary<WriteCase> Cases() => WriteCaseArbitrary.For(WriteFamily.Stack);
}

public static class X87Cases
{
    public static Arbitrary<WriteCase> Cases() => WriteCaseArbitrary.For(WriteFamily.X87);
}

/// <summary>Checks of the property's machinery: the generators reach what they promise, and a difference is reported.</summary>
public sealed class WriteEmulatorPropertyMachineryTests
{
    [Fact]
    public void Generators_cover_every_size_page_crossings_lock_rep_both_directions_and_both_compare_outcomes()
    {
        var sizes = new HashSet<int>();
        bool crossing = false, locked = false, repDown = false, repUp = false, equal = false, unequal = false, immediate = false, register = false;
        foreach (WriteFamily family in Enum.GetValues<WriteFamily>())
        {
            foreach (WriteCase c in WriteCaseGenerators.Cases(family).Sample(1000))
            {
                Instruction i = c.Instruction;
                int size = InstructionKinds.IsString(i) ? i.MemorySize.GetSize() : InstructionKinds.HasMemoryOperand(i) ? i.MemorySize.GetSize() : 0;
                sizes.Add(size);
                ulong target = c.Placement.Target;
                crossing |= size > 1 && (target & 0xFFF) + (ulong)size > 0x1000 && InstructionKinds.HasMemoryOperand(i);
                locked |= i.HasLockPrefix;
                repUp |= InstructionKinds.IsRepString(i) && (c.Flags & HvSim.HostOracle.Rflags.Df) == 0 && c.Placement.Count > 1;
                repDown |= InstructionKinds.IsRepString(i) && (c.Flags & HvSim.HostOracle.Rflags.Df) != 0 && c.Placement.Count > 1;
                equal |= i.Mnemonic == Mnemonic.Cmpxchg && c.Placement.Equal;
                unequal |= i.Mnemonic == Mnemonic.Cmpxchg && !c.Placement.Equal;
                immediate |= i.Op0Kind == OpKind.Memory && i.Op1Kind is OpKind.Immediate8 or OpKind.Immediate16 or OpKind.Immediate32 or OpKind.Immediate8to16 or OpKind.Immediate8to32 or OpKind.Immediate8to64 or OpKind.Immediate32to64;
                register |= i.Op0Kind == OpKind.Memory && i.Op1Kind == OpKind.Register;
            }
        }
        Assert.Superset(new HashSet<int> { 1, 2, 4, 8, 16 }, sizes);
        Assert.True(crossing && locked && repUp && repDown && equal && unequal && immediate && register,
            $"crossing {crossing} lock {locked} rep-up {repUp} rep-down {repDown} cmpxchg-equal {equal} cmpxchg-unequal {unequal} store-imm {immediate} store-reg {register}");
    }

    [Fact]
    public void Every_supported_store_mnemonic_has_generated_encodings()
    {
        Mnemonic[] generated = Enum.GetValues<WriteFamily>()
            .SelectMany(f => WriteCaseGenerators.Codes(f))
            .Select(code => code.Mnemonic())
            .Distinct()
            .ToArray();
        Mnemonic[] strings = [Mnemonic.Movsb, Mnemonic.Movsw, Mnemonic.Movsq, Mnemonic.Stosb, Mnemonic.Stosw, Mnemonic.Stosd, Mnemonic.Stosq];
        Mnemonic[] missing = Enum.GetValues<Mnemonic>()
            .Where(m => HvSim.Cpu.Emulation.WriteEmulator.Supports(m) && !generated.Contains(m) && !strings.Contains(m))
            .ToArray();
        Assert.Empty(missing);
    }

    [Fact]
    public void A_difference_is_reported_with_the_instruction_disassembled_and_the_registers()
    {
        // A case whose two runs cannot agree: the engine refuses an unsupported store (fnstcw) that the
        // interpreter runs, so the outcomes differ and the report must show the instruction.
        WriteCase c = WriteCaseGenerators.Cases(WriteFamily.Stores).Sample(1)[0] with
        {
            Instruction = Instruction.Create(Code.Fnstcw_m2byte, new MemoryOperand(Register.RBX, 0x10)),
            Placement = new Placement(EmulationLayout.Data + 0x100, EmulationLayout.Data + 0x800, 0, 0, false, 0, 0, 0),
        };
        EmulationVerdict verdict = EmulationDifferential.Check(c);
        Assert.False(verdict.Passed);
        Assert.Contains("fnstcw", verdict.Message, StringComparison.Ordinal);
        Assert.Contains("RBX=0x00000000006000F0", verdict.Message.Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("outcome: interpreter", verdict.Message, StringComparison.Ordinal);
    }
}

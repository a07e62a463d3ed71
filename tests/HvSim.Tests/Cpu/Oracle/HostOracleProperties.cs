using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using HvSim.HostOracle;
using Iced.Intel;

namespace HvSim.Tests.Cpu.Oracle;

/// <summary>A property that is skipped (not failed) where the host oracle cannot run: it needs Linux on x86-64.</summary>
public sealed class HostOraclePropertyAttribute : PropertyAttribute
{
    public HostOraclePropertyAttribute()
    {
        QuietOnSuccess = true;
        if (!NativeExecutor.IsSupported)
        {
            Skip = "The host CPU oracle needs Linux on x86-64.";
        }
    }
}

/// <summary>A fact that is skipped (not failed) where the host oracle cannot run.</summary>
public sealed class HostOracleFactAttribute : FactAttribute
{
    public HostOracleFactAttribute()
    {
        if (!NativeExecutor.IsSupported)
        {
            Skip = "The host CPU oracle needs Linux on x86-64.";
        }
    }
}

/// <summary>
/// The differential property with the host CPU as oracle: random short instruction sequences with random
/// register, flag, XMM and memory inputs run natively and in the interpreter; every GPR, defined status
/// flag, XMM register and scratch byte must agree. One property per instruction family, so a failure names
/// its family; a failure prints the shrunk sequence disassembled, the input, the differences and the first
/// instruction whose result differs.
/// </summary>
public sealed class HostOracleProperties
{
    private const int Tests = 300;

    [HostOracleProperty(MaxTest = Tests, Arbitrary = [typeof(AluCases)])]
    public Property Alu(OracleCase c) => Holds(c);

    [HostOracleProperty(MaxTest = Tests, Arbitrary = [typeof(ShiftRotateCases)])]
    public Property ShiftsAndRotates(OracleCase c) => Holds(c);

    [HostOracleProperty(MaxTest = Tests, Arbitrary = [typeof(MulDivCases)])]
    public Property MultiplyAndDivide(OracleCase c) => Holds(c);

    [HostOracleProperty(MaxTest = Tests, Arbitrary = [typeof(BitCases)])]
    public Property BitOperations(OracleCase c) => Holds(c);

    [HostOracleProperty(MaxTest = Tests, Arbitrary = [typeof(MoveCases)])]
    public Property MovesAndExtensions(OracleCase c) => Holds(c);

    [HostOracleProperty(MaxTest = Tests, Arbitrary = [typeof(Sse2Cases)])]
    public Property Sse2(OracleCase c) => Holds(c);

    [HostOracleProperty(MaxTest = Tests, Arbitrary = [typeof(Sse4Cases)])]
    public Property Sse4(OracleCase c) => Holds(c);

    [HostOracleProperty(MaxTest = Tests, Arbitrary = [typeof(MixedCases)])]
    public Property Mixed(OracleCase c) => Holds(c);

    private static Property Holds(OracleCase c)
    {
        OracleVerdict verdict = OracleRunner.Check(c);
        return Prop.Label(verdict.Passed, verdict.Message);
    }
}

// One arbitrary per category: FsCheck picks the generator (and shrinker) for OracleCase from these.
public static class AluCases
{
    public static Arbitrary<OracleCase> Cases() => OracleArbitrary.For(OracleCategory.Alu);
}

public static class ShiftRotateCases
{
    public static Arbitrary<OracleCase> Cases() => OracleArbitrary.For(OracleCategory.ShiftRotate);
}

public static class MulDivCases
{
    public static Arbitrary<OracleCase> Cases() => OracleArbitrary.For(OracleCategory.MulDiv);
}

public static class BitCases
{
    public static Arbitrary<OracleCase> Cases() => OracleArbitrary.For(OracleCategory.Bits);
}

public static class MoveCases
{
    public static Arbitrary<OracleCase> Cases() => OracleArbitrary.For(OracleCategory.Moves);
}

public static class Sse2Cases
{
    public static Arbitrary<OracleCase> Cases() => OracleArbitrary.For(OracleCategory.Sse2);
}

public static class Sse4Cases
{
    public static Arbitrary<OracleCase> Cases() => OracleArbitrary.For(OracleCategory.Sse4);
}

public static class MixedCases
{
    public static Arbitrary<OracleCase> Cases() => OracleArbitrary.For(OracleCategory.Mixed);
}

/// <summary>Checks of the property's machinery: generators stay inside the rules, and a difference is reported.</summary>
public sealed class HostOracleMachineryTests
{
    [Theory]
    [InlineData(OracleCategory.Alu)]
    [InlineData(OracleCategory.ShiftRotate)]
    [InlineData(OracleCategory.MulDiv)]
    [InlineData(OracleCategory.Bits)]
    [InlineData(OracleCategory.Moves)]
    [InlineData(OracleCategory.Sse2)]
    [InlineData(OracleCategory.Sse4)]
    public void Generated_instructions_round_trip_and_keep_to_the_rules(OracleCategory category)
    {
        foreach (Instruction[] step in InstructionGenerators.Step(category).Sample(500))
        {
            foreach (Instruction instruction in step)
            {
                byte[] bytes = Disassembly.Encode(instruction);
                var decoder = Decoder.Create(64, new ByteArrayCodeReader(bytes));
                decoder.Decode(out Instruction decoded);
                string text = Disassembly.Format(instruction);
                // xchg eax, eax (and ax, ax / rax, rax) in the short form is 90: nop on both sides, which is fine.
                bool sameCode = decoded.Code == instruction.Code || (instruction.Mnemonic == Mnemonic.Xchg && decoded.Mnemonic == Mnemonic.Nop);
                Assert.True(decoded.Length == bytes.Length && sameCode, $"{text} decodes as {Disassembly.Format(decoded)}");
                for (int i = 0; i < decoded.OpCount; i++)
                {
                    if (decoded.GetOpKind(i) == OpKind.Register && decoded.GetOpRegister(i).IsGPR())
                    {
                        Register full = decoded.GetOpRegister(i).GetFullRegister();
                        Assert.True(full is not (Register.RSP or Register.RDI), $"{text} names {decoded.GetOpRegister(i)}");
                    }
                }

                if (decoded.Mnemonic != Mnemonic.Lea && Enumerable.Range(0, decoded.OpCount).Any(i => decoded.GetOpKind(i) == OpKind.Memory))
                {
                    int size = decoded.MemorySize.GetSize();
                    long disp = (long)decoded.MemoryDisplacement64;
                    Assert.True(decoded.MemoryBase == Register.RDI && decoded.MemoryIndex == Register.None, text);
                    Assert.True(disp >= 0 && disp + size <= InstructionGenerators.ScratchSize, $"{text} leaves the scratch block");
                    Assert.True(size != 16 || decoded.Mnemonic == Mnemonic.Movdqu || disp % 16 == 0, $"{text} is misaligned");
                }

                Assert.True(!decoded.HasLockPrefix || decoded.Op0Kind == OpKind.Memory, text);
                Assert.False(decoded.IsIPRelativeMemoryOperand, text);
            }
        }
    }

    [HostOracleFact]
    public void A_simple_sequence_agrees()
    {
        var input = Values.Input.Sample(1)[0];
        var c = new OracleCase(OracleCategory.Alu,
        [
            Instruction.Create(Code.Add_rm64_r64, Register.RAX, Register.RBX),
            Instruction.Create(Code.Sub_rm32_imm32, new MemoryOperand(Register.RDI, 0x40), 0x1234),
            Instruction.Create(Code.Adc_r8_rm8, Register.CL, new MemoryOperand(Register.RDI, 0x41)),
        ], input);
        OracleVerdict verdict = OracleRunner.Check(c);
        Assert.True(verdict.Passed, verdict.Message);
    }

    [HostOracleFact]
    public void A_division_that_would_fault_is_dropped_not_run()
    {
        var input = Values.Input.Sample(1)[0];
        input[Register.RCX] = 0;
        var c = new OracleCase(OracleCategory.MulDiv, [Instruction.Create(Code.Div_rm64, Register.RCX)], input);
        OracleVerdict verdict = OracleRunner.Check(c); // natively this would kill the test process
        Assert.True(verdict.Passed, verdict.Message);
    }

    [HostOracleFact]
    public void A_difference_is_reported_disassembled_with_the_first_diverging_instruction()
    {
        // Guards against a vacuous property: rdtsc reads the host's time-stamp counter natively but an
        // instruction count in the interpreter, so the two must differ and the report must say where.
        var input = Values.Input.Sample(1)[0];
        var c = new OracleCase(OracleCategory.Mixed,
        [
            Instruction.Create(Code.Xor_r32_rm32, Register.EAX, Register.EAX),
            Instruction.Create(Code.Rdtsc),
        ], input);
        OracleVerdict verdict = OracleRunner.Check(c);
        Assert.False(verdict.Passed);
        Assert.Contains("xor eax, eax", verdict.Message, StringComparison.Ordinal);
        Assert.Contains("FIRST DIVERGENCE at #1: rdtsc", verdict.Message, StringComparison.Ordinal);
        Assert.Contains("RAX: 0x", verdict.Message, StringComparison.Ordinal);
        Assert.Contains("xor eax, eax", c.ToString(), StringComparison.Ordinal);
    }
}

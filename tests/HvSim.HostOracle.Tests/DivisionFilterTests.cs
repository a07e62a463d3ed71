using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.HostOracle.Tests;

/// <summary>
/// Every case the filter calls safe is also executed natively: a wrong "safe" verdict would kill the
/// test process with #DE, which is the failure mode the filter exists to prevent.
/// </summary>
public sealed class DivisionFilterTests(ExecutorFixture fixture) : IClassFixture<ExecutorFixture>
{
    private readonly NativeExecutor _executor = fixture.Executor;

    [Theory]
    // div r/m8: AX / r8 -> AL (quotient), AH (remainder)
    [InlineData("div8", 0x0100UL, 0UL, 0UL, true)]
    [InlineData("div8", 0x01FFUL, 0UL, 1UL, true)]
    [InlineData("div8", 0x01FFUL, 0UL, 2UL, false)]
    [InlineData("div8", 0xFFFFUL, 0UL, 0xFFUL, true)]
    [InlineData("div8", 0xFEFFUL, 0UL, 0xFFUL, false)]
    // div r/m16: DX:AX
    [InlineData("div16", 0xFFFFUL, 0x0001UL, 1UL, true)]
    [InlineData("div16", 0xFFFFUL, 0x0001UL, 2UL, false)]
    // div r/m32: EDX:EAX; upper register halves must be ignored
    [InlineData("div32", 0xFFFF_FFFF_0000_0000UL, 0xFFFF_FFFF_0000_0001UL, 1UL, true)]
    [InlineData("div32", 0xFFFF_FFFF_0000_0000UL, 0xFFFF_FFFF_0000_0001UL, 0xFFFF_FFFF_0000_0002UL, false)]
    [InlineData("div32", 0UL, 0UL, 0xFFFF_FFFF_0000_0000UL, true)]
    // div r/m64: RDX:RAX
    [InlineData("div64", 0UL, 1UL, 1UL, true)]
    [InlineData("div64", ulong.MaxValue, 0UL, 1UL, false)]
    [InlineData("div64", ulong.MaxValue, 0xFFFF_FFFF_FFFF_FFFEUL, ulong.MaxValue, false)]
    [InlineData("div64", 0UL, ulong.MaxValue, ulong.MaxValue, true)]
    // idiv r/m8: quotient range is -128..127
    [InlineData("idiv8", 0xFF00UL, 0UL, 2UL, false)] // -256 / 2 = -128
    [InlineData("idiv8", 0xFEFEUL, 0UL, 2UL, true)] // -258 / 2 = -129
    [InlineData("idiv8", 0x0080UL, 0UL, 0xFFUL, false)] // 128 / -1 = -128
    [InlineData("idiv8", 0xFF80UL, 0UL, 0xFFUL, true)] // -128 / -1 = 128
    [InlineData("idiv8", 0x0080UL, 0UL, 1UL, true)] // 128 / 1
    [InlineData("idiv8", 0x8000UL, 0UL, 0xFFUL, true)] // -32768 / -1
    [InlineData("idiv8", 0x00FFUL, 0UL, 0xFEUL, false)] // 255 / -2 = -127
    // idiv r/m16
    [InlineData("idiv16", 0x0000UL, 0x8000UL, 0xFFFFUL, true)] // -2^31 / -1
    [InlineData("idiv16", 0x8000UL, 0x0000UL, 0xFFFFUL, false)] // 32768 / -1 = -32768
    // idiv r/m32
    [InlineData("idiv32", 0x8000_0000UL, 0UL, 0xFFFF_FFFFUL, false)] // 2^31 / -1 = -2^31
    [InlineData("idiv32", 0x8000_0000UL, 0xFFFF_FFFFUL, 0xFFFF_FFFFUL, true)] // -2^31 / -1
    [InlineData("idiv32", 0x8000_0000UL, 0xFFFF_FFFFUL, 1UL, false)]
    // idiv r/m64: Int128.MinValue / -1 is the case that overflows even 128-bit arithmetic
    [InlineData("idiv64", 0UL, 0x8000_0000_0000_0000UL, ulong.MaxValue, true)]
    [InlineData("idiv64", 0x8000_0000_0000_0000UL, ulong.MaxValue, ulong.MaxValue, true)]
    [InlineData("idiv64", 0x8000_0000_0000_0000UL, ulong.MaxValue, 1UL, false)]
    [InlineData("idiv64", 0x8000_0000_0000_0000UL, 0UL, ulong.MaxValue, false)]
    [InlineData("idiv64", 0UL, 0x8000_0000_0000_0000UL, 0x8000_0000_0000_0000UL, true)]
    [InlineData("idiv64", 0UL, 0xC000_0000_0000_0000UL, 0x8000_0000_0000_0000UL, true)] // -2^126 / -2^63 = 2^63
    [InlineData("idiv64", 0UL, ulong.MaxValue, 0x8000_0000_0000_0000UL, false)] // -2^64 / -2^63 = 2
    public void PredictsDivideError(string form, ulong rax, ulong rdx, ulong rbx, bool faults)
    {
        var instruction = Decode(CodeEncoder.Encode(x => EmitDivision(x, form)));
        var state = new MachineSnapshot();
        state[Register.RAX] = rax;
        state[Register.RDX] = rdx;
        state[Register.RBX] = rbx;

        Assert.Equal(faults, DivisionFilter.WouldFault(instruction, state));
        if (!faults)
        {
            _executor.Run(CodeEncoder.Encode(x => EmitDivision(x, form)), state);
        }
    }

    [Fact]
    public void DivByAhAlwaysFaults()
    {
        // AX / AH: with AH = a > 0 the quotient is at least (256 a) / a = 256, too big for AL;
        // with AH = 0 it divides by zero. Checks that AH is read as bits 8..15 of RAX.
        var instruction = Decode(CodeEncoder.Encode(x => x.div(ah)));
        var state = new MachineSnapshot();
        for (ulong ax = 0; ax <= 0xFFFF; ax += 0x0101)
        {
            state[Register.RAX] = 0xFFFF_0000 | ax;
            Assert.True(DivisionFilter.WouldFault(instruction, state));
        }
    }

    [Fact]
    public void ReadsHighByteDivisor()
    {
        var code = CodeEncoder.Encode(x => x.div(bh));
        var instruction = Decode(code);
        var state = new MachineSnapshot();
        state[Register.RAX] = 0x807F;
        state[Register.RBX] = 0x8000; // BH = 0x80: 0x807F / 0x80 = 0x100

        Assert.True(DivisionFilter.WouldFault(instruction, state));

        state[Register.RBX] = 0x81FF; // BH = 0x81: 0x807F / 0x81 = 0xFF rem 0; BL must be ignored
        Assert.False(DivisionFilter.WouldFault(instruction, state));
        Assert.Equal(0x00FFUL, _executor.Run(code, state)[Register.RAX]);
    }

    [Fact]
    public void ReadsMemoryDivisorFromScratch()
    {
        const ulong guestBase = 0x20000;
        var code = CodeEncoder.Encode(x => x.div(__qword_ptr[rsi + rcx * 8 + 0x10]));
        var instruction = Decode(code);
        var state = new MachineSnapshot();
        state[Register.RSI] = guestBase;
        state[Register.RCX] = 2;
        state[Register.RAX] = 100;

        Assert.True(DivisionFilter.WouldFault(instruction, state, Register.RSI));

        BitConverter.TryWriteBytes(state.Memory.AsSpan(0x20), 7UL);
        Assert.False(DivisionFilter.WouldFault(instruction, state, Register.RSI));

        var output = _executor.Run(code, state, Register.RSI);
        Assert.Equal(14UL, output[Register.RAX]);
        Assert.Equal(2UL, output[Register.RDX]);
    }

    [Fact]
    public void RejectsMemoryDivisorOutsideScratch()
    {
        var instruction = Decode(CodeEncoder.Encode(x => x.div(__dword_ptr[rdi + 0x100])));
        var state = new MachineSnapshot();

        Assert.Throws<ArgumentException>(() => DivisionFilter.WouldFault(instruction, state));
        Assert.Throws<ArgumentException>(() => DivisionFilter.WouldFault(instruction, state, Register.RDI));
    }

    [Fact]
    public void IgnoresOtherInstructions()
    {
        var instruction = Decode(CodeEncoder.Encode(x => x.mul(rbx)));

        Assert.False(DivisionFilter.IsDivision(instruction));
        Assert.False(DivisionFilter.WouldFault(instruction, new MachineSnapshot()));
    }

    [Fact]
    public void RandomDivisionsTheFilterAcceptsRunNativelyWithExpectedResults()
    {
        var random = new Random(20);
        string[] forms = ["div8", "div16", "div32", "div64", "idiv8", "idiv16", "idiv32", "idiv64"];
        var codes = forms.Select(form => CodeEncoder.Encode(x => EmitDivision(x, form))).ToArray();
        var instructions = codes.Select(Decode).ToArray();
        var accepted = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var which = i % forms.Length;
            var state = SnapshotFactory.Random(random);

            // Random widths make both verdicts common, including the boundaries.
            state[Register.RAX] = Narrow(random, state[Register.RAX]);
            state[Register.RDX] = Narrow(random, state[Register.RDX]);
            state[Register.RBX] = Narrow(random, state[Register.RBX]);
            if (DivisionFilter.WouldFault(instructions[which], state))
            {
                continue;
            }

            accepted++;
            var output = _executor.Run(codes[which], state);
            AssertQuotient(forms[which], state, output);
        }

        Assert.InRange(accepted, 2_000, 18_000);
    }

    private static void AssertQuotient(string form, MachineSnapshot input, MachineSnapshot output)
    {
        var size = int.Parse(form.AsSpan(form.StartsWith('i') ? 4 : 3)) / 8;
        var bits = 8 * size;
        var mask = size == 8 ? ulong.MaxValue : (1UL << bits) - 1;
        var divisor = input[Register.RBX] & mask;
        UInt128 dividend = size == 1
            ? input[Register.RAX] & 0xFFFF
            : ((UInt128)(input[Register.RDX] & mask) << bits) | (input[Register.RAX] & mask);
        ulong quotient;
        ulong remainder;
        if (form.StartsWith('i'))
        {
            var signedDivisor = (Int128)(long)(divisor << (64 - bits)) >> (64 - bits);
            var shift = 128 - (2 * bits);
            var signedDividend = (Int128)(dividend << shift) >> shift;
            quotient = (ulong)(signedDividend / signedDivisor) & mask;
            remainder = (ulong)(signedDividend % signedDivisor) & mask;
        }
        else
        {
            quotient = (ulong)(dividend / divisor) & mask;
            remainder = (ulong)(dividend % divisor) & mask;
        }

        if (size == 1)
        {
            Assert.Equal(quotient | (remainder << 8), output[Register.RAX] & 0xFFFF);
        }
        else
        {
            Assert.Equal(quotient, output[Register.RAX] & mask);
            Assert.Equal(remainder, output[Register.RDX] & mask);
        }
    }

    private static ulong Narrow(Random random, ulong value)
    {
        var bits = random.Next(0, 65);
        var narrowed = bits == 64 ? value : value & ((1UL << bits) - 1);
        return random.Next(4) == 0 ? ~narrowed : narrowed;
    }

    private static void EmitDivision(Assembler x, string form)
    {
        switch (form)
        {
            case "div8": x.div(bl); break;
            case "div16": x.div(bx); break;
            case "div32": x.div(ebx); break;
            case "div64": x.div(rbx); break;
            case "idiv8": x.idiv(bl); break;
            case "idiv16": x.idiv(bx); break;
            case "idiv32": x.idiv(ebx); break;
            case "idiv64": x.idiv(rbx); break;
            default: throw new ArgumentOutOfRangeException(nameof(form), form, null);
        }
    }

    private static Instruction Decode(byte[] code)
    {
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(code));
        var instruction = decoder.Decode();
        Assert.Equal(code.Length, instruction.Length);
        return instruction;
    }
}

using HvSim.HostOracle;
using HvSim.Tests.Cpu.Oracle;
using Iced.Intel;

namespace HvSim.Tests.Cpu;

/// <summary>
/// SSE4.2's packed string compares (pcmpestri, pcmpestrm, pcmpistri, pcmpistrm), legacy and VEX
/// encoded, against the host CPU over every one of the 256 imm8 values: source format, aggregation, polarity and output
/// selection in every combination, with ECX or XMM0 and every status flag compared.
/// </summary>
/// <remarks>
/// The operands are string-like: a small alphabet (so that elements match and ranges contain
/// them), zero bytes or words at random places (the implicit-length forms end there), and
/// substrings of the searched operand copied into the first one (equal ordered finds them). The
/// explicit lengths in RAX and RDX run over small positive and negative values, the saturation
/// bounds and values whose upper bits or sign make them out of range.
/// </remarks>
public sealed class Sse4StringCompareTests
{
    private const int CasesPerImmediate = 3;
    private const int Unaligned = SseFormList.Unaligned;

    /// <summary>The instruction forms: mnemonic code, first operand, second operand (a register or the unaligned memory operand).</summary>
    public static TheoryData<string> Forms => new(s_forms.Keys);

    private static readonly Dictionary<string, Func<byte, Instruction>> s_forms = BuildForms();

    private static Dictionary<string, Func<byte, Instruction>> BuildForms()
    {
        var forms = new Dictionary<string, Func<byte, Instruction>>();
        var memory = new MemoryOperand(Register.RDI, Unaligned);
        foreach (Code code in new[]
        {
            Code.Pcmpestri_xmm_xmmm128_imm8, Code.Pcmpestri64_xmm_xmmm128_imm8, Code.Pcmpestrm_xmm_xmmm128_imm8,
            Code.Pcmpestrm64_xmm_xmmm128_imm8, Code.Pcmpistri_xmm_xmmm128_imm8, Code.Pcmpistrm_xmm_xmmm128_imm8,
            Code.VEX_Vpcmpestri_xmm_xmmm128_imm8, Code.VEX_Vpcmpestri64_xmm_xmmm128_imm8, Code.VEX_Vpcmpestrm_xmm_xmmm128_imm8,
            Code.VEX_Vpcmpestrm64_xmm_xmmm128_imm8, Code.VEX_Vpcmpistri_xmm_xmmm128_imm8, Code.VEX_Vpcmpistrm_xmm_xmmm128_imm8,
        })
        {
            string name = code.Mnemonic().ToString().ToLowerInvariant();
            forms[$"{name} xmm1, xmm2"] = imm => Instruction.Create(code, Register.XMM1, Register.XMM2, imm);
            forms[$"{name} xmm1, [rdi+U]"] = imm => Instruction.Create(code, Register.XMM1, memory, imm);
        }
        forms["pcmpistrm xmm0, xmm9 (the mask replaces the first operand)"] = imm => Instruction.Create(Code.Pcmpistrm_xmm_xmmm128_imm8, Register.XMM0, Register.XMM9, imm);
        forms["pcmpestri xmm12, xmm12"] = imm => Instruction.Create(Code.Pcmpestri_xmm_xmmm128_imm8, Register.XMM12, Register.XMM12, imm);
        forms["vpcmpistrm xmm0, xmm9 (the mask replaces the first operand)"] = imm => Instruction.Create(Code.VEX_Vpcmpistrm_xmm_xmmm128_imm8, Register.XMM0, Register.XMM9, imm);
        return forms;
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void MatchesHostForEveryImmediate(string form)
    {
        Func<byte, Instruction> create = s_forms[form];
        // All 256 variants in one code block, 32 bytes apart, each ending in int3.
        const int Stride = 32;
        byte[] block = new byte[256 * Stride];
        var code = new byte[256][];
        for (int imm = 0; imm < 256; imm++)
        {
            code[imm] = Disassembly.Encode(create((byte)imm));
            code[imm].CopyTo(block, imm * Stride);
            block[(imm * Stride) + code[imm].Length] = 0xCC;
        }
        var machine = new TestMachine();
        machine.LoadCode(block);
        var native = new NativeExecutor();
        var random = new Random(form.Length * 7919);
        var expected = new MachineSnapshot();
        var actual = new MachineSnapshot();
        Instruction first = create(0);
        for (int imm = 0; imm < 256; imm++)
        {
            for (int i = 0; i < CasesPerImmediate; i++)
            {
                MachineSnapshot input = SnapshotFactory.Random(random);
                input[Register.RDI] = TestMachine.DataBase;
                input[Register.RSP] = TestMachine.StackTop;
                Shape(input, random, first);
                if (first.Encoding == EncodingKind.VEX)
                {
                    AvxForms.RandomUpperHalves(input, random); // the mask forms zero YMM0's upper half
                }
                native.Run(code[imm], input, expected, Register.RDI);
                SseOracle.RunInterpreter(machine, input, actual, TestMachine.CodeBase + (ulong)(imm * Stride));
                if (!expected.Equals(actual))
                {
                    Assert.Fail($"{Disassembly.Format(create((byte)imm))}: host vs interpreter differ:\n{expected.Describe(actual)}\ninput:\n{input}");
                }
            }
        }
    }

    /// <summary>Makes the two operands string-like and the lengths interesting.</summary>
    private static void Shape(MachineSnapshot s, Random random, in Instruction instruction)
    {
        int a = instruction.Op0Register - Register.XMM0;
        Span<byte> haystack = stackalloc byte[16];
        Span<byte> needle = stackalloc byte[16];
        int style = random.Next(4); // 0: uniform, 1: small byte alphabet, 2: small word alphabet, 3: alphabet with zeros
        Fill(haystack, style, random);
        Fill(needle, style, random);
        if (random.Next(3) == 0)
        {
            // A piece of the searched operand in the first: equal ordered and equal each find it.
            int from = random.Next(16), to = random.Next(16), length = random.Next(1, 17);
            for (int k = 0; k < length && from + k < 16 && to + k < 16; k++)
            {
                needle[to + k] = haystack[from + k];
            }
        }
        s.Xmm[a] = new Xmm128(BitConverter.ToUInt64(needle), BitConverter.ToUInt64(needle[8..]));
        if (instruction.Op1Kind == OpKind.Memory)
        {
            haystack.CopyTo(s.Memory.AsSpan(Unaligned, 16));
        }
        else if (instruction.Op1Register != instruction.Op0Register)
        {
            s.Xmm[instruction.Op1Register - Register.XMM0] = new Xmm128(BitConverter.ToUInt64(haystack), BitConverter.ToUInt64(haystack[8..]));
        }
        s[Register.RAX] = Length(random);
        s[Register.RDX] = Length(random);
    }

    private static void Fill(Span<byte> bytes, int style, Random random)
    {
        ReadOnlySpan<byte> alphabet = [(byte)'a', (byte)'b', (byte)'c', (byte)'z', 0x80, 0xFF, 0x7F, 0x01];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = style switch
            {
                0 => (byte)random.Next(256),
                1 => alphabet[random.Next(4)],
                2 => i % 2 == 0 ? alphabet[random.Next(alphabet.Length)] : (byte)(random.Next(3) == 0 ? 0x80 : 0),
                _ => random.Next(6) == 0 ? (byte)0 : alphabet[random.Next(alphabet.Length)],
            };
        }
        if (style == 2)
        {
            for (int i = 0; i + 1 < bytes.Length; i += 2)
            {
                bytes[i + 1] = random.Next(4) == 0 ? bytes[i] : bytes[i + 1];
            }
        }
        if (random.Next(3) == 0)
        {
            // An embedded zero word (also two zero bytes) at a random element.
            int at = random.Next(8) * 2;
            bytes[at] = 0;
            bytes[at + 1] = 0;
        }
    }

    /// <summary>A length register: small values of either sign, the saturation bounds, and values only the upper bits or the sign make large.</summary>
    private static ulong Length(Random random)
    {
        ulong upper = (ulong)random.NextInt64() & 0xFFFF_FFFF_0000_0000;
        return random.Next(6) switch
        {
            0 or 1 => (ulong)(long)random.Next(-20, 21),
            2 => (ulong)(long)random.Next(-20, 21) | upper,
            3 => (uint)random.Next(-20, 21),
            4 => new ulong[] { 0, 8, 9, 16, 17, 0x8000_0000, 0x7FFF_FFFF, 0xFFFF_FFF0, 0x8000_0000_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFF8, 0x1_0000_0003 }[random.Next(12)],
            _ => (ulong)random.NextInt64(),
        };
    }
}

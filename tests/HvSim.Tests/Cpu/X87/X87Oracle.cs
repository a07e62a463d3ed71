using System.Buffers.Binary;
using System.Text;
using HvSim.Cpu.State;
using HvSim.Cpu.X87;
using HvSim.HostOracle;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu.X87;

/// <summary>
/// Differential testing of x87 instruction forms in the interpreter against the host FPU: the same
/// code loads a random x87 state with fxrstor64, runs the instruction, and saves the state with
/// fxsave64 and fnsave (neither waits, so unmasked exceptions are left pending, not delivered);
/// the two worlds' images, memory operands, RFLAGS and RAX must agree.
/// </summary>
/// <remarks>
/// Scratch block (at rdi): the input FXSAVE image at 0, the fnsave image at <see cref="SaveAt"/>, the
/// block's own address at <see cref="AddressAt"/> (so FDP can be compared relative to it), memory
/// operands from <see cref="OperandsAt"/>, the fxsave64 image at <see cref="FxsaveAt"/>. FIP is
/// compared relative to the code's start (r11, from lea r11, [rip]). MXCSR_MASK is not compared (the
/// AMD host reports its misaligned-SSE bit 17, which the model does not implement). Input states
/// never have an exception pending, so the host never traps.
/// </remarks>
internal static class X87Oracle
{
    public const int Cases = 64;
    public const int SaveAt = 512, AddressAt = 640, OperandsAt = 768, FxsaveAt = 1024, MemorySize = 1536;

    private static readonly NativeExecutor s_native = new();

    /// <summary>Where a form stores an image of its own whose instruction and data pointers need normalizing.</summary>
    public enum PointerImage
    {
        None,
        /// <summary>FNSTENV/FNSAVE: 32-bit FIP at 12, FDP at 20.</summary>
        Environment,
        /// <summary>FXSAVE: 32-bit FIP at 8, FDP at 16 (each followed by its selector).</summary>
        Fxsave,
        /// <summary>FXSAVE64: 64-bit FIP at 8, FDP at 16.</summary>
        Fxsave64,
    }

    public sealed record Form(
        string Name, Action<Assembler> Code, Action<MachineSnapshot, Random>? Prepare = null, int ImageAt = 0, PointerImage Image = PointerImage.None)
    {
        public override string ToString() => Name;
    }

    /// <summary>[rdi + OperandsAt + offset] with the given size.</summary>
    public static AssemblerMemoryOperand Operand(int offset) => __[rdi + (OperandsAt + offset)];

    public static void Check(Form form, int cases = Cases) => Check(form, cases, lastPlace: false);

    /// <summary>
    /// Runs <paramref name="cases"/> cases; with <paramref name="lastPlace"/>, a case whose only differences
    /// are register values one unit in the last place apart (and C1, which reports the rounding direction)
    /// is counted instead of failing. Returns that count.
    /// </summary>
    public static int Check(Form form, int cases, bool lastPlace)
    {
        var forgiven = 0;
        byte[] code = CodeEncoder.Encode(a =>
        {
            Label start = a.CreateLabel();
            a.Label(ref start);
            a.lea(r11, __[start]);
            a.mov(__qword_ptr[rdi + AddressAt], rdi);
            a.fxrstor64(__[rdi]);
            form.Code(a);
            a.fxsave64(__[rdi + FxsaveAt]);
            a.fnsave(__[rdi + SaveAt]);
            a.fninit();
        });
        var machine = new TestMachine();
        machine.LoadCode([.. code, 0xCC]);
        var random = new Random(StableSeed(form.Name));
        var expected = new MachineSnapshot(MemorySize);
        var actual = new MachineSnapshot(MemorySize);
        for (var i = 0; i < cases; i++)
        {
            MachineSnapshot input = RandomInput(random);
            form.Prepare?.Invoke(input, random);
            s_native.Run(code, input, expected, Register.RDI);
            SseOracle.RunInterpreter(machine, input, actual);
            Normalize(expected, form);
            Normalize(actual, form);
            ForgiveLostPointers(expected, actual);
            if (lastPlace && !expected.Equals(actual))
            {
                AdoptLastPlace(expected, actual);
                if (expected.Equals(actual))
                {
                    forgiven++;
                    continue;
                }
            }

            if (!expected.Equals(actual))
            {
                Assert.Fail($"{form.Name} ({Disassembly(code)}), case {i}: host vs interpreter differ\ninput: {DescribeImage(input.Memory, 0)}\n"
                    + $"host:        {DescribeSave(expected.Memory)}\ninterpreter: {DescribeSave(actual.Memory)}\n{expected.Describe(actual)}");
            }
        }

        return forgiven;
    }

    /// <summary>
    /// Copies into the interpreter's images every register value that is the host's one unit in the last
    /// place away, and the host's C1 (which reports the rounding direction: the host's is wrong when the
    /// exact value lies within a few hundredths of a unit of the result, measured).
    /// </summary>
    private static void AdoptLastPlace(MachineSnapshot host, MachineSnapshot interpreter)
    {
        for (var i = 0; i < 8; i++)
        {
            foreach (var at in (int[])[FxsaveAt + FxsaveImage.St0 + (16 * i), SaveAt + 28 + (10 * i)])
            {
                var h = Float80.FromBytes(host.Memory.AsSpan(at, 10));
                var v = Float80.FromBytes(interpreter.Memory.AsSpan(at, 10));
                if (h != v && AdjacentFinite(h, v))
                {
                    h.WriteBytes(interpreter.Memory.AsSpan(at, 10));
                }
            }
        }

        foreach (var at in (int[])[FxsaveAt + FxsaveImage.Fsw, SaveAt + 4])
        {
            const ushort c1 = 0x200;
            var status = BinaryPrimitives.ReadUInt16LittleEndian(interpreter.Memory.AsSpan(at));
            var hostC1 = BinaryPrimitives.ReadUInt16LittleEndian(host.Memory.AsSpan(at)) & c1;
            BinaryPrimitives.WriteUInt16LittleEndian(interpreter.Memory.AsSpan(at), (ushort)((status & ~c1) | hostC1));
        }
    }

    /// <summary>Two finite values of one sign with no value between them (denormals and the exponent step included).</summary>
    private static bool AdjacentFinite(Float80 a, Float80 b)
    {
        if (a.IsNegative != b.IsNegative || a.Exponent == Float80.MaxExponent || b.Exponent == Float80.MaxExponent)
        {
            return false;
        }

        static UInt128 Ordinal(Float80 f) => f.Exponent == 0
            ? f.Significand
            : ((UInt128)(uint)(f.Exponent - 1) << 63) + f.Significand;

        UInt128 x = Ordinal(a), y = Ordinal(b);
        return x - y == 1 || y - x == 1;
    }

    /// <summary>A random state with no exception pending: random RC/PC, usually all masks, random tags, TOP, codes and masked flags.</summary>
    public static MachineSnapshot RandomInput(Random random)
    {
        MachineSnapshot input = SnapshotFactory.Random(random, MemorySize);
        input[Register.RDI] = TestMachine.DataBase;
        input[Register.RSP] = TestMachine.StackTop;
        Array.Clear(input.Memory);
        Span<byte> image = input.Memory.AsSpan(0, FxsaveImage.Size);
        var masks = random.Next(3) == 0 ? random.Next(64) : 0x3F;
        var control = (ushort)(0x0040 | (random.Next(16) << 8) | masks);
        var flags = random.Next(64) & masks;
        var status = (ushort)(flags | (random.Next(8) << 11) | (random.Next(16) is var c ? ((c & 7) << 8) | ((c & 8) << 11) : 0));
        if ((flags & 1) != 0 && random.Next(2) == 0)
        {
            status |= 0x40;
        }

        BinaryPrimitives.WriteUInt16LittleEndian(image[FxsaveImage.Fcw..], control);
        BinaryPrimitives.WriteUInt16LittleEndian(image[FxsaveImage.Fsw..], status);
        image[FxsaveImage.AbridgedFtw] = random.Next(4) switch
        {
            0 => 0xFF,
            1 => (byte)random.Next(256),
            _ => (byte)((0xFF >> random.Next(8) << random.Next(2)) & 0xFF), // a run of valid registers, as a real stack has
        };
        BinaryPrimitives.WriteUInt32LittleEndian(image[FxsaveImage.Mxcsr..], 0x1F80);
        var registers = new Float80[8];
        for (var r = 0; r < 8; r++)
        {
            registers[r] = random.Next(6) == 0 && r > 0 ? Near(registers[random.Next(r)], random) : X87Values.Next(random);
            registers[r].WriteBytes(image[(FxsaveImage.St0 + (16 * r))..]);
        }

        FillOperands(input.Memory.AsSpan(OperandsAt, FxsaveAt - OperandsAt), registers, random);
        return input;
    }

    private static Float80 Near(Float80 value, Random random) => random.Next(3) switch
    {
        0 => value,
        1 => value.Negate(),
        _ => new Float80(value.SignExponent, value.Significand ^ (1UL << random.Next(64))),
    };

    /// <summary>Operands: floats of each width (some equal to a register, for equal compares), integers, BCD, control words.</summary>
    private static void FillOperands(Span<byte> area, Float80[] registers, Random random)
    {
        for (var slot = 0; slot < area.Length / 16; slot++)
        {
            Span<byte> bytes = area.Slice(slot * 16, 16);
            var pick = registers[random.Next(8)];
            switch (random.Next(6))
            {
                case 0:
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)Float80Binary.ToSingle(pick, X87Control.Default).Bits);
                    BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], Float80Binary.ToDouble(pick, X87Control.Default).Bits);
                    break;
                case 1:
                    X87Values.Next(random).WriteBytes(bytes);
                    break;
                case 2:
                    BinaryPrimitives.WriteUInt64LittleEndian(bytes, X87Values.Integer(random));
                    BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], X87Values.Integer(random));
                    break;
                case 3:
                    X87Values.Bcd(random, bytes);
                    break;
                default:
                    random.NextBytes(bytes);
                    break;
            }
        }
    }

    /// <summary>Makes pointers position independent: FIP relative to the code start, FDP to the block; MXCSR_MASK dropped.</summary>
    private static void Normalize(MachineSnapshot s, Form form)
    {
        Span<byte> memory = s.Memory;
        var codeStart = s[Register.R11];
        var block = BinaryPrimitives.ReadUInt64LittleEndian(memory[AddressAt..]);
        BinaryPrimitives.WriteUInt64LittleEndian(memory[AddressAt..], 0);
        s[Register.R11] = 0;
        Relative(memory[(SaveAt + 12)..], 4, codeStart);
        Relative(memory[(SaveAt + 20)..], 4, block);
        Relative(memory[(FxsaveAt + FxsaveImage.Fip)..], 8, codeStart);
        Relative(memory[(FxsaveAt + FxsaveImage.Fdp)..], 8, block);
        BinaryPrimitives.WriteUInt32LittleEndian(memory[(FxsaveAt + FxsaveImage.MxcsrMaskAt)..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(memory[(OperandsAt + FxsaveImage.MxcsrMaskAt)..], 0); // the fxsave forms' own images
        var image = form.ImageAt;
        switch (form.Image)
        {
            case PointerImage.Environment:
                Relative(memory[(image + 12)..], 4, codeStart);
                Relative(memory[(image + 20)..], 4, block);
                break;
            case PointerImage.Fxsave:
            case PointerImage.Fxsave64:
                var width = form.Image == PointerImage.Fxsave ? 4 : 8;
                Relative(memory[(image + FxsaveImage.Fip)..], width, codeStart);
                Relative(memory[(image + FxsaveImage.Fdp)..], width, block);
                BinaryPrimitives.WriteUInt32LittleEndian(memory[(image + FxsaveImage.MxcsrMaskAt)..], 0);
                break;
        }
    }

    /// <summary>
    /// The host thread can be preempted (or take the runtime's signal) between the instruction and the
    /// fnsave; Linux then saves and restores the FPU with XSAVE/XRSTOR, which on AMD keep FOP, FIP and
    /// FDP only while an exception is pending. So when the host's fnsave image shows them all zero with
    /// ES clear, the interpreter's are not compared (observed: one ffree case in a few thousand).
    /// </summary>
    private static void ForgiveLostPointers(MachineSnapshot host, MachineSnapshot interpreter)
    {
        Span<byte> expected = host.Memory.AsSpan(SaveAt);

        // The selectors alone go even with an exception pending: in 64-bit mode XSAVE/XRSTOR do not
        // keep FCS and FDS, so after a preemption the host's fnsave reads them as 0 (seen under load:
        // FCS 0 where the interpreter, which was not preempted, has the user CS).
        foreach (int selector in (int[])[16, 24])
        {
            if (BinaryPrimitives.ReadUInt16LittleEndian(expected[selector..]) == 0)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(interpreter.Memory.AsSpan(SaveAt + selector), 0);
            }
        }

        var pending = (BinaryPrimitives.ReadUInt16LittleEndian(expected[4..]) & 0x80) != 0;
        if (pending || BinaryPrimitives.ReadUInt64LittleEndian(expected[12..]) != 0 || BinaryPrimitives.ReadUInt32LittleEndian(expected[20..]) != 0)
        {
            return;
        }

        interpreter.Memory.AsSpan(SaveAt + 12, 12).Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(interpreter.Memory.AsSpan(SaveAt + 24), 0);
    }

    private static void Relative(Span<byte> field, int size, ulong origin)
    {
        var value = size == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(field) : BinaryPrimitives.ReadUInt64LittleEndian(field);
        if (value == 0)
        {
            return;
        }

        var relative = value - (size == 4 ? (uint)origin : origin);
        if (size == 4)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(field, (uint)relative);
        }
        else
        {
            BinaryPrimitives.WriteUInt64LittleEndian(field, relative);
        }
    }

    private static string DescribeImage(byte[] memory, int at)
    {
        var text = new StringBuilder();
        text.Append($"fcw={BitConverter.ToUInt16(memory, at):X4} fsw={BitConverter.ToUInt16(memory, at + 2):X4} ftw={memory[at + 4]:X2}");
        for (var i = 0; i < 8; i++)
        {
            text.Append($" st{i}={Float80.FromBytes(memory.AsSpan(at + 32 + (16 * i), 10))}");
        }

        text.Append(" operands=").Append(Convert.ToHexString(memory, OperandsAt, 64));
        return text.ToString();
    }

    private static string DescribeSave(byte[] memory)
    {
        var text = new StringBuilder();
        for (var i = 0; i < 7; i++)
        {
            text.Append($"{BitConverter.ToUInt32(memory, SaveAt + (4 * i)):X8} ");
        }

        for (var i = 0; i < 8; i++)
        {
            text.Append($" st{i}={Float80.FromBytes(memory.AsSpan(SaveAt + 28 + (10 * i), 10))}");
        }

        text.Append($" | fxsave fsw={BitConverter.ToUInt16(memory, FxsaveAt + 2):X4} ftw={memory[FxsaveAt + 4]:X2} fop={BitConverter.ToUInt16(memory, FxsaveAt + 6):X4}");
        return text.ToString();
    }

    private static string Disassembly(byte[] code)
    {
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(code));
        var formatter = new IntelFormatter();
        var output = new StringOutput();
        var parts = new List<string>();
        while (decoder.IP < (ulong)code.Length)
        {
            decoder.Decode(out Instruction instruction);
            formatter.Format(instruction, output);
            parts.Add(output.ToStringAndReset());
        }

        return string.Join("; ", parts);
    }

    private static int StableSeed(string name)
    {
        var hash = 17;
        foreach (var ch in name)
        {
            hash = unchecked((hash * 31) + ch);
        }

        return hash;
    }
}

/// <summary>Random extended values of every class, biased toward the interesting ones.</summary>
internal static class X87Values
{
    public static Float80 Next(Random random)
    {
        var negative = random.Next(2) == 0;
        ulong significand = (ulong)random.NextInt64() | ((ulong)random.Next(2) << 63);
        return random.Next(20) switch
        {
            < 7 => new Float80(negative, 0x3FFF + random.Next(-70, 70), significand | Float80.IntegerBit),
            7 => new Float80(negative, 0x3FFF + random.Next(0, 64), Integral(random)),
            8 => new Float80(negative, random.Next(1, 80), significand | Float80.IntegerBit),
            9 => new Float80(negative, 0x7FFE - random.Next(0, 80), significand | Float80.IntegerBit),
            10 => new Float80(negative, random.Next(1, 0x7FFF), significand | Float80.IntegerBit),
            11 => new Float80(negative, 0, significand & ~Float80.IntegerBit),
            12 => new Float80(negative, 0, significand | Float80.IntegerBit),
            13 => negative ? Float80.NegativeZero : Float80.PositiveZero,
            14 => negative ? Float80.NegativeInfinity : Float80.PositiveInfinity,
            15 => new Float80(negative, 0x7FFF, significand | Float80.IntegerBit | Float80.QuietBit),
            16 => new Float80(negative, 0x7FFF, (significand | Float80.IntegerBit | 1) & ~Float80.QuietBit),
            17 => Float80.Indefinite,
            18 => new Float80(negative, random.Next(0, 0x8000), significand & ~Float80.IntegerBit),
            _ => new Float80(negative, 0x3FFF + random.Next(-2, 3), Float80.IntegerBit | ((significand >> random.Next(40, 64)) << 1)),
        };
    }

    public static ulong Integer(Random random) => random.Next(6) switch
    {
        0 => 0,
        1 => (ulong)random.Next(-1000, 1000),
        2 => (ulong)(long)(short)random.Next(),
        3 => 0x8000_0000_0000_0000UL >> random.Next(64),
        _ => (ulong)random.NextInt64() >> random.Next(64),
    };

    public static void Bcd(Random random, Span<byte> bytes)
    {
        var digits = random.Next(19);
        bytes[..10].Clear();
        for (var d = 0; d < digits; d++)
        {
            var digit = random.Next(10);
            bytes[d / 2] |= (byte)((d & 1) == 0 ? digit : digit << 4);
        }

        bytes[9] = (byte)(random.Next(2) == 0 ? 0 : 0x80);
    }

    private static ulong Integral(Random random)
    {
        ulong value = (ulong)random.NextInt64() | Float80.IntegerBit;
        var fractionBits = random.Next(0, 64);
        return fractionBits == 0 ? value : value & ~((1UL << fractionBits) - 1) | (random.Next(4) == 0 ? 1UL << (fractionBits - 1) : 0);
    }
}

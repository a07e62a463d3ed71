using HvSim.HostOracle;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>
/// Inputs for the FMA forms of <see cref="AvxFloatTests"/>: besides the interesting values, half the
/// elements get an addend equal to ± the rounded product give or take two units in the last place,
/// so that the fused sum cancels massively (the case a separately rounded product would get wrong)
/// or lands next to a rounding boundary.
/// </summary>
internal static class FmaInputs
{
    /// <summary>All FMA3 mnemonics (the FMA4 ones have no 132/213/231; the ph/sh ones are AVX512-FP16, EVEX only).</summary>
    public static IEnumerable<Mnemonic> Mnemonics() => Enum.GetValues<Mnemonic>().Where(m =>
    {
        string name = m.ToString();
        return (name.StartsWith("Vfm", StringComparison.Ordinal) || name.StartsWith("Vfnm", StringComparison.Ordinal))
            && !name.EndsWith('h')
            && (name.Contains("132", StringComparison.Ordinal) || name.Contains("213", StringComparison.Ordinal) || name.Contains("231", StringComparison.Ordinal));
    });

    /// <summary>Sets addends near ∓ the product in <paramref name="instruction"/>'s operands.</summary>
    public static void NearCancellation(MachineSnapshot s, Random random, Instruction instruction)
    {
        string name = instruction.Mnemonic.ToString();
        // Operand positions of a, b, c in a × b + c (SDM VFMADD132PD: 132 is DEST × SRC3 + SRC2, ...).
        (int a, int b, int c) = name.Contains("132", StringComparison.Ordinal) ? (0, 2, 1) : name.Contains("213", StringComparison.Ordinal) ? (1, 0, 2) : (1, 2, 0);
        int width = name.EndsWith('d') ? 8 : 4;
        bool scalar = name.EndsWith("ss", StringComparison.Ordinal) || name.EndsWith("sd", StringComparison.Ordinal);
        int bytes = scalar ? width : instruction.Op0Register.IsYMM() ? 32 : 16;
        for (int lane = 0; lane < bytes / width; lane++)
        {
            if (random.Next(2) == 0)
            {
                continue;
            }
            ulong x = Get(s, instruction, a, lane, width), y = Get(s, instruction, b, lane, width);
            ulong product = width == 8
                ? BitConverter.DoubleToUInt64Bits(BitConverter.UInt64BitsToDouble(x) * BitConverter.UInt64BitsToDouble(y))
                : BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle((uint)x) * BitConverter.UInt32BitsToSingle((uint)y));
            ulong sign = 1UL << ((width * 8) - 1);
            ulong addend = (product + (ulong)random.Next(-2, 3)) ^ (random.Next(2) == 0 ? sign : 0);
            Set(s, instruction, c, lane, width, width == 8 ? addend : (uint)addend);
        }
    }

    private static ulong Get(MachineSnapshot s, Instruction instruction, int operand, int lane, int width)
    {
        Span<byte> bytes = stackalloc byte[32];
        Load(s, instruction, operand, bytes);
        return width == 8 ? BitConverter.ToUInt64(bytes[(lane * 8)..]) : BitConverter.ToUInt32(bytes[(lane * 4)..]);
    }

    private static void Set(MachineSnapshot s, Instruction instruction, int operand, int lane, int width, ulong value)
    {
        Span<byte> bytes = stackalloc byte[32];
        Load(s, instruction, operand, bytes);
        if (width == 8)
        {
            BitConverter.TryWriteBytes(bytes[(lane * 8)..], value);
        }
        else
        {
            BitConverter.TryWriteBytes(bytes[(lane * 4)..], (uint)value);
        }
        if (instruction.GetOpKind(operand) == OpKind.Memory)
        {
            bytes.CopyTo(s.Memory.AsSpan((int)instruction.MemoryDisplacement64, 32));
            return;
        }
        int x = Number(instruction.GetOpRegister(operand));
        s.Xmm[x] = new Xmm128(BitConverter.ToUInt64(bytes), BitConverter.ToUInt64(bytes[8..]));
        s.YmmHigh[x] = new Xmm128(BitConverter.ToUInt64(bytes[16..]), BitConverter.ToUInt64(bytes[24..]));
    }

    private static void Load(MachineSnapshot s, Instruction instruction, int operand, Span<byte> bytes)
    {
        if (instruction.GetOpKind(operand) == OpKind.Memory)
        {
            s.Memory.AsSpan((int)instruction.MemoryDisplacement64, 32).CopyTo(bytes);
            return;
        }
        int x = Number(instruction.GetOpRegister(operand));
        BitConverter.TryWriteBytes(bytes, s.Xmm[x].Lo);
        BitConverter.TryWriteBytes(bytes[8..], s.Xmm[x].Hi);
        BitConverter.TryWriteBytes(bytes[16..], s.YmmHigh[x].Lo);
        BitConverter.TryWriteBytes(bytes[24..], s.YmmHigh[x].Hi);
    }

    private static int Number(Register register) => register.IsYMM() ? register - Register.YMM0 : register - Register.XMM0;
    /// <summary>
    /// Multiply-add triples (a, b, c) on the rounding thresholds, signs flipped at random: a product
    /// that overflows alone but not with the addend, ties and near-ties of 1 + tiny, tiny products
    /// meeting the smallest normal and denormals, massive cancellation of (1 + ε)² − 1.
    /// </summary>
    private static readonly (ulong A, ulong B, ulong C)[] s_thresholds64 =
    [
        (0x7FE0000000000000, 0x4000000000000000, 0xFFE0000000000000), // 2^1023 × 2 − 2^1023: only the unrounded product overflows
        (0x7FEFFFFFFFFFFFFF, 0x3FF0000000000001, 0xFCA0000000000000), // max × (1 + 2^-52) − 2^971: next to the overflow threshold
        (0x3FF0000000000001, 0x3FF0000000000001, 0xBFF0000000000000), // (1 + 2^-52)² − 1 = 2^-51 + 2^-104
        (0x3CA0000000000000, 0x3FF0000000000000, 0x3FF0000000000000), // 2^-53 + 1: a tie
        (0x3CA0000000000001, 0x3FF0000000000000, 0x3FF0000000000000), // just above the tie
        (0x2000000000000000, 0x2000000000000000, 0x0000000000000001), // 2^-1022 + the smallest denormal
        (0x1FF0000000000000, 0x1FF0000000000000, 0x8010000000000000), // 2^-1024 − 2^-1022: a denormal difference
        (0x0010000000000001, 0x3FE0000000000000, 0x8000000000000001), // tininess after rounding
        (0x1FFFFFFFFFFFFFFF, 0x1FFFFFFFFFFFFFFF, 0x0000000000000000), // a product just below the smallest normal, zero addend
    ];

    private static readonly (uint A, uint B, uint C)[] s_thresholds32 =
    [
        (0x7F000000, 0x40000000, 0xFF000000),
        (0x7F7FFFFF, 0x3F800001, 0xF3000000),
        (0x3F800001, 0x3F800001, 0xBF800000),
        (0x33800000, 0x3F800000, 0x3F800000),
        (0x33800001, 0x3F800000, 0x3F800000),
        (0x1F800000, 0x1F800000, 0x00000001),
        (0x1F000000, 0x1F800000, 0x80800000),
        (0x00800001, 0x3F000000, 0x80000001),
        (0x1FFFFFFF, 0x1FFFFFFF, 0x00000000),
    ];

    /// <summary>vfmadd231 and vfnmsub231 (sd and ss) on <see cref="s_thresholds64"/>/<see cref="s_thresholds32"/> under a random MXCSR.</summary>
    public static IEnumerable<SseOracle.Form> ThresholdForms()
    {
        foreach (bool wide in new[] { true, false })
        {
            string type = wide ? "sd" : "ss";
            yield return new SseOracle.Form(
                $"thresholds vfmadd231{type}, vfnmsub231{type}",
                a =>
                {
                    a.ldmxcsr(__dword_ptr[rdi + SseMxcsrTests.MxcsrIn]);
                    a.vmovaps(xmm4, xmm1);
                    if (wide)
                    {
                        a.vfmadd231sd(xmm1, xmm2, xmm3);
                        a.vfnmsub231sd(xmm4, xmm2, xmm3);
                    }
                    else
                    {
                        a.vfmadd231ss(xmm1, xmm2, xmm3);
                        a.vfnmsub231ss(xmm4, xmm2, xmm3);
                    }
                    a.stmxcsr(__dword_ptr[rdi + SseMxcsrTests.MxcsrOut]);
                },
                (s, random) =>
                {
                    ulong x, y, z, sign;
                    if (wide)
                    {
                        (x, y, z) = s_thresholds64[random.Next(s_thresholds64.Length)];
                        sign = 1UL << 63;
                    }
                    else
                    {
                        (uint p, uint q, uint r) = s_thresholds32[random.Next(s_thresholds32.Length)];
                        (x, y, z) = (p, q, r);
                        sign = 1u << 31;
                    }
                    if (random.Next(2) == 0)
                    {
                        (x, y) = (y, x);
                    }
                    x ^= random.Next(2) == 0 ? 0 : sign;
                    y ^= random.Next(2) == 0 ? 0 : sign;
                    z ^= random.Next(2) == 0 ? 0 : sign;
                    ulong keep = wide ? 0 : 0xFFFF_FFFF_0000_0000;
                    s.Xmm[2] = s.Xmm[2] with { Lo = (s.Xmm[2].Lo & keep) | x };
                    s.Xmm[3] = s.Xmm[3] with { Lo = (s.Xmm[3].Lo & keep) | y };
                    s.Xmm[1] = s.Xmm[1] with { Lo = (s.Xmm[1].Lo & keep) | z };
                    BitConverter.TryWriteBytes(s.Memory.AsSpan(SseMxcsrTests.MxcsrIn, 4), SseMxcsrTests.RandomMxcsr(random));
                });
        }
    }
}

using HvSim.HostOracle;
using Iced.Intel;

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
}

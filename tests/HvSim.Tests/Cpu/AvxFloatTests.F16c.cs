using HvSim.HostOracle;
using Iced.Intel;

namespace HvSim.Tests.Cpu;

/// <summary>
/// Inputs for the F16C forms of <see cref="AvxFloatTests"/>: binary16 specials and edges for
/// vcvtph2ps, and binary32 values in and around the binary16 range (its overflow threshold, its
/// smallest normal and denormals, halfway cases) for vcvtps2ph, in both register halves and memory.
/// </summary>
internal static class HalfInputs
{
    private static readonly ushort[] s_halfSpecials =
        [0x0000, 0x8000, 0x0001, 0x83FF, 0x0400, 0x7BFF, 0xFBFF, 0x7C00, 0xFC00, 0x7E00, 0xFE01, 0x7C01, 0x7D55, 0x3C00, 0x3555];

    /// <summary>Every register half and the memory operands filled with binary16 (vcvtph2ps) or half-range binary32 (vcvtps2ph) values.</summary>
    public static void Fill(MachineSnapshot s, Random random, Instruction instruction)
    {
        Func<ulong, ulong> lanes = instruction.Mnemonic == Mnemonic.Vcvtph2ps ? v => HalfLanes(v, random) : v => SingleLanes(v, random);
        for (int x = 0; x < MachineSnapshot.XmmCount; x++)
        {
            s.Xmm[x] = new Xmm128(lanes(s.Xmm[x].Lo), lanes(s.Xmm[x].Hi));
            s.YmmHigh[x] = new Xmm128(lanes(s.YmmHigh[x].Lo), lanes(s.YmmHigh[x].Hi));
        }
        for (int offset = AvxForms.Aligned; offset < AvxForms.Aligned + 0x38; offset += 8)
        {
            BitConverter.TryWriteBytes(s.Memory.AsSpan(offset, 8), lanes(BitConverter.ToUInt64(s.Memory, offset)));
        }
    }

    private static ulong HalfLanes(ulong value, Random random)
    {
        for (int lane = 0; lane < 4; lane++)
        {
            if (random.Next(4) == 0)
            {
                continue;
            }
            ulong half = random.Next(3) == 0 ? s_halfSpecials[random.Next(s_halfSpecials.Length)] : (ulong)random.Next(0x10000);
            value = (value & ~(0xFFFFUL << (lane * 16))) | (half << (lane * 16));
        }
        return value;
    }

    private static ulong SingleLanes(ulong value, Random random)
    {
        ulong low = random.Next(4) == 0 ? (uint)value : HalfRangeSingle(random);
        ulong high = random.Next(4) == 0 ? value >> 32 : HalfRangeSingle(random);
        return low | (high << 32);
    }

    /// <summary>A binary32 with a biased exponent from 100 (below the binary16 denormals) to 145 (past its overflow), few or many fraction bits.</summary>
    private static uint HalfRangeSingle(Random random)
    {
        uint sign = random.Next(2) == 0 ? 0 : 1u << 31;
        uint fraction = (uint)random.Next() & 0x7FFFFF;
        fraction = random.Next(3) switch
        {
            0 => fraction,
            1 => fraction & ~((1u << random.Next(10, 24)) - 1), // halfway and exact cases
            _ => random.Next(2) == 0 ? 0x7FE000u | (uint)random.Next(0x2000) : (uint)random.Next(0x2000),
        };
        return random.Next(8) switch
        {
            0 => sign | (fraction >> random.Next(23)), // binary32 denormal
            1 => sign | 0x7F80_0000u | (random.Next(2) == 0 ? 0 : fraction | 1), // ∞ or NaN
            _ => sign | ((uint)random.Next(100, 146) << 23) | fraction,
        };
    }
}

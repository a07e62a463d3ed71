using HvSim.HostOracle;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>
/// SSE floating point under a random MXCSR against the host CPU: every form of <see cref="SseFloatTests"/>
/// (and the SSE3/SSE4.1 arithmetic) runs between <c>ldmxcsr</c> of a random control word and
/// <c>stmxcsr</c>, both in the scratch block, so the compared end state includes the sticky flags.
/// Rounding mode, DAZ, FTZ and pre-set flags are random; exceptions stay masked (an unmasked one would
/// kill the test process natively; those are checked by guest programs, see SimdExceptionTests).
/// Inputs are drawn from values that exercise the exact arithmetic: denormals, the edges of the normal
/// range (underflow and overflow thresholds), halfway cases, NaNs of both kinds, infinities, zeros and
/// integer-conversion limits.
/// </summary>
public sealed class SseMxcsrTests
{
    /// <summary>Offsets in the scratch block of the MXCSR loaded before and stored after the code.</summary>
    internal const int MxcsrIn = 0xF0, MxcsrOut = 0xF4;

    private const int Cases = 120;

    private static readonly Dictionary<string, SseOracle.Form> s_forms = Build();

    public static TheoryData<string> Forms => new(s_forms.Keys);

    [Theory]
    [MemberData(nameof(Forms))]
    public void MatchesHost(string form) => SseOracle.Check(s_forms[form], Cases);

    private static Dictionary<string, SseOracle.Form> Build()
    {
        var forms = new Dictionary<string, SseOracle.Form>();
        foreach (SseOracle.Form f in SseFloatTests.Build().Forms.Concat(SseArithmetic41Forms().Forms))
        {
            int width = ElementWidth(f.Name);
            forms[f.Name] = new SseOracle.Form(
                "mxcsr " + f.Name,
                a =>
                {
                    a.ldmxcsr(__dword_ptr[rdi + MxcsrIn]);
                    f.Code(a);
                    a.stmxcsr(__dword_ptr[rdi + MxcsrOut]);
                },
                (s, random) =>
                {
                    f.Prepare?.Invoke(s, random);
                    FloatInputs(s, random, width);
                    BitConverter.TryWriteBytes(s.Memory.AsSpan(MxcsrIn, 4), RandomMxcsr(random));
                });
        }
        foreach (SseOracle.Form f in ThresholdForms())
        {
            forms[f.Name] = f;
        }
        return forms;
    }

    /// <summary>
    /// Operand pairs on the rounding thresholds (low lanes of xmm1 and xmm2, signs flipped at random):
    /// products and sums that are tiny only before or only after rounding, exactly halfway to the
    /// smallest normal or to zero, just past the largest finite value, narrowing conversions at the
    /// binary32 limits, integer conversions at the int32/int64 limits.
    /// </summary>
    private static readonly (ulong A, ulong B)[] s_thresholds64 =
    [
        (0x3FEFFFFFFFFFFFFF, 0x0010000000000000), // (1 − 2^-53) × min normal: tiny after rounding, rounds to min normal
        (0x3FE0000000000000, 0x0010000000000001), // half of just-above min normal: halfway case in the denormal range
        (0x3FE0000000000000, 0x0000000000000001), // half the smallest denormal: halfway to zero
        (0x3FF8000000000000, 0x0000000000000001), // 1.5 × smallest denormal
        (0x000FFFFFFFFFFFFF, 0x0000000000000001), // largest denormal + smallest: exactly min normal
        (0x7FEFFFFFFFFFFFFF, 0x3FF0000000000001), // max × (1 + 2^-52): overflow
        (0x7FEFFFFFFFFFFFFF, 0x7C9FFFFFFFFFFFFF), // max + half an ulp (below): rounds per mode
        (0x7FEFFFFFFFFFFFFF, 0x3FE0000000000000), // max ÷ 0.5: overflow
        (0x47EFFFFFE0000000, 0x47EFFFFFF0000000), // binary32 max, and halfway to 2^128 (narrowing)
        (0x36A0000000000000, 0x3690000000000000), // 2^-149 and 2^-150 (narrowing to the smallest binary32 denormal)
        (0x380FFFFFF0000000, 0x3810000000000000), // just below and at binary32 min normal
        (0x41DFFFFFFFFFFFFF, 0xC1E0000000100000), // int32 limits: 2^31 − ε and −2^31 − 2^-1
        (0x43DFFFFFFFFFFFFF, 0x43E0000000000000), // int64 limits: below 2^63 and 2^63
        (0x4330000000000001, 0x3FE0000000000001), // 2^52 + 1 and 0.5 + ε: rounding to integers
    ];

    private static readonly (uint A, uint B)[] s_thresholds32 =
    [
        (0x3F7FFFFF, 0x00800000), // (1 − 2^-24) × min normal
        (0x3F000000, 0x00800001),
        (0x3F000000, 0x00000001),
        (0x3FC00000, 0x00000001),
        (0x007FFFFF, 0x00000001),
        (0x7F7FFFFF, 0x3F800001),
        (0x7F7FFFFF, 0x737FFFFF),
        (0x7F7FFFFF, 0x3F000000),
        (0x4EFFFFFF, 0xCF000001), // int32 limits
        (0x5EFFFFFF, 0x5F000000), // int64 limits
        (0x4B000001, 0x3F000001),
    ];

    private static IEnumerable<SseOracle.Form> ThresholdForms()
    {
        string[] doubles = ["addsd", "subsd", "mulsd", "divsd", "sqrtsd", "minsd", "cvtsd2ss", "comisd", "cvtsd2si", "cvttsd2si", "roundsd"];
        string[] singles = ["addss", "subss", "mulss", "divss", "sqrtss", "maxss", "cvtss2sd", "ucomiss", "cvtss2si", "cvttss2si", "roundss"];
        foreach (string mnemonic in doubles.Concat(singles))
        {
            bool wide = doubles.Contains(mnemonic);
            yield return new SseOracle.Form(
                $"thresholds {mnemonic}",
                a =>
                {
                    a.ldmxcsr(__dword_ptr[rdi + MxcsrIn]);
                    ThresholdInstruction(a, mnemonic);
                    a.stmxcsr(__dword_ptr[rdi + MxcsrOut]);
                },
                (s, random) =>
                {
                    ulong x, y;
                    if (wide)
                    {
                        (x, y) = s_thresholds64[random.Next(s_thresholds64.Length)];
                        x |= random.Next(2) == 0 ? 0 : 1UL << 63;
                        y |= random.Next(2) == 0 ? 0 : 1UL << 63;
                    }
                    else
                    {
                        (uint p, uint q) = s_thresholds32[random.Next(s_thresholds32.Length)];
                        x = p | (random.Next(2) == 0 ? 0 : 1u << 31);
                        y = q | (random.Next(2) == 0 ? 0 : 1u << 31);
                    }
                    if (random.Next(2) == 0)
                    {
                        (x, y) = (y, x);
                    }
                    s.Xmm[1] = s.Xmm[1] with { Lo = (s.Xmm[1].Lo & (wide ? 0 : 0xFFFF_FFFF_0000_0000)) | x };
                    s.Xmm[2] = s.Xmm[2] with { Lo = (s.Xmm[2].Lo & (wide ? 0 : 0xFFFF_FFFF_0000_0000)) | y };
                    BitConverter.TryWriteBytes(s.Memory.AsSpan(MxcsrIn, 4), RandomMxcsr(random));
                });
        }
    }

    private static void ThresholdInstruction(Assembler a, string mnemonic)
    {
        switch (mnemonic)
        {
            case "addsd": a.addsd(xmm1, xmm2); break;
            case "subsd": a.subsd(xmm1, xmm2); break;
            case "mulsd": a.mulsd(xmm1, xmm2); break;
            case "divsd": a.divsd(xmm1, xmm2); break;
            case "sqrtsd": a.sqrtsd(xmm1, xmm2); break;
            case "minsd": a.minsd(xmm1, xmm2); break;
            case "cvtsd2ss": a.cvtsd2ss(xmm1, xmm2); break;
            case "comisd": a.comisd(xmm1, xmm2); break;
            case "cvtsd2si": a.cvtsd2si(rax, xmm2); a.cvtsd2si(ecx, xmm1); break;
            case "cvttsd2si": a.cvttsd2si(rax, xmm2); a.cvttsd2si(ecx, xmm1); break;
            case "roundsd": a.roundsd(xmm1, xmm2, 4); a.roundsd(xmm3, xmm1, 2); break;
            case "addss": a.addss(xmm1, xmm2); break;
            case "subss": a.subss(xmm1, xmm2); break;
            case "mulss": a.mulss(xmm1, xmm2); break;
            case "divss": a.divss(xmm1, xmm2); break;
            case "sqrtss": a.sqrtss(xmm1, xmm2); break;
            case "maxss": a.maxss(xmm1, xmm2); break;
            case "cvtss2sd": a.cvtss2sd(xmm1, xmm2); break;
            case "ucomiss": a.ucomiss(xmm1, xmm2); break;
            case "cvtss2si": a.cvtss2si(rax, xmm2); a.cvtss2si(ecx, xmm1); break;
            case "cvttss2si": a.cvttss2si(rax, xmm2); a.cvttss2si(ecx, xmm1); break;
            default: a.roundss(xmm1, xmm2, 4); a.roundss(xmm3, xmm1, 1); break;
        }
    }

    /// <summary>SSE3 and SSE4.1 floating-point arithmetic (a third of the random MXCSRs are the default control).</summary>
    internal static SseFormList SseArithmetic41Forms()
    {
        var l = new SseFormList();
        l.XmmM128("addsubps", (a, d, s) => a.addsubps(d, s), (a, d, m) => a.addsubps(d, m));
        l.XmmM128("addsubpd", (a, d, s) => a.addsubpd(d, s), (a, d, m) => a.addsubpd(d, m));
        l.XmmM128("haddps", (a, d, s) => a.haddps(d, s), (a, d, m) => a.haddps(d, m));
        l.XmmM128("haddpd", (a, d, s) => a.haddpd(d, s), (a, d, m) => a.haddpd(d, m));
        l.XmmM128("hsubps", (a, d, s) => a.hsubps(d, s), (a, d, m) => a.hsubps(d, m));
        l.XmmM128("hsubpd", (a, d, s) => a.hsubpd(d, s), (a, d, m) => a.hsubpd(d, m));
        l.XmmM128Imm("dpps", (a, d, s, i) => a.dpps(d, s, i), (a, d, m, i) => a.dpps(d, m, i), 0xFF, 0x31, 0xE5, 0x7A, 0x0F);
        l.XmmM128Imm("dppd", (a, d, s, i) => a.dppd(d, s, i), (a, d, m, i) => a.dppd(d, m, i), 0x33, 0x31, 0x12, 0x23, 0xFF);
        byte[] modes = [0, 1, 2, 3, 4, 8, 9, 0xA, 0xB, 0xC];
        l.XmmM128Imm("roundps", (a, d, s, i) => a.roundps(d, s, i), (a, d, m, i) => a.roundps(d, m, i), modes);
        l.XmmM128Imm("roundpd", (a, d, s, i) => a.roundpd(d, s, i), (a, d, m, i) => a.roundpd(d, m, i), modes);
        foreach (byte i in modes)
        {
            l.Add($"roundss xmm1, xmm2, {i}", a => a.roundss(xmm1, xmm2, i));
            l.Add($"roundss xmm9, [rdi+U], {i}", a => a.roundss(xmm9, __dword_ptr[rdi + SseFormList.Unaligned], i));
            l.Add($"roundsd xmm1, xmm2, {i}", a => a.roundsd(xmm1, xmm2, i));
            l.Add($"roundsd xmm9, [rdi+U], {i}", a => a.roundsd(xmm9, __qword_ptr[rdi + SseFormList.Unaligned], i));
        }
        return l;
    }

    /// <summary>
    /// Random MXCSR with every exception masked: a third keep the default control (the interpreter's
    /// fast path), the rest get a random rounding mode, DAZ and FTZ; some start with sticky flags set.
    /// </summary>
    internal static uint RandomMxcsr(Random random)
    {
        uint value = 0x1F80;
        if (random.Next(3) != 0)
        {
            value |= (uint)random.Next(4) << 13;
            value |= random.Next(3) == 0 ? 0x40u : 0;
            value |= random.Next(3) == 0 ? 0x8000u : 0;
        }
        if (random.Next(3) == 0)
        {
            value |= (uint)random.Next(64);
        }
        return value;
    }

    /// <summary>The element width the mnemonic reads (4 or 8), or 0 for integer sources.</summary>
    private static int ElementWidth(string name)
    {
        string mnemonic = name.Split(' ')[0];
        string type = mnemonic.StartsWith("cvt", StringComparison.Ordinal) ? mnemonic[(mnemonic.IndexOf('2') - 2)..mnemonic.IndexOf('2')] : mnemonic[^2..];
        return type switch
        {
            "ps" or "ss" => 4,
            "pd" or "sd" => 8,
            _ => 0,
        };
    }

    /// <summary>Overwrites most lanes of every XMM register and of the memory operands with <see cref="Interesting"/> values.</summary>
    private static void FloatInputs(MachineSnapshot s, Random random, int width)
    {
        if (width == 0)
        {
            return;
        }
        // Operands often share an exponent region so sums and products land on thresholds.
        int region = random.Next(4);
        for (int x = 0; x < MachineSnapshot.XmmCount; x++)
        {
            ulong lo = s.Xmm[x].Lo, hi = s.Xmm[x].Hi;
            lo = Lanes(lo, random, width, region);
            hi = Lanes(hi, random, width, region);
            s.Xmm[x] = new Xmm128(lo, hi);
        }
        foreach (int offset in (int[])[SseFormList.Aligned, SseFormList.Aligned + 8, SseFormList.Unaligned])
        {
            ulong value = Lanes(BitConverter.ToUInt64(s.Memory, offset), random, width, region);
            BitConverter.TryWriteBytes(s.Memory.AsSpan(offset, 8), value);
        }
    }

    internal static ulong Lanes(ulong value, Random random, int width, int region)
    {
        if (width == 8)
        {
            return random.Next(6) == 0 ? value : Interesting64(random, region);
        }
        ulong low = random.Next(6) == 0 ? (uint)value : Interesting32(random, region);
        ulong high = random.Next(6) == 0 ? value >> 32 : Interesting32(random, region);
        return low | (high << 32);
    }

    private static ulong Interesting64(Random random, int region)
    {
        ulong sign = random.Next(2) == 0 ? 0 : 1UL << 63;
        ulong fraction = (ulong)random.NextInt64() & ((1UL << 52) - 1);
        fraction = random.Next(3) switch
        {
            0 => fraction,
            1 => fraction & ~((1UL << random.Next(53)) - 1), // few significant bits: exact results, halfway cases
            _ => random.Next(2) == 0 ? 0 : (1UL << 52) - 1 - (ulong)random.Next(3),
        };
        return random.Next(10) switch
        {
            0 => sign | Pick<ulong>(random, 0x7FF0_0000_0000_0000UL, 0x7FF8_0000_0000_0000UL, 0x7FF0_0000_0000_0000UL | (fraction | 1) >> 1, 0x7FF8_0000_0000_0000UL | fraction, 0),
            1 => sign | (fraction >> random.Next(52)), // denormal
            2 => BitConverter.DoubleToUInt64Bits(Pick(random, 2147483647.5, 2147483648.0, -2147483648.5, -2147483649.0, 9.2233720368547758e18, -9.2233720368547758e18, 0.5, 1.5, 2.5, -0.5, 4503599627370495.5, 1e300)),
            _ => sign | ((ulong)Exponent64(random, region) << 52) | fraction,
        };
    }

    private static ulong Interesting32(Random random, int region)
    {
        uint sign = random.Next(2) == 0 ? 0 : 1u << 31;
        uint fraction = (uint)random.Next() & ((1u << 23) - 1);
        fraction = random.Next(3) switch
        {
            0 => fraction,
            1 => fraction & ~((1u << random.Next(24)) - 1),
            _ => random.Next(2) == 0 ? 0 : (1u << 23) - 1 - (uint)random.Next(3),
        };
        return random.Next(10) switch
        {
            0 => sign | Pick<uint>(random, 0x7F80_0000u, 0x7FC0_0000u, 0x7F80_0000u | (fraction | 1) >> 1, 0x7FC0_0000u | fraction, 0u),
            1 => sign | (fraction >> random.Next(23)),
            2 => BitConverter.SingleToUInt32Bits(Pick(random, 2147483648f, -2147483648f, 2147483520f, 9.2233720e18f, -9.223372e18f, 0.5f, 1.5f, 2.5f, -0.5f, 8388607.5f, 1e38f)),
            _ => sign | ((uint)Exponent32(random, region) << 23) | fraction,
        };
    }

    /// <summary>Biased exponent by region: 0 near 1, 1 near the denormal boundary, 2 near overflow, 3 anywhere.</summary>
    private static int Exponent64(Random random, int region) => region switch
    {
        0 => 1023 + random.Next(-4, 5),
        1 => random.Next(1, 60),
        2 => random.Next(0x7FE - 40, 0x7FF),
        _ => random.Next(1, 0x7FF),
    };

    private static int Exponent32(Random random, int region) => region switch
    {
        0 => 127 + random.Next(-4, 5),
        1 => random.Next(1, 30),
        2 => random.Next(0xFE - 20, 0xFF),
        _ => random.Next(1, 0xFF),
    };

    private static T Pick<T>(Random random, params T[] values) => values[random.Next(values.Length)];
}

using HvSim.HostOracle;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>
/// The VEX floating-point instructions (AVX arithmetic, compares, conversions; FMA; F16C) against the
/// host CPU under a random MXCSR: every VEX code of each mnemonic (128 and 256 bits, register and
/// memory, aligned and misaligned, several imm8, from <see cref="AvxForms"/>) runs between
/// <c>ldmxcsr</c> and <c>stmxcsr</c> (as <see cref="SseMxcsrTests"/>), with float inputs drawn from
/// the interesting values of <see cref="SseMxcsrTests.Lanes"/> (NaNs of both kinds, infinities,
/// zeros, denormals, the underflow and overflow thresholds, conversion limits) in both halves of
/// every register and in the memory operands. The compared end state includes bits 255:128 and the
/// sticky flags. Exceptions stay masked here (an unmasked one would kill the test process); the
/// trapping behaviour is in <see cref="AvxFloatExceptionTests"/>.
/// </summary>
public sealed class AvxFloatTests
{
    /// <summary>Random inputs per form: the forms are many (every code, operand pattern and imm8).</summary>
    private const int Cases = 64;

    private static readonly byte[] NoImm = [0];
    private static readonly byte[] Predicates = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] RoundModes = [0, 1, 2, 3, 4, 8, 9, 0xA, 0xB, 0xC];

    private static readonly Dictionary<string, (Mnemonic Mnemonic, byte[] Imms, Action<MachineSnapshot, Random, Instruction>? After)> s_mnemonics = Build();

    public static TheoryData<string> Mnemonics => new(s_mnemonics.Keys);

    [Theory]
    [MemberData(nameof(Mnemonics))]
    public void MatchesHost(string mnemonic)
    {
        var (m, imms, after) = s_mnemonics[mnemonic];
        int width = ElementWidth(mnemonic);
        foreach (SseOracle.Form form in AvxForms.Of(m, imms))
        {
            Instruction instruction = Decode(form);
            SseOracle.Check(UnderRandomMxcsr(form, width, after is null ? null : (s, r) => after(s, r, instruction)), Cases);
        }
    }

    /// <summary>The FMA threshold triples, 200 random MXCSRs and sign patterns each.</summary>
    [Fact]
    public void FmaThresholdsMatchHost()
    {
        foreach (SseOracle.Form form in FmaInputs.ThresholdForms())
        {
            SseOracle.Check(form, 200);
        }
    }

    private static Instruction Decode(SseOracle.Form form)
    {
        byte[] code = CodeEncoder.Encode(form.Code);
        return Decoder.Create(64, new ByteArrayCodeReader(code)).Decode();
    }

    private static Dictionary<string, (Mnemonic, byte[], Action<MachineSnapshot, Random, Instruction>?)> Build()
    {
        var d = new Dictionary<string, (Mnemonic, byte[], Action<MachineSnapshot, Random, Instruction>?)>();
        void AddWith(Action<MachineSnapshot, Random, Instruction>? after, byte[] imms, IEnumerable<Mnemonic> mnemonics)
        {
            foreach (Mnemonic m in mnemonics)
            {
                d.Add(m.ToString().ToLowerInvariant(), (m, imms, after));
            }
        }
        void Add(byte[] imms, params Mnemonic[] mnemonics) => AddWith(null, imms, mnemonics);

        Add(NoImm,
            Mnemonic.Vaddps, Mnemonic.Vaddpd, Mnemonic.Vaddss, Mnemonic.Vaddsd, Mnemonic.Vsubps, Mnemonic.Vsubpd, Mnemonic.Vsubss, Mnemonic.Vsubsd,
            Mnemonic.Vmulps, Mnemonic.Vmulpd, Mnemonic.Vmulss, Mnemonic.Vmulsd, Mnemonic.Vdivps, Mnemonic.Vdivpd, Mnemonic.Vdivss, Mnemonic.Vdivsd,
            Mnemonic.Vminps, Mnemonic.Vminpd, Mnemonic.Vminss, Mnemonic.Vminsd, Mnemonic.Vmaxps, Mnemonic.Vmaxpd, Mnemonic.Vmaxss, Mnemonic.Vmaxsd,
            Mnemonic.Vsqrtps, Mnemonic.Vsqrtpd, Mnemonic.Vsqrtss, Mnemonic.Vsqrtsd,
            Mnemonic.Vcomiss, Mnemonic.Vcomisd, Mnemonic.Vucomiss, Mnemonic.Vucomisd,
            Mnemonic.Vhaddps, Mnemonic.Vhaddpd, Mnemonic.Vhsubps, Mnemonic.Vhsubpd, Mnemonic.Vaddsubps, Mnemonic.Vaddsubpd,
            Mnemonic.Vrcpps, Mnemonic.Vrcpss, Mnemonic.Vrsqrtps, Mnemonic.Vrsqrtss,
            Mnemonic.Vcvtdq2ps, Mnemonic.Vcvtps2dq, Mnemonic.Vcvttps2dq, Mnemonic.Vcvtdq2pd, Mnemonic.Vcvtpd2dq, Mnemonic.Vcvttpd2dq,
            Mnemonic.Vcvtps2pd, Mnemonic.Vcvtpd2ps, Mnemonic.Vcvtss2sd, Mnemonic.Vcvtsd2ss,
            Mnemonic.Vcvtsi2ss, Mnemonic.Vcvtsi2sd, Mnemonic.Vcvtss2si, Mnemonic.Vcvtsd2si, Mnemonic.Vcvttss2si, Mnemonic.Vcvttsd2si);
        Add(Predicates, Mnemonic.Vcmpps, Mnemonic.Vcmppd, Mnemonic.Vcmpss, Mnemonic.Vcmpsd);
        Add([0xFF, 0x31, 0xE5, 0x7A, 0x0F], Mnemonic.Vdpps);
        Add([0x33, 0x31, 0x12, 0x23, 0xFF], Mnemonic.Vdppd);
        Add(RoundModes, Mnemonic.Vroundps, Mnemonic.Vroundpd, Mnemonic.Vroundss, Mnemonic.Vroundsd);
        AddWith(FmaInputs.NearCancellation, NoImm, FmaInputs.Mnemonics());
        AddWith(HalfInputs.Fill, NoImm, [Mnemonic.Vcvtph2ps]);
        AddWith(HalfInputs.Fill, [0, 1, 2, 3, 4, 7, 0xF8, 0x0B], [Mnemonic.Vcvtps2ph]);
        return d;
    }

    /// <summary>The element width the mnemonic's vector source holds (4 or 8), or 0 for integer sources.</summary>
    private static int ElementWidth(string mnemonic)
    {
        string type = mnemonic.StartsWith("vcvt", StringComparison.Ordinal) ? mnemonic[(mnemonic.IndexOf('2') - 2)..mnemonic.IndexOf('2')] : mnemonic[^2..];
        return type switch
        {
            "ps" or "ss" => 4,
            "pd" or "sd" => 8,
            _ => 0,
        };
    }

    /// <summary>The form between ldmxcsr and stmxcsr of a random masked control word, with float inputs of <paramref name="width"/>.</summary>
    internal static SseOracle.Form UnderRandomMxcsr(SseOracle.Form form, int width, Action<MachineSnapshot, Random>? after = null) => new(
        "mxcsr " + form.Name,
        a =>
        {
            a.ldmxcsr(__dword_ptr[rdi + SseMxcsrTests.MxcsrIn]);
            form.Code(a);
            a.stmxcsr(__dword_ptr[rdi + SseMxcsrTests.MxcsrOut]);
        },
        (s, random) =>
        {
            form.Prepare?.Invoke(s, random);
            FloatInputs(s, random, width);
            after?.Invoke(s, random);
            BitConverter.TryWriteBytes(s.Memory.AsSpan(SseMxcsrTests.MxcsrIn, 4), SseMxcsrTests.RandomMxcsr(random));
        });

    /// <summary>Interesting values in both halves of every register and in the 32 bytes at each memory operand offset.</summary>
    internal static void FloatInputs(MachineSnapshot s, Random random, int width)
    {
        if (width == 0)
        {
            return;
        }
        int region = random.Next(4);
        for (int x = 0; x < MachineSnapshot.XmmCount; x++)
        {
            s.Xmm[x] = new Xmm128(SseMxcsrTests.Lanes(s.Xmm[x].Lo, random, width, region), SseMxcsrTests.Lanes(s.Xmm[x].Hi, random, width, region));
            s.YmmHigh[x] = new Xmm128(SseMxcsrTests.Lanes(s.YmmHigh[x].Lo, random, width, region), SseMxcsrTests.Lanes(s.YmmHigh[x].Hi, random, width, region));
        }
        // The aligned and misaligned operands overlap: either may be the one whose lanes stay whole.
        int[] bases = random.Next(2) == 0 ? [AvxForms.Aligned, AvxForms.Unaligned] : [AvxForms.Unaligned, AvxForms.Aligned];
        foreach (int start in bases)
        {
            for (int offset = start; offset < start + 32; offset += 8)
            {
                ulong value = SseMxcsrTests.Lanes(BitConverter.ToUInt64(s.Memory, offset), random, width, region);
                BitConverter.TryWriteBytes(s.Memory.AsSpan(offset, 8), value);
            }
        }
    }
}

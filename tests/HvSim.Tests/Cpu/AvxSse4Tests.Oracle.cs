using HvSim.HostOracle;
using Iced.Intel;

namespace HvSim.Tests.Cpu;

/// <summary>
/// The VEX forms of SSSE3, SSE4.1, SSE4.2 and PCLMULQDQ against the host CPU: every VEX code Iced
/// knows for each mnemonic (VEX.128 and, where AVX2 has it, VEX.256; register and memory, aligned
/// and misaligned; GPR and memory destinations of the extracts), with the imm8 values that pick
/// different behaviour, and random bits 255:128 in every register so that the VEX.128 zeroing and
/// the upper lanes are compared. (The packed string compares also run over all 256 imm8 values
/// with string-like operands in <see cref="Sse4StringCompareTests"/>.)
/// </summary>
public sealed class AvxSse4OracleTests
{
    /// <summary>Random inputs per form: each mnemonic has many forms, each a small variation of its neighbours.</summary>
    private const int Cases = 24;

    private static readonly byte[] None = [0];

    // The first three of each list also go to the memory forms (AvxForms), so they differ most.
    private static readonly byte[] ByteAligns = [5, 17, 32, 0, 1, 8, 15, 16, 24, 31, 0xFF];
    private static readonly byte[] WordBlends = [0xA5, 0x00, 0xFF, 0x5A, 0x01, 0x80, 0x3C];
    // vmpsadbw: imm8[2:0] (and, for the upper lane, imm8[5:3]) take all eight values.
    private static readonly byte[] SadBlocks = [0x2B, 0x3F, 0x00, 0x05, 0x02, 0x07, 0x18, 0x1D, 0x24, 0xC4, 0x31, 0x0E, 0x16, 0x09];
    private static readonly byte[] Elements = [0x0B, 0xFE, 0x31, 0, 1, 2, 3, 5, 7, 15];
    private static readonly byte[] InsertControls = [0x5A, 0xC3, 0x10, 0x00, 0x30, 0x4E, 0xB1, 0xFF, 0x0F, 0x81, 0xE0, 0x64];
    private static readonly byte[] QwordSelects = [0x11, 0x00, 0x10, 0x01, 0xEE, 0xFF];
    private static readonly byte[] StringControls = [0x0C, 0x44, 0x1A, 0x00, 0x7F, 0x38, 0x65];

    private static readonly Dictionary<string, (Mnemonic Mnemonic, byte[] Imms)> s_mnemonics = Build();

    public static TheoryData<string> Mnemonics => new(s_mnemonics.Keys);

    [Theory]
    [MemberData(nameof(Mnemonics))]
    public void MatchesHost(string mnemonic)
    {
        var (m, imms) = s_mnemonics[mnemonic];
        foreach (SseOracle.Form form in AvxForms.Of(m, imms))
        {
            // vpclmulqdq's VEX.256 form is the VPCLMULQDQ extension (not AVX2), which stays #UD.
            if (m == Mnemonic.Vpclmulqdq && form.Name.Contains("ymm", StringComparison.Ordinal))
            {
                continue;
            }
            SseOracle.Check(form, Cases);
        }
    }

    private static Dictionary<string, (Mnemonic, byte[])> Build()
    {
        var d = new Dictionary<string, (Mnemonic, byte[])>();
        void Add(byte[] imms, params Mnemonic[] mnemonics)
        {
            foreach (Mnemonic m in mnemonics)
            {
                d.Add(m.ToString().ToLowerInvariant(), (m, imms));
            }
        }

        Add(None,
            Mnemonic.Vpshufb, Mnemonic.Vphaddw, Mnemonic.Vphaddd, Mnemonic.Vphaddsw, Mnemonic.Vphsubw, Mnemonic.Vphsubd, Mnemonic.Vphsubsw,
            Mnemonic.Vpmaddubsw, Mnemonic.Vpmulhrsw, Mnemonic.Vpsignb, Mnemonic.Vpsignw, Mnemonic.Vpsignd,
            Mnemonic.Vpabsb, Mnemonic.Vpabsw, Mnemonic.Vpabsd,
            Mnemonic.Vpminsb, Mnemonic.Vpminsd, Mnemonic.Vpminuw, Mnemonic.Vpminud, Mnemonic.Vpmaxsb, Mnemonic.Vpmaxsd, Mnemonic.Vpmaxuw, Mnemonic.Vpmaxud,
            Mnemonic.Vpmulld, Mnemonic.Vpmuldq, Mnemonic.Vpcmpeqq, Mnemonic.Vpcmpgtq, Mnemonic.Vpackusdw, Mnemonic.Vphminposuw,
            Mnemonic.Vpmovsxbw, Mnemonic.Vpmovsxbd, Mnemonic.Vpmovsxbq, Mnemonic.Vpmovsxwd, Mnemonic.Vpmovsxwq, Mnemonic.Vpmovsxdq,
            Mnemonic.Vpmovzxbw, Mnemonic.Vpmovzxbd, Mnemonic.Vpmovzxbq, Mnemonic.Vpmovzxwd, Mnemonic.Vpmovzxwq, Mnemonic.Vpmovzxdq);
        Add(ByteAligns, Mnemonic.Vpalignr);
        Add(WordBlends, Mnemonic.Vpblendw);
        Add(SadBlocks, Mnemonic.Vmpsadbw);
        Add(Elements, Mnemonic.Vpinsrb, Mnemonic.Vpinsrd, Mnemonic.Vpinsrq, Mnemonic.Vpextrb, Mnemonic.Vpextrd, Mnemonic.Vpextrq, Mnemonic.Vextractps);
        Add(InsertControls, Mnemonic.Vinsertps);
        Add(QwordSelects, Mnemonic.Vpclmulqdq);
        Add(StringControls,
            Mnemonic.Vpcmpestri, Mnemonic.Vpcmpestri64, Mnemonic.Vpcmpestrm, Mnemonic.Vpcmpestrm64, Mnemonic.Vpcmpistri, Mnemonic.Vpcmpistrm);
        return d;
    }
}

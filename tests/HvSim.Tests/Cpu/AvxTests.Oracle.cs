using HvSim.HostOracle;
using Iced.Intel;

namespace HvSim.Tests.Cpu;

/// <summary>
/// Every VEX integer, logic, move, shuffle, permute and blend mnemonic the interpreter implements,
/// in every VEX code Iced knows for it (128 and 256 bits, register and memory, several imm8), against
/// the host CPU, with random bits 255:128 in every register so that both the VEX.128 zeroing and
/// the 256-bit upper lanes are compared.
/// </summary>
public sealed class AvxOracleTests
{
    /// <summary>Random inputs per form: the forms are many, and each is a small variation of its neighbours.</summary>
    private const int Cases = 24;

    private static readonly byte[] Shuffles = [0x00, 0x1B, 0xE4, 0x4E, 0xB1, 0x93, 0xFF];
    private static readonly byte[] ShiftCounts = [0, 1, 7, 15, 16, 31, 32, 63, 64, 255];
    private static readonly byte[] ByteShifts = [0, 1, 3, 8, 15, 16, 200];
    private static readonly byte[] LaneSelects = [0x00, 0x01, 0x02, 0x03, 0x08, 0x80, 0x31, 0x20, 0x13, 0x88, 0x2A];

    private static readonly Dictionary<string, (Mnemonic Mnemonic, byte[] Imms, Action<MachineSnapshot, Random, Instruction>? Prepare)> s_mnemonics = Build();

    public static TheoryData<string> Mnemonics => new(s_mnemonics.Keys);

    [Theory]
    [MemberData(nameof(Mnemonics))]
    public void MatchesHost(string mnemonic)
    {
        var (m, imms, prepare) = s_mnemonics[mnemonic];
        foreach (SseOracle.Form form in AvxForms.Of(m, imms, prepare))
        {
            SseOracle.Check(form, Cases);
        }
    }

    private static Dictionary<string, (Mnemonic, byte[], Action<MachineSnapshot, Random, Instruction>?)> Build()
    {
        var d = new Dictionary<string, (Mnemonic, byte[], Action<MachineSnapshot, Random, Instruction>?)>();
        void Add(byte[] imms, Action<MachineSnapshot, Random, Instruction>? prepare, params Mnemonic[] mnemonics)
        {
            foreach (Mnemonic m in mnemonics)
            {
                d.Add(m.ToString().ToLowerInvariant(), (m, imms, prepare));
            }
        }

        Add(Shuffles, null,
            Mnemonic.Vpand, Mnemonic.Vandps, Mnemonic.Vandpd, Mnemonic.Vpandn, Mnemonic.Vandnps, Mnemonic.Vandnpd,
            Mnemonic.Vpor, Mnemonic.Vorps, Mnemonic.Vorpd, Mnemonic.Vpxor, Mnemonic.Vxorps, Mnemonic.Vxorpd,
            Mnemonic.Vpaddb, Mnemonic.Vpaddw, Mnemonic.Vpaddd, Mnemonic.Vpaddq, Mnemonic.Vpsubb, Mnemonic.Vpsubw, Mnemonic.Vpsubd, Mnemonic.Vpsubq,
            Mnemonic.Vpaddsb, Mnemonic.Vpaddsw, Mnemonic.Vpaddusb, Mnemonic.Vpaddusw, Mnemonic.Vpsubsb, Mnemonic.Vpsubsw, Mnemonic.Vpsubusb, Mnemonic.Vpsubusw,
            Mnemonic.Vpmullw, Mnemonic.Vpmulhw, Mnemonic.Vpmulhuw, Mnemonic.Vpmuludq, Mnemonic.Vpmaddwd, Mnemonic.Vpsadbw, Mnemonic.Vpavgb, Mnemonic.Vpavgw,
            Mnemonic.Vpminub, Mnemonic.Vpmaxub, Mnemonic.Vpminsw, Mnemonic.Vpmaxsw,
            Mnemonic.Vpcmpeqb, Mnemonic.Vpcmpeqw, Mnemonic.Vpcmpeqd, Mnemonic.Vpcmpgtb, Mnemonic.Vpcmpgtw, Mnemonic.Vpcmpgtd,
            Mnemonic.Vpunpcklbw, Mnemonic.Vpunpcklwd, Mnemonic.Vpunpckldq, Mnemonic.Vpunpcklqdq, Mnemonic.Vpunpckhbw, Mnemonic.Vpunpckhwd,
            Mnemonic.Vpunpckhdq, Mnemonic.Vpunpckhqdq, Mnemonic.Vunpcklps, Mnemonic.Vunpcklpd, Mnemonic.Vunpckhps, Mnemonic.Vunpckhpd,
            Mnemonic.Vpacksswb, Mnemonic.Vpackssdw, Mnemonic.Vpackuswb,
            Mnemonic.Vpshufd, Mnemonic.Vpshuflw, Mnemonic.Vpshufhw, Mnemonic.Vshufps,
            Mnemonic.Vpbroadcastb, Mnemonic.Vpbroadcastw, Mnemonic.Vpbroadcastd, Mnemonic.Vpbroadcastq,
            Mnemonic.Vbroadcastss, Mnemonic.Vbroadcastsd, Mnemonic.Vbroadcasti128, Mnemonic.Vbroadcastf128,
            Mnemonic.Vpermd, Mnemonic.Vpermps, Mnemonic.Vpermq, Mnemonic.Vpermpd, Mnemonic.Vpermilps, Mnemonic.Vpermilpd,
            Mnemonic.Vpblendd, Mnemonic.Vblendps, Mnemonic.Vpblendvb, Mnemonic.Vblendvps, Mnemonic.Vblendvpd,
            Mnemonic.Vmovddup, Mnemonic.Vmovsldup, Mnemonic.Vmovshdup,
            Mnemonic.Vmovdqa, Mnemonic.Vmovaps, Mnemonic.Vmovapd, Mnemonic.Vmovdqu, Mnemonic.Vmovups, Mnemonic.Vmovupd, Mnemonic.Vlddqu,
            Mnemonic.Vmovntdq, Mnemonic.Vmovntps, Mnemonic.Vmovntpd, Mnemonic.Vmovntdqa,
            Mnemonic.Vmovq, Mnemonic.Vmovd, Mnemonic.Vmovss, Mnemonic.Vmovsd, Mnemonic.Vmovhps, Mnemonic.Vmovhpd, Mnemonic.Vmovlps, Mnemonic.Vmovlpd,
            Mnemonic.Vmovhlps, Mnemonic.Vmovlhps, Mnemonic.Vpmovmskb, Mnemonic.Vmovmskps, Mnemonic.Vmovmskpd,
            Mnemonic.Vpextrw, Mnemonic.Vpinsrw, Mnemonic.Vmaskmovdqu, Mnemonic.Vzeroupper, Mnemonic.Vzeroall,
            Mnemonic.Vptest, Mnemonic.Vtestps, Mnemonic.Vtestpd,
            Mnemonic.Vmaskmovps, Mnemonic.Vmaskmovpd, Mnemonic.Vpmaskmovd, Mnemonic.Vpmaskmovq, Mnemonic.Vstmxcsr);
        Add([0, 1, 2, 3, 0xFC, 0x05, 0x0A], null, Mnemonic.Vshufpd, Mnemonic.Vblendpd);
        Add([0, 1, 0xFE, 0xFF], null, Mnemonic.Vinserti128, Mnemonic.Vinsertf128, Mnemonic.Vextracti128, Mnemonic.Vextractf128);
        Add(LaneSelects, null, Mnemonic.Vperm2i128, Mnemonic.Vperm2f128);
        Add(ByteShifts, null, Mnemonic.Vpslldq, Mnemonic.Vpsrldq);
        foreach (Mnemonic shift in new[] { Mnemonic.Vpsllw, Mnemonic.Vpslld, Mnemonic.Vpsllq, Mnemonic.Vpsrlw, Mnemonic.Vpsrld, Mnemonic.Vpsrlq, Mnemonic.Vpsraw, Mnemonic.Vpsrad })
        {
            Add(ShiftCounts, (s, r, i) =>
            {
                if (i.OpCount == 3 && i.Op2Kind != OpKind.Immediate8)
                {
                    AvxForms.SmallCounts(s, r, i, 2, 8);
                }
            }, shift);
        }
        Add(Shuffles, (s, r, i) => AvxForms.SmallCounts(s, r, i, 2, 4), Mnemonic.Vpsllvd, Mnemonic.Vpsrlvd, Mnemonic.Vpsravd);
        Add(Shuffles, (s, r, i) => AvxForms.SmallCounts(s, r, i, 2, 8), Mnemonic.Vpsllvq, Mnemonic.Vpsrlvq);
        return d;
    }
}

using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>SSE2 packed-integer arithmetic, compares, shifts, logic, unpacks, packs and shuffles against the host CPU.</summary>
public sealed class SseIntegerTests
{
    private static readonly Dictionary<string, SseOracle.Form> s_forms = Build().Forms.ToDictionary(f => f.Name);

    public static TheoryData<string> Forms => new(s_forms.Keys);

    [Theory]
    [MemberData(nameof(Forms))]
    public void MatchesHost(string form) => SseOracle.Check(s_forms[form]);

    private static SseFormList Build()
    {
        var l = new SseFormList();
        l.XmmM128("paddb", (a, d, s) => a.paddb(d, s), (a, d, m) => a.paddb(d, m));
        l.XmmM128("paddw", (a, d, s) => a.paddw(d, s), (a, d, m) => a.paddw(d, m));
        l.XmmM128("paddd", (a, d, s) => a.paddd(d, s), (a, d, m) => a.paddd(d, m));
        l.XmmM128("paddq", (a, d, s) => a.paddq(d, s), (a, d, m) => a.paddq(d, m));
        l.XmmM128("psubb", (a, d, s) => a.psubb(d, s), (a, d, m) => a.psubb(d, m));
        l.XmmM128("psubw", (a, d, s) => a.psubw(d, s), (a, d, m) => a.psubw(d, m));
        l.XmmM128("psubd", (a, d, s) => a.psubd(d, s), (a, d, m) => a.psubd(d, m));
        l.XmmM128("psubq", (a, d, s) => a.psubq(d, s), (a, d, m) => a.psubq(d, m));
        l.XmmM128("paddsb", (a, d, s) => a.paddsb(d, s), (a, d, m) => a.paddsb(d, m));
        l.XmmM128("paddsw", (a, d, s) => a.paddsw(d, s), (a, d, m) => a.paddsw(d, m));
        l.XmmM128("paddusb", (a, d, s) => a.paddusb(d, s), (a, d, m) => a.paddusb(d, m));
        l.XmmM128("paddusw", (a, d, s) => a.paddusw(d, s), (a, d, m) => a.paddusw(d, m));
        l.XmmM128("psubsb", (a, d, s) => a.psubsb(d, s), (a, d, m) => a.psubsb(d, m));
        l.XmmM128("psubsw", (a, d, s) => a.psubsw(d, s), (a, d, m) => a.psubsw(d, m));
        l.XmmM128("psubusb", (a, d, s) => a.psubusb(d, s), (a, d, m) => a.psubusb(d, m));
        l.XmmM128("psubusw", (a, d, s) => a.psubusw(d, s), (a, d, m) => a.psubusw(d, m));
        l.XmmM128("pmullw", (a, d, s) => a.pmullw(d, s), (a, d, m) => a.pmullw(d, m));
        l.XmmM128("pmulhw", (a, d, s) => a.pmulhw(d, s), (a, d, m) => a.pmulhw(d, m));
        l.XmmM128("pmulhuw", (a, d, s) => a.pmulhuw(d, s), (a, d, m) => a.pmulhuw(d, m));
        l.XmmM128("pmuludq", (a, d, s) => a.pmuludq(d, s), (a, d, m) => a.pmuludq(d, m));
        l.XmmM128("pmaddwd", (a, d, s) => a.pmaddwd(d, s), (a, d, m) => a.pmaddwd(d, m));
        l.XmmM128("psadbw", (a, d, s) => a.psadbw(d, s), (a, d, m) => a.psadbw(d, m));
        l.XmmM128("pavgb", (a, d, s) => a.pavgb(d, s), (a, d, m) => a.pavgb(d, m));
        l.XmmM128("pavgw", (a, d, s) => a.pavgw(d, s), (a, d, m) => a.pavgw(d, m));
        l.XmmM128("pminub", (a, d, s) => a.pminub(d, s), (a, d, m) => a.pminub(d, m));
        l.XmmM128("pmaxub", (a, d, s) => a.pmaxub(d, s), (a, d, m) => a.pmaxub(d, m));
        l.XmmM128("pminsw", (a, d, s) => a.pminsw(d, s), (a, d, m) => a.pminsw(d, m));
        l.XmmM128("pmaxsw", (a, d, s) => a.pmaxsw(d, s), (a, d, m) => a.pmaxsw(d, m));
        l.XmmM128("pcmpeqb", (a, d, s) => a.pcmpeqb(d, s), (a, d, m) => a.pcmpeqb(d, m));
        l.XmmM128("pcmpeqw", (a, d, s) => a.pcmpeqw(d, s), (a, d, m) => a.pcmpeqw(d, m));
        l.XmmM128("pcmpeqd", (a, d, s) => a.pcmpeqd(d, s), (a, d, m) => a.pcmpeqd(d, m));
        l.XmmM128("pcmpgtb", (a, d, s) => a.pcmpgtb(d, s), (a, d, m) => a.pcmpgtb(d, m));
        l.XmmM128("pcmpgtw", (a, d, s) => a.pcmpgtw(d, s), (a, d, m) => a.pcmpgtw(d, m));
        l.XmmM128("pcmpgtd", (a, d, s) => a.pcmpgtd(d, s), (a, d, m) => a.pcmpgtd(d, m));

        l.XmmM128("pand", (a, d, s) => a.pand(d, s), (a, d, m) => a.pand(d, m));
        l.XmmM128("pandn", (a, d, s) => a.pandn(d, s), (a, d, m) => a.pandn(d, m));
        l.XmmM128("por", (a, d, s) => a.por(d, s), (a, d, m) => a.por(d, m));
        l.XmmM128("pxor", (a, d, s) => a.pxor(d, s), (a, d, m) => a.pxor(d, m));
        l.XmmM128("andps", (a, d, s) => a.andps(d, s), (a, d, m) => a.andps(d, m));
        l.XmmM128("andpd", (a, d, s) => a.andpd(d, s), (a, d, m) => a.andpd(d, m));
        l.XmmM128("andnps", (a, d, s) => a.andnps(d, s), (a, d, m) => a.andnps(d, m));
        l.XmmM128("andnpd", (a, d, s) => a.andnpd(d, s), (a, d, m) => a.andnpd(d, m));
        l.XmmM128("orps", (a, d, s) => a.orps(d, s), (a, d, m) => a.orps(d, m));
        l.XmmM128("orpd", (a, d, s) => a.orpd(d, s), (a, d, m) => a.orpd(d, m));
        l.XmmM128("xorps", (a, d, s) => a.xorps(d, s), (a, d, m) => a.xorps(d, m));
        l.XmmM128("xorpd", (a, d, s) => a.xorpd(d, s), (a, d, m) => a.xorpd(d, m));

        l.XmmM128("punpcklbw", (a, d, s) => a.punpcklbw(d, s), (a, d, m) => a.punpcklbw(d, m));
        l.XmmM128("punpcklwd", (a, d, s) => a.punpcklwd(d, s), (a, d, m) => a.punpcklwd(d, m));
        l.XmmM128("punpckldq", (a, d, s) => a.punpckldq(d, s), (a, d, m) => a.punpckldq(d, m));
        l.XmmM128("punpcklqdq", (a, d, s) => a.punpcklqdq(d, s), (a, d, m) => a.punpcklqdq(d, m));
        l.XmmM128("punpckhbw", (a, d, s) => a.punpckhbw(d, s), (a, d, m) => a.punpckhbw(d, m));
        l.XmmM128("punpckhwd", (a, d, s) => a.punpckhwd(d, s), (a, d, m) => a.punpckhwd(d, m));
        l.XmmM128("punpckhdq", (a, d, s) => a.punpckhdq(d, s), (a, d, m) => a.punpckhdq(d, m));
        l.XmmM128("punpckhqdq", (a, d, s) => a.punpckhqdq(d, s), (a, d, m) => a.punpckhqdq(d, m));
        l.XmmM128("unpcklps", (a, d, s) => a.unpcklps(d, s), (a, d, m) => a.unpcklps(d, m));
        l.XmmM128("unpckhps", (a, d, s) => a.unpckhps(d, s), (a, d, m) => a.unpckhps(d, m));
        l.XmmM128("unpcklpd", (a, d, s) => a.unpcklpd(d, s), (a, d, m) => a.unpcklpd(d, m));
        l.XmmM128("unpckhpd", (a, d, s) => a.unpckhpd(d, s), (a, d, m) => a.unpckhpd(d, m));
        l.XmmM128("packsswb", (a, d, s) => a.packsswb(d, s), (a, d, m) => a.packsswb(d, m));
        l.XmmM128("packssdw", (a, d, s) => a.packssdw(d, s), (a, d, m) => a.packssdw(d, m));
        l.XmmM128("packuswb", (a, d, s) => a.packuswb(d, s), (a, d, m) => a.packuswb(d, m));

        byte[] shuffles = [0x00, 0x1B, 0xE4, 0x4E, 0xB1, 0x93];
        l.XmmM128Imm("pshufd", (a, d, s, i) => a.pshufd(d, s, i), (a, d, m, i) => a.pshufd(d, m, i), shuffles);
        l.XmmM128Imm("pshuflw", (a, d, s, i) => a.pshuflw(d, s, i), (a, d, m, i) => a.pshuflw(d, m, i), shuffles);
        l.XmmM128Imm("pshufhw", (a, d, s, i) => a.pshufhw(d, s, i), (a, d, m, i) => a.pshufhw(d, m, i), shuffles);
        l.XmmM128Imm("shufps", (a, d, s, i) => a.shufps(d, s, i), (a, d, m, i) => a.shufps(d, m, i), shuffles);
        l.XmmM128Imm("shufpd", (a, d, s, i) => a.shufpd(d, s, i), (a, d, m, i) => a.shufpd(d, m, i), 0, 1, 2, 3, 0xFC);

        Shifts(l, "psllw", (a, d, s) => a.psllw(d, s), (a, d, m) => a.psllw(d, m), (a, d, i) => a.psllw(d, i));
        Shifts(l, "pslld", (a, d, s) => a.pslld(d, s), (a, d, m) => a.pslld(d, m), (a, d, i) => a.pslld(d, i));
        Shifts(l, "psllq", (a, d, s) => a.psllq(d, s), (a, d, m) => a.psllq(d, m), (a, d, i) => a.psllq(d, i));
        Shifts(l, "psrlw", (a, d, s) => a.psrlw(d, s), (a, d, m) => a.psrlw(d, m), (a, d, i) => a.psrlw(d, i));
        Shifts(l, "psrld", (a, d, s) => a.psrld(d, s), (a, d, m) => a.psrld(d, m), (a, d, i) => a.psrld(d, i));
        Shifts(l, "psrlq", (a, d, s) => a.psrlq(d, s), (a, d, m) => a.psrlq(d, m), (a, d, i) => a.psrlq(d, i));
        Shifts(l, "psraw", (a, d, s) => a.psraw(d, s), (a, d, m) => a.psraw(d, m), (a, d, i) => a.psraw(d, i));
        Shifts(l, "psrad", (a, d, s) => a.psrad(d, s), (a, d, m) => a.psrad(d, m), (a, d, i) => a.psrad(d, i));
        foreach (byte count in new byte[] { 0, 1, 3, 8, 15, 16, 200 })
        {
            l.Add($"pslldq xmm5, {count}", a => a.pslldq(xmm5, count));
            l.Add($"psrldq xmm11, {count}", a => a.psrldq(xmm11, count));
        }
        return l;
    }

    /// <summary>A shift by xmm register, by aligned m128 (counts kept mostly small) and by several imm8 counts.</summary>
    private static void Shifts(
        SseFormList l,
        string mnemonic,
        Action<Assembler, AssemblerRegisterXMM, AssemblerRegisterXMM> rr,
        Action<Assembler, AssemblerRegisterXMM, AssemblerMemoryOperand> rm,
        Action<Assembler, AssemblerRegisterXMM, byte> ri)
    {
        l.Add($"{mnemonic} xmm1, xmm2", a => rr(a, xmm1, xmm2), (s, r) => SseOracle.SmallCount(s, r, 2));
        l.Add($"{mnemonic} xmm10, xmm15", a => rr(a, xmm10, xmm15), (s, r) => SseOracle.SmallCount(s, r, 15));
        l.Add($"{mnemonic} xmm6, [rdi+0x{SseFormList.Aligned:X}]", a => rm(a, xmm6, __xmmword_ptr[rdi + SseFormList.Aligned]),
            (s, r) => SseOracle.SmallCountInMemory(s, r, SseFormList.Aligned));
        foreach (byte count in new byte[] { 0, 1, 7, 15, 16, 31, 32, 63, 64, 255 })
        {
            l.Add($"{mnemonic} xmm4, {count}", a => ri(a, xmm4, count));
        }
    }
}

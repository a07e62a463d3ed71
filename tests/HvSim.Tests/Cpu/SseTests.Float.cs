using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>SSE/SSE2 floating point (arithmetic, compares, comis, conversions) against the host CPU.</summary>
public sealed class SseFloatTests
{
    private const int U = SseFormList.Unaligned;

    private static readonly Dictionary<string, SseOracle.Form> s_forms = Build().Forms.ToDictionary(f => f.Name);

    public static TheoryData<string> Forms => new(s_forms.Keys);

    [Theory]
    [MemberData(nameof(Forms))]
    public void MatchesHost(string form) => SseOracle.Check(s_forms[form]);

    internal static SseFormList Build()
    {
        var l = new SseFormList();
        l.XmmM128("addps", (a, d, s) => a.addps(d, s), (a, d, m) => a.addps(d, m));
        l.XmmM128("subps", (a, d, s) => a.subps(d, s), (a, d, m) => a.subps(d, m));
        l.XmmM128("mulps", (a, d, s) => a.mulps(d, s), (a, d, m) => a.mulps(d, m));
        l.XmmM128("divps", (a, d, s) => a.divps(d, s), (a, d, m) => a.divps(d, m));
        l.XmmM128("minps", (a, d, s) => a.minps(d, s), (a, d, m) => a.minps(d, m));
        l.XmmM128("maxps", (a, d, s) => a.maxps(d, s), (a, d, m) => a.maxps(d, m));
        l.XmmM128("sqrtps", (a, d, s) => a.sqrtps(d, s), (a, d, m) => a.sqrtps(d, m));
        l.XmmM128("rcpps", (a, d, s) => a.rcpps(d, s), (a, d, m) => a.rcpps(d, m));
        l.XmmM128("rsqrtps", (a, d, s) => a.rsqrtps(d, s), (a, d, m) => a.rsqrtps(d, m));
        l.XmmM128("addpd", (a, d, s) => a.addpd(d, s), (a, d, m) => a.addpd(d, m));
        l.XmmM128("subpd", (a, d, s) => a.subpd(d, s), (a, d, m) => a.subpd(d, m));
        l.XmmM128("mulpd", (a, d, s) => a.mulpd(d, s), (a, d, m) => a.mulpd(d, m));
        l.XmmM128("divpd", (a, d, s) => a.divpd(d, s), (a, d, m) => a.divpd(d, m));
        l.XmmM128("minpd", (a, d, s) => a.minpd(d, s), (a, d, m) => a.minpd(d, m));
        l.XmmM128("maxpd", (a, d, s) => a.maxpd(d, s), (a, d, m) => a.maxpd(d, m));
        l.XmmM128("sqrtpd", (a, d, s) => a.sqrtpd(d, s), (a, d, m) => a.sqrtpd(d, m));

        l.XmmScalar("addss", 4, (a, d, s) => a.addss(d, s), (a, d, m) => a.addss(d, m));
        l.XmmScalar("subss", 4, (a, d, s) => a.subss(d, s), (a, d, m) => a.subss(d, m));
        l.XmmScalar("mulss", 4, (a, d, s) => a.mulss(d, s), (a, d, m) => a.mulss(d, m));
        l.XmmScalar("divss", 4, (a, d, s) => a.divss(d, s), (a, d, m) => a.divss(d, m));
        l.XmmScalar("minss", 4, (a, d, s) => a.minss(d, s), (a, d, m) => a.minss(d, m));
        l.XmmScalar("maxss", 4, (a, d, s) => a.maxss(d, s), (a, d, m) => a.maxss(d, m));
        l.XmmScalar("sqrtss", 4, (a, d, s) => a.sqrtss(d, s), (a, d, m) => a.sqrtss(d, m));
        l.XmmScalar("rcpss", 4, (a, d, s) => a.rcpss(d, s), (a, d, m) => a.rcpss(d, m));
        l.XmmScalar("rsqrtss", 4, (a, d, s) => a.rsqrtss(d, s), (a, d, m) => a.rsqrtss(d, m));
        l.XmmScalar("addsd", 8, (a, d, s) => a.addsd(d, s), (a, d, m) => a.addsd(d, m));
        l.XmmScalar("subsd", 8, (a, d, s) => a.subsd(d, s), (a, d, m) => a.subsd(d, m));
        l.XmmScalar("mulsd", 8, (a, d, s) => a.mulsd(d, s), (a, d, m) => a.mulsd(d, m));
        l.XmmScalar("divsd", 8, (a, d, s) => a.divsd(d, s), (a, d, m) => a.divsd(d, m));
        l.XmmScalar("minsd", 8, (a, d, s) => a.minsd(d, s), (a, d, m) => a.minsd(d, m));
        l.XmmScalar("maxsd", 8, (a, d, s) => a.maxsd(d, s), (a, d, m) => a.maxsd(d, m));
        l.XmmScalar("sqrtsd", 8, (a, d, s) => a.sqrtsd(d, s), (a, d, m) => a.sqrtsd(d, m));

        byte[] predicates = [0, 1, 2, 3, 4, 5, 6, 7];
        l.XmmM128Imm("cmpps", (a, d, s, i) => a.cmpps(d, s, i), (a, d, m, i) => a.cmpps(d, m, i), predicates);
        l.XmmM128Imm("cmppd", (a, d, s, i) => a.cmppd(d, s, i), (a, d, m, i) => a.cmppd(d, m, i), predicates);
        foreach (byte p in predicates)
        {
            l.Add($"cmpss xmm1, xmm2, {p}", a => a.cmpss(xmm1, xmm2, p));
            l.Add($"cmpss xmm9, [rdi+U], {p}", a => a.cmpss(xmm9, __dword_ptr[rdi + U], p));
            l.Add($"cmpsd xmm1, xmm2, {p}", a => a.AddInstruction(Instruction.Create(Code.Cmpsd_xmm_xmmm64_imm8, Register.XMM1, Register.XMM2, p)));
            l.Add($"cmpsd xmm9, [rdi+U], {p}", a => a.AddInstruction(Instruction.Create(Code.Cmpsd_xmm_xmmm64_imm8, Register.XMM9, new MemoryOperand(Register.RDI, U), p)));
        }

        l.XmmScalar("comiss", 4, (a, d, s) => a.comiss(d, s), (a, d, m) => a.comiss(d, m));
        l.XmmScalar("ucomiss", 4, (a, d, s) => a.ucomiss(d, s), (a, d, m) => a.ucomiss(d, m));
        l.XmmScalar("comisd", 8, (a, d, s) => a.comisd(d, s), (a, d, m) => a.comisd(d, m));
        l.XmmScalar("ucomisd", 8, (a, d, s) => a.ucomisd(d, s), (a, d, m) => a.ucomisd(d, m));

        l.XmmM128("cvtdq2ps", (a, d, s) => a.cvtdq2ps(d, s), (a, d, m) => a.cvtdq2ps(d, m));
        l.XmmM128("cvtps2dq", (a, d, s) => a.cvtps2dq(d, s), (a, d, m) => a.cvtps2dq(d, m));
        l.XmmM128("cvttps2dq", (a, d, s) => a.cvttps2dq(d, s), (a, d, m) => a.cvttps2dq(d, m));
        l.XmmM128("cvtpd2dq", (a, d, s) => a.cvtpd2dq(d, s), (a, d, m) => a.cvtpd2dq(d, m));
        l.XmmM128("cvttpd2dq", (a, d, s) => a.cvttpd2dq(d, s), (a, d, m) => a.cvttpd2dq(d, m));
        l.XmmM128("cvtpd2ps", (a, d, s) => a.cvtpd2ps(d, s), (a, d, m) => a.cvtpd2ps(d, m));
        l.XmmScalar("cvtdq2pd", 8, (a, d, s) => a.cvtdq2pd(d, s), (a, d, m) => a.cvtdq2pd(d, m));
        l.XmmScalar("cvtps2pd", 8, (a, d, s) => a.cvtps2pd(d, s), (a, d, m) => a.cvtps2pd(d, m));
        l.XmmScalar("cvtss2sd", 4, (a, d, s) => a.cvtss2sd(d, s), (a, d, m) => a.cvtss2sd(d, m));
        l.XmmScalar("cvtsd2ss", 8, (a, d, s) => a.cvtsd2ss(d, s), (a, d, m) => a.cvtsd2ss(d, m));

        l.Add("cvtsi2sd xmm1, eax", a => a.cvtsi2sd(xmm1, eax));
        l.Add("cvtsi2sd xmm12, r9", a => a.cvtsi2sd(xmm12, r9));
        l.Add("cvtsi2sd xmm1, dword [rdi+U]", a => a.cvtsi2sd(xmm1, __dword_ptr[rdi + U]));
        l.Add("cvtsi2sd xmm1, qword [rdi+U]", a => a.cvtsi2sd(xmm1, __qword_ptr[rdi + U]));
        l.Add("cvtsi2ss xmm2, ecx", a => a.cvtsi2ss(xmm2, ecx));
        l.Add("cvtsi2ss xmm13, r15", a => a.cvtsi2ss(xmm13, r15));
        l.Add("cvtsi2ss xmm2, dword [rdi+U]", a => a.cvtsi2ss(xmm2, __dword_ptr[rdi + U]));
        l.Add("cvtsi2ss xmm2, qword [rdi+U]", a => a.cvtsi2ss(xmm2, __qword_ptr[rdi + U]));

        l.Add("cvttsd2si eax, xmm3", a => a.cvttsd2si(eax, xmm3));
        l.Add("cvttsd2si r11, xmm14", a => a.cvttsd2si(r11, xmm14));
        l.Add("cvttsd2si edx, [rdi+U]", a => a.cvttsd2si(edx, __qword_ptr[rdi + U]));
        l.Add("cvttsd2si rdx, [rdi+U]", a => a.cvttsd2si(rdx, __qword_ptr[rdi + U]));
        l.Add("cvtsd2si eax, xmm3", a => a.cvtsd2si(eax, xmm3));
        l.Add("cvtsd2si r11, xmm14", a => a.cvtsd2si(r11, xmm14));
        l.Add("cvtsd2si rdx, [rdi+U]", a => a.cvtsd2si(rdx, __qword_ptr[rdi + U]));
        l.Add("cvttss2si eax, xmm3", a => a.cvttss2si(eax, xmm3));
        l.Add("cvttss2si r11, xmm14", a => a.cvttss2si(r11, xmm14));
        l.Add("cvttss2si edx, [rdi+U]", a => a.cvttss2si(edx, __dword_ptr[rdi + U]));
        l.Add("cvttss2si rdx, [rdi+U]", a => a.cvttss2si(rdx, __dword_ptr[rdi + U]));
        l.Add("cvtss2si eax, xmm3", a => a.cvtss2si(eax, xmm3));
        l.Add("cvtss2si r11, xmm14", a => a.cvtss2si(r11, xmm14));
        l.Add("cvtss2si rdx, [rdi+U]", a => a.cvtss2si(rdx, __dword_ptr[rdi + U]));
        return l;
    }
}

using HvSim.HostOracle;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>
/// SSE3 moves, SSSE3, SSE4.1 (without the float rounding and dot products), pcmpgtq and pclmulqdq
/// against the host CPU: every register, aligned m128, narrow memory and imm8 form.
/// </summary>
public sealed class Sse4PackedTests
{
    private const int A = SseFormList.Aligned;
    private const int U = SseFormList.Unaligned;
    private const int Cases = 120;

    private static readonly Dictionary<string, SseOracle.Form> s_forms = Build().Forms.ToDictionary(f => f.Name);

    public static TheoryData<string> Forms => new(s_forms.Keys);

    [Theory]
    [MemberData(nameof(Forms))]
    public void MatchesHost(string form) => SseOracle.Check(s_forms[form], Cases);

    private static SseFormList Build()
    {
        var l = new SseFormList();
        // SSE3 moves.
        l.XmmScalar("movddup", 8, (a, d, s) => a.movddup(d, s), (a, d, m) => a.movddup(d, m));
        l.XmmM128("movshdup", (a, d, s) => a.movshdup(d, s), (a, d, m) => a.movshdup(d, m));
        l.XmmM128("movsldup", (a, d, s) => a.movsldup(d, s), (a, d, m) => a.movsldup(d, m));
        l.Add("lddqu xmm4, [rdi+U]", a => a.lddqu(xmm4, __xmmword_ptr[rdi + U]));
        l.Add("lddqu xmm14, [rdi+A]", a => a.lddqu(xmm14, __xmmword_ptr[rdi + A]));

        // SSSE3.
        l.XmmM128("pshufb", (a, d, s) => a.pshufb(d, s), (a, d, m) => a.pshufb(d, m));
        l.XmmM128("phaddw", (a, d, s) => a.phaddw(d, s), (a, d, m) => a.phaddw(d, m));
        l.XmmM128("phaddd", (a, d, s) => a.phaddd(d, s), (a, d, m) => a.phaddd(d, m));
        l.XmmM128("phaddsw", (a, d, s) => a.phaddsw(d, s), (a, d, m) => a.phaddsw(d, m));
        l.XmmM128("phsubw", (a, d, s) => a.phsubw(d, s), (a, d, m) => a.phsubw(d, m));
        l.XmmM128("phsubd", (a, d, s) => a.phsubd(d, s), (a, d, m) => a.phsubd(d, m));
        l.XmmM128("phsubsw", (a, d, s) => a.phsubsw(d, s), (a, d, m) => a.phsubsw(d, m));
        l.XmmM128("pmaddubsw", (a, d, s) => a.pmaddubsw(d, s), (a, d, m) => a.pmaddubsw(d, m));
        l.XmmM128("pmulhrsw", (a, d, s) => a.pmulhrsw(d, s), (a, d, m) => a.pmulhrsw(d, m));
        l.XmmM128("psignb", (a, d, s) => a.psignb(d, s), (a, d, m) => a.psignb(d, m));
        l.XmmM128("psignw", (a, d, s) => a.psignw(d, s), (a, d, m) => a.psignw(d, m));
        l.XmmM128("psignd", (a, d, s) => a.psignd(d, s), (a, d, m) => a.psignd(d, m));
        l.XmmM128("pabsb", (a, d, s) => a.pabsb(d, s), (a, d, m) => a.pabsb(d, m));
        l.XmmM128("pabsw", (a, d, s) => a.pabsw(d, s), (a, d, m) => a.pabsw(d, m));
        l.XmmM128("pabsd", (a, d, s) => a.pabsd(d, s), (a, d, m) => a.pabsd(d, m));
        l.XmmM128Imm("palignr", (a, d, s, i) => a.palignr(d, s, i), (a, d, m, i) => a.palignr(d, m, i), 0, 1, 5, 15, 16, 17, 31, 32, 0xC8);

        // SSE4.1 blends.
        foreach ((string name, Code code) in new[] { ("pblendvb", Code.Pblendvb_xmm_xmmm128), ("blendvps", Code.Blendvps_xmm_xmmm128), ("blendvpd", Code.Blendvpd_xmm_xmmm128) })
        {
            l.Add($"{name} xmm1, xmm2, <xmm0>", a => a.AddInstruction(Instruction.Create(code, Register.XMM1, Register.XMM2)));
            l.Add($"{name} xmm11, xmm0, <xmm0>", a => a.AddInstruction(Instruction.Create(code, Register.XMM11, Register.XMM0)));
            l.Add($"{name} xmm0, xmm9, <xmm0>", a => a.AddInstruction(Instruction.Create(code, Register.XMM0, Register.XMM9)));
            l.Add($"{name} xmm5, [rdi+A], <xmm0>", a => a.AddInstruction(Instruction.Create(code, Register.XMM5, new MemoryOperand(Register.RDI, A))));
        }
        byte[] blends = [0x00, 0xFF, 0xA5, 0x5A, 0x0F, 0x36, 0xC1];
        l.XmmM128Imm("pblendw", (a, d, s, i) => a.pblendw(d, s, i), (a, d, m, i) => a.pblendw(d, m, i), blends);
        l.XmmM128Imm("blendps", (a, d, s, i) => a.blendps(d, s, i), (a, d, m, i) => a.blendps(d, m, i), blends);
        l.XmmM128Imm("blendpd", (a, d, s, i) => a.blendpd(d, s, i), (a, d, m, i) => a.blendpd(d, m, i), 0, 1, 2, 3, 0xFE);

        // SSE4.1 integer arithmetic and compares.
        l.XmmM128("pminsb", (a, d, s) => a.pminsb(d, s), (a, d, m) => a.pminsb(d, m));
        l.XmmM128("pminsd", (a, d, s) => a.pminsd(d, s), (a, d, m) => a.pminsd(d, m));
        l.XmmM128("pminuw", (a, d, s) => a.pminuw(d, s), (a, d, m) => a.pminuw(d, m));
        l.XmmM128("pminud", (a, d, s) => a.pminud(d, s), (a, d, m) => a.pminud(d, m));
        l.XmmM128("pmaxsb", (a, d, s) => a.pmaxsb(d, s), (a, d, m) => a.pmaxsb(d, m));
        l.XmmM128("pmaxsd", (a, d, s) => a.pmaxsd(d, s), (a, d, m) => a.pmaxsd(d, m));
        l.XmmM128("pmaxuw", (a, d, s) => a.pmaxuw(d, s), (a, d, m) => a.pmaxuw(d, m));
        l.XmmM128("pmaxud", (a, d, s) => a.pmaxud(d, s), (a, d, m) => a.pmaxud(d, m));
        l.XmmM128("pmulld", (a, d, s) => a.pmulld(d, s), (a, d, m) => a.pmulld(d, m));
        l.XmmM128("pmuldq", (a, d, s) => a.pmuldq(d, s), (a, d, m) => a.pmuldq(d, m));
        l.XmmM128("pcmpeqq", (a, d, s) => a.pcmpeqq(d, s), (a, d, m) => a.pcmpeqq(d, m));
        l.XmmM128("packusdw", (a, d, s) => a.packusdw(d, s), (a, d, m) => a.packusdw(d, m));
        l.XmmM128("phminposuw", (a, d, s) => a.phminposuw(d, s), (a, d, m) => a.phminposuw(d, m));
        l.XmmM128Imm("mpsadbw", (a, d, s, i) => a.mpsadbw(d, s, i), (a, d, m, i) => a.mpsadbw(d, m, i), 0, 1, 2, 3, 4, 5, 6, 7, 0xF9);
        l.XmmM128("ptest", (a, d, s) => a.ptest(d, s), (a, d, m) => a.ptest(d, m));
        l.Add("ptest xmm6, xmm6 (all zero)", a => a.ptest(xmm6, xmm6), (s, r) => s.Xmm[6] = default);
        l.Add("movntdqa xmm3, [rdi+A]", a => a.movntdqa(xmm3, __xmmword_ptr[rdi + A]));

        // Sign and zero extension: m64, m32 or m16 sources (misaligned on purpose).
        l.XmmScalar("pmovsxbw", 8, (a, d, s) => a.pmovsxbw(d, s), (a, d, m) => a.pmovsxbw(d, m));
        l.XmmScalar("pmovsxbd", 4, (a, d, s) => a.pmovsxbd(d, s), (a, d, m) => a.pmovsxbd(d, m));
        l.XmmScalar("pmovsxwd", 8, (a, d, s) => a.pmovsxwd(d, s), (a, d, m) => a.pmovsxwd(d, m));
        l.XmmScalar("pmovsxwq", 4, (a, d, s) => a.pmovsxwq(d, s), (a, d, m) => a.pmovsxwq(d, m));
        l.XmmScalar("pmovsxdq", 8, (a, d, s) => a.pmovsxdq(d, s), (a, d, m) => a.pmovsxdq(d, m));
        l.XmmScalar("pmovzxbw", 8, (a, d, s) => a.pmovzxbw(d, s), (a, d, m) => a.pmovzxbw(d, m));
        l.XmmScalar("pmovzxbd", 4, (a, d, s) => a.pmovzxbd(d, s), (a, d, m) => a.pmovzxbd(d, m));
        l.XmmScalar("pmovzxwd", 8, (a, d, s) => a.pmovzxwd(d, s), (a, d, m) => a.pmovzxwd(d, m));
        l.XmmScalar("pmovzxwq", 4, (a, d, s) => a.pmovzxwq(d, s), (a, d, m) => a.pmovzxwq(d, m));
        l.XmmScalar("pmovzxdq", 8, (a, d, s) => a.pmovzxdq(d, s), (a, d, m) => a.pmovzxdq(d, m));
        l.Add("pmovsxbq xmm1, xmm2", a => a.pmovsxbq(xmm1, xmm2));
        l.Add("pmovsxbq xmm12, xmm12", a => a.pmovsxbq(xmm12, xmm12));
        l.Add("pmovsxbq xmm9, m16 [rdi+U]", a => a.pmovsxbq(xmm9, __word_ptr[rdi + U]));
        l.Add("pmovzxbq xmm1, xmm2", a => a.pmovzxbq(xmm1, xmm2));
        l.Add("pmovzxbq xmm12, xmm12", a => a.pmovzxbq(xmm12, xmm12));
        l.Add("pmovzxbq xmm9, m16 [rdi+U]", a => a.pmovzxbq(xmm9, __word_ptr[rdi + U]));

        // Element inserts and extracts: every element size, register and memory, several imm8 (also beyond the element count).
        foreach (byte imm in new byte[] { 0, 1, 3, 7, 9, 15, 0xF2 })
        {
            l.Add($"pinsrb xmm3, ecx, {imm}", a => a.pinsrb(xmm3, ecx, imm));
            l.Add($"pinsrb xmm13, r9 (REX.W), {imm}", a => a.AddInstruction(Instruction.Create(Code.Pinsrb_xmm_r64m8_imm8, Register.XMM13, Register.R9, imm)));
            l.Add($"pinsrb xmm13, [rdi+U], {imm}", a => a.pinsrb(xmm13, __byte_ptr[rdi + U], imm));
            l.Add($"pinsrd xmm2, r10d, {imm}", a => a.pinsrd(xmm2, r10d, imm));
            l.Add($"pinsrd xmm2, [rdi+U], {imm}", a => a.pinsrd(xmm2, __dword_ptr[rdi + U], imm));
            l.Add($"pinsrq xmm15, rbx, {imm}", a => a.pinsrq(xmm15, rbx, imm));
            l.Add($"pinsrq xmm15, [rdi+U], {imm}", a => a.pinsrq(xmm15, __qword_ptr[rdi + U], imm));
            l.Add($"pextrb eax, xmm3, {imm}", a => a.pextrb(eax, xmm3, imm));
            l.Add($"pextrb r11, xmm13, {imm}", a => a.pextrb(r11, xmm13, imm));
            l.Add($"pextrb [rdi+U], xmm5, {imm}", a => a.pextrb(__byte_ptr[rdi + U], xmm5, imm));
            l.Add($"pextrw edx, xmm6, {imm} (66 0F 3A 15)", a => a.AddInstruction(Instruction.Create(Code.Pextrw_r32m16_xmm_imm8, Register.EDX, Register.XMM6, imm)));
            l.Add($"pextrw r12, xmm6, {imm} (66 REX.W 0F 3A 15)", a => a.AddInstruction(Instruction.Create(Code.Pextrw_r64m16_xmm_imm8, Register.R12, Register.XMM6, imm)));
            l.Add($"pextrw [rdi+U], xmm8, {imm}", a => a.pextrw(__word_ptr[rdi + U], xmm8, imm));
            l.Add($"pextrd ebp, xmm9, {imm}", a => a.pextrd(ebp, xmm9, imm));
            l.Add($"pextrd [rdi+U], xmm9, {imm}", a => a.pextrd(__dword_ptr[rdi + U], xmm9, imm));
            l.Add($"pextrq rsi, xmm1, {imm}", a => a.pextrq(rsi, xmm1, imm));
            l.Add($"pextrq [rdi+U], xmm1, {imm}", a => a.pextrq(__qword_ptr[rdi + U], xmm1, imm));
            l.Add($"extractps ecx, xmm4, {imm}", a => a.extractps(ecx, xmm4, imm));
            l.Add($"extractps r8 (REX.W), xmm4, {imm}", a => a.AddInstruction(Instruction.Create(Code.Extractps_r64m32_xmm_imm8, Register.R8, Register.XMM4, imm)));
            l.Add($"extractps [rdi+U], xmm12, {imm}", a => a.extractps(__dword_ptr[rdi + U], xmm12, imm));
        }
        foreach (byte imm in new byte[] { 0x00, 0x10, 0x20, 0x30, 0x40, 0xC0, 0x9A, 0x0F, 0xE5, 0x71, 0x38 })
        {
            l.Add($"insertps xmm1, xmm2, 0x{imm:X2}", a => a.insertps(xmm1, xmm2, imm));
            l.Add($"insertps xmm10, xmm10, 0x{imm:X2}", a => a.insertps(xmm10, xmm10, imm));
            l.Add($"insertps xmm7, [rdi+U], 0x{imm:X2}", a => a.insertps(xmm7, __dword_ptr[rdi + U], imm));
        }

        // SSE4.2's pcmpgtq and PCLMULQDQ.
        l.XmmM128("pcmpgtq", (a, d, s) => a.pcmpgtq(d, s), (a, d, m) => a.pcmpgtq(d, m));
        l.XmmM128Imm("pclmulqdq", (a, d, s, i) => a.pclmulqdq(d, s, i), (a, d, m, i) => a.pclmulqdq(d, m, i), 0x00, 0x01, 0x10, 0x11, 0xEE);
        return l;
    }
}

using HvSim.HostOracle;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>SSE/SSE2 moves, stores, GPR transfers, mask extraction, pinsrw/pextrw, maskmovdqu and MXCSR access against the host CPU.</summary>
public sealed class SseMoveTests
{
    private const int A = SseFormList.Aligned;
    private const int U = SseFormList.Unaligned;

    private static readonly Dictionary<string, SseOracle.Form> s_forms = Build().Forms.ToDictionary(f => f.Name);

    public static TheoryData<string> Forms => new(s_forms.Keys);

    [Theory]
    [MemberData(nameof(Forms))]
    public void MatchesHost(string form) => SseOracle.Check(s_forms[form]);

    private static SseFormList Build()
    {
        var l = new SseFormList();
        l.XmmM128("movdqa", (a, d, s) => a.movdqa(d, s), (a, d, m) => a.movdqa(d, m));
        l.XmmM128("movaps", (a, d, s) => a.movaps(d, s), (a, d, m) => a.movaps(d, m));
        l.XmmM128("movapd", (a, d, s) => a.movapd(d, s), (a, d, m) => a.movapd(d, m));
        l.Add("movdqa [rdi+A], xmm3", a => a.movdqa(__xmmword_ptr[rdi + A], xmm3));
        l.Add("movaps [rdi+A], xmm10", a => a.movaps(__xmmword_ptr[rdi + A], xmm10));
        l.Add("movapd [rdi+A], xmm4", a => a.movapd(__xmmword_ptr[rdi + A], xmm4));
        l.Add("movntdq [rdi+A], xmm3", a => a.movntdq(__xmmword_ptr[rdi + A], xmm3));
        l.Add("movntps [rdi+A], xmm8", a => a.movntps(__xmmword_ptr[rdi + A], xmm8));
        l.Add("movntpd [rdi+A], xmm15", a => a.movntpd(__xmmword_ptr[rdi + A], xmm15));
        l.Add("movnti [rdi+U], eax", a => a.movnti(__dword_ptr[rdi + U], eax));
        l.Add("movnti [rdi+U], r9", a => a.movnti(__qword_ptr[rdi + U], r9));

        foreach (string mnemonic in new[] { "movdqu", "movups", "movupd" })
        {
            Code load = mnemonic switch { "movdqu" => Code.Movdqu_xmm_xmmm128, "movups" => Code.Movups_xmm_xmmm128, _ => Code.Movupd_xmm_xmmm128 };
            Code store = mnemonic switch { "movdqu" => Code.Movdqu_xmmm128_xmm, "movups" => Code.Movups_xmmm128_xmm, _ => Code.Movupd_xmmm128_xmm };
            l.Add($"{mnemonic} xmm1, xmm2", a => a.AddInstruction(Instruction.Create(load, Register.XMM1, Register.XMM2)));
            l.Add($"{mnemonic} xmm1, xmm2 (store encoding)", a => a.AddInstruction(Instruction.Create(store, Register.XMM1, Register.XMM2)));
            l.Add($"{mnemonic} xmm11, [rdi+U]", a => a.AddInstruction(Instruction.Create(load, Register.XMM11, Mem(U))));
            l.Add($"{mnemonic} [rdi+U], xmm6", a => a.AddInstruction(Instruction.Create(store, Mem(U), Register.XMM6)));
            l.Add($"{mnemonic} xmm11, [rdi+A]", a => a.AddInstruction(Instruction.Create(load, Register.XMM11, Mem(A))));
        }

        // movq in all four SSE encodings, each with register and memory operands.
        l.Add("movq xmm1, xmm2 (F3 0F 7E)", a => a.AddInstruction(Instruction.Create(Code.Movq_xmm_xmmm64, Register.XMM1, Register.XMM2)));
        l.Add("movq xmm9, [rdi+U] (F3 0F 7E)", a => a.AddInstruction(Instruction.Create(Code.Movq_xmm_xmmm64, Register.XMM9, Mem(U))));
        l.Add("movq xmm1, xmm14 (66 0F D6)", a => a.AddInstruction(Instruction.Create(Code.Movq_xmmm64_xmm, Register.XMM1, Register.XMM14)));
        l.Add("movq [rdi+U], xmm5 (66 0F D6)", a => a.AddInstruction(Instruction.Create(Code.Movq_xmmm64_xmm, Mem(U), Register.XMM5)));
        l.Add("movq xmm7, rax", a => a.AddInstruction(Instruction.Create(Code.Movq_xmm_rm64, Register.XMM7, Register.RAX)));
        l.Add("movq xmm12, r13", a => a.AddInstruction(Instruction.Create(Code.Movq_xmm_rm64, Register.XMM12, Register.R13)));
        l.Add("movq xmm7, [rdi+U] (66 REX.W 0F 6E)", a => a.AddInstruction(Instruction.Create(Code.Movq_xmm_rm64, Register.XMM7, Mem(U))));
        l.Add("movq rbx, xmm3", a => a.AddInstruction(Instruction.Create(Code.Movq_rm64_xmm, Register.RBX, Register.XMM3)));
        l.Add("movq r10, xmm13", a => a.AddInstruction(Instruction.Create(Code.Movq_rm64_xmm, Register.R10, Register.XMM13)));
        l.Add("movq [rdi+U], xmm3 (66 REX.W 0F 7E)", a => a.AddInstruction(Instruction.Create(Code.Movq_rm64_xmm, Mem(U), Register.XMM3)));
        l.Add("movd xmm2, eax", a => a.movd(xmm2, eax));
        l.Add("movd xmm15, r11d", a => a.movd(xmm15, r11d));
        l.Add("movd xmm2, [rdi+U]", a => a.movd(xmm2, __dword_ptr[rdi + U]));
        l.Add("movd ecx, xmm4", a => a.movd(ecx, xmm4));
        l.Add("movd r12d, xmm9", a => a.movd(r12d, xmm9));
        l.Add("movd [rdi+U], xmm4", a => a.movd(__dword_ptr[rdi + U], xmm4));

        l.Add("movss xmm1, xmm2", a => a.AddInstruction(Instruction.Create(Code.Movss_xmm_xmmm32, Register.XMM1, Register.XMM2)));
        l.Add("movss xmm1, xmm2 (0F 11)", a => a.AddInstruction(Instruction.Create(Code.Movss_xmmm32_xmm, Register.XMM1, Register.XMM2)));
        l.Add("movss xmm8, [rdi+U]", a => a.movss(xmm8, __dword_ptr[rdi + U]));
        l.Add("movss [rdi+U], xmm8", a => a.movss(__dword_ptr[rdi + U], xmm8));
        l.Add("movsd xmm1, xmm2", a => a.AddInstruction(Instruction.Create(Code.Movsd_xmm_xmmm64, Register.XMM1, Register.XMM2)));
        l.Add("movsd xmm1, xmm2 (0F 11)", a => a.AddInstruction(Instruction.Create(Code.Movsd_xmmm64_xmm, Register.XMM1, Register.XMM2)));
        l.Add("movsd xmm8, [rdi+U]", a => a.AddInstruction(Instruction.Create(Code.Movsd_xmm_xmmm64, Register.XMM8, Mem(U))));
        l.Add("movsd [rdi+U], xmm8", a => a.AddInstruction(Instruction.Create(Code.Movsd_xmmm64_xmm, Mem(U), Register.XMM8)));

        l.Add("movhps xmm3, [rdi+U]", a => a.movhps(xmm3, __qword_ptr[rdi + U]));
        l.Add("movhps [rdi+U], xmm3", a => a.movhps(__qword_ptr[rdi + U], xmm3));
        l.Add("movhpd xmm10, [rdi+U]", a => a.movhpd(xmm10, __qword_ptr[rdi + U]));
        l.Add("movhpd [rdi+U], xmm10", a => a.movhpd(__qword_ptr[rdi + U], xmm10));
        l.Add("movlps xmm3, [rdi+U]", a => a.movlps(xmm3, __qword_ptr[rdi + U]));
        l.Add("movlps [rdi+U], xmm3", a => a.movlps(__qword_ptr[rdi + U], xmm3));
        l.Add("movlpd xmm10, [rdi+U]", a => a.movlpd(xmm10, __qword_ptr[rdi + U]));
        l.Add("movlpd [rdi+U], xmm10", a => a.movlpd(__qword_ptr[rdi + U], xmm10));
        l.Add("movhlps xmm1, xmm2", a => a.movhlps(xmm1, xmm2));
        l.Add("movhlps xmm9, xmm9", a => a.movhlps(xmm9, xmm9));
        l.Add("movlhps xmm1, xmm2", a => a.movlhps(xmm1, xmm2));
        l.Add("movlhps xmm14, xmm0", a => a.movlhps(xmm14, xmm0));

        l.Add("pmovmskb eax, xmm1", a => a.pmovmskb(eax, xmm1));
        l.Add("pmovmskb r9, xmm12", a => a.pmovmskb(r9, xmm12));
        l.Add("movmskps edx, xmm5", a => a.movmskps(edx, xmm5));
        l.Add("movmskps r14, xmm11", a => a.movmskps(r14, xmm11));
        l.Add("movmskpd esi, xmm6", a => a.movmskpd(esi, xmm6));
        l.Add("movmskpd rbx, xmm15", a => a.movmskpd(rbx, xmm15));
        foreach (byte imm in new byte[] { 0, 3, 7, 0xFE })
        {
            l.Add($"pextrw eax, xmm3, {imm}", a => a.pextrw(eax, xmm3, imm));
            l.Add($"pextrw r11, xmm13, {imm}", a => a.AddInstruction(Instruction.Create(Code.Pextrw_r64_xmm_imm8, Register.R11, Register.XMM13, imm)));
            l.Add($"pinsrw xmm3, ecx, {imm}", a => a.pinsrw(xmm3, ecx, imm));
            l.Add($"pinsrw xmm13, r8d, {imm}", a => a.pinsrw(xmm13, r8d, imm));
            l.Add($"pinsrw xmm13, [rdi+U], {imm}", a => a.pinsrw(xmm13, __word_ptr[rdi + U], imm));
        }
        l.Add("maskmovdqu xmm1, xmm2", a => a.maskmovdqu(xmm1, xmm2));
        l.Add("maskmovdqu xmm10, xmm10", a => a.maskmovdqu(xmm10, xmm10));

        l.Add("stmxcsr [rdi+U]", a => a.stmxcsr(__dword_ptr[rdi + U]));
        // Only masked-exception values: a pending unmasked flag would trap in the host's epilogue.
        l.Add("ldmxcsr [rdi+A]; stmxcsr [rdi+U]", a =>
        {
            a.ldmxcsr(__dword_ptr[rdi + A]);
            a.stmxcsr(__dword_ptr[rdi + U]);
        }, (s, r) => BitConverter.TryWriteBytes(s.Memory.AsSpan(A, 4), (uint)(r.Next(0x10000) | 0x1F80)));
        return l;
    }

    private static MemoryOperand Mem(int displacement) => new(Register.RDI, displacement);
}

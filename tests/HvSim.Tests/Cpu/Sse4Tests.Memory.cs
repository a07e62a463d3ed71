using System.Runtime.Intrinsics;
using HvSim.Cpu;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>
/// What the host oracle cannot show for the SSSE3/SSE4/BMI2/MOVBE memory forms: an operand that
/// straddles a page boundary gives the same result as the same bytes inside one page (the oracle
/// checks the latter against the host), a straddling access into an unmapped page faults and
/// changes nothing, and legacy m128 operands must be 16-byte aligned (#GP(0)) except where the SDM
/// says otherwise (lddqu, the packed string compares).
/// </summary>
public sealed class Sse4MemoryTests
{
    internal const ulong Inside = TestMachine.DataBase + 0x200;
    internal const ulong PageEnd = TestMachine.DataBase + 4096;
    internal const ulong MappedEnd = TestMachine.DataBase + (TestMachine.DataPages * 4096UL);

    /// <summary>Forms whose memory operand is [rdi], with the operand's size.</summary>
    private static readonly Dictionary<string, (int Size, Action<Assembler> Code)> s_forms = new()
    {
        ["movddup xmm1, [rdi]"] = (8, a => a.movddup(xmm1, __qword_ptr[rdi])),
        ["lddqu xmm1, [rdi]"] = (16, a => a.lddqu(xmm1, __xmmword_ptr[rdi])),
        ["pmovsxbw xmm2, [rdi]"] = (8, a => a.pmovsxbw(xmm2, __qword_ptr[rdi])),
        ["pmovzxbd xmm2, [rdi]"] = (4, a => a.pmovzxbd(xmm2, __dword_ptr[rdi])),
        ["pmovsxbq xmm2, [rdi]"] = (2, a => a.pmovsxbq(xmm2, __word_ptr[rdi])),
        ["pinsrd xmm3, [rdi], 2"] = (4, a => a.pinsrd(xmm3, __dword_ptr[rdi], 2)),
        ["pinsrq xmm3, [rdi], 1"] = (8, a => a.pinsrq(xmm3, __qword_ptr[rdi], 1)),
        ["insertps xmm4, [rdi], 0x19"] = (4, a => a.insertps(xmm4, __dword_ptr[rdi], 0x19)),
        ["pextrw [rdi], xmm5, 3"] = (2, a => a.pextrw(__word_ptr[rdi], xmm5, 3)),
        ["pextrd [rdi], xmm5, 1"] = (4, a => a.pextrd(__dword_ptr[rdi], xmm5, 1)),
        ["pextrq [rdi], xmm5, 1"] = (8, a => a.pextrq(__qword_ptr[rdi], xmm5, 1)),
        ["extractps [rdi], xmm5, 2"] = (4, a => a.extractps(__dword_ptr[rdi], xmm5, 2)),
        ["pcmpestri xmm6, [rdi], 0x0C"] = (16, a => a.pcmpestri(xmm6, __xmmword_ptr[rdi], 0x0C)),
        ["pcmpistrm xmm6, [rdi], 0x44"] = (16, a => a.pcmpistrm(xmm6, __xmmword_ptr[rdi], 0x44)),
        ["movbe ax, [rdi]"] = (2, a => a.movbe(ax, __word_ptr[rdi])),
        ["movbe rax, [rdi]"] = (8, a => a.movbe(rax, __qword_ptr[rdi])),
        ["movbe [rdi], ecx"] = (4, a => a.movbe(__dword_ptr[rdi], ecx)),
        ["movbe [rdi], rcx"] = (8, a => a.movbe(__qword_ptr[rdi], rcx)),
        ["crc32 eax, word [rdi]"] = (2, a => a.crc32(eax, __word_ptr[rdi])),
        ["crc32 rax, qword [rdi]"] = (8, a => a.crc32(rax, __qword_ptr[rdi])),
        ["bzhi rax, [rdi], rcx"] = (8, a => a.bzhi(rax, __qword_ptr[rdi], rcx)),
        ["pdep eax, ecx, [rdi]"] = (4, a => a.pdep(eax, ecx, __dword_ptr[rdi])),
        ["mulx rax, rbx, [rdi]"] = (8, a => a.mulx(rax, rbx, __qword_ptr[rdi])),
        ["rorx eax, [rdi], 7"] = (4, a => a.rorx(eax, __dword_ptr[rdi], 7)),
        ["shrx rax, [rdi], rcx"] = (8, a => a.shrx(rax, __qword_ptr[rdi], rcx)),
    };

    public static TheoryData<string> Forms => new(s_forms.Keys);

    [Theory]
    [MemberData(nameof(Forms))]
    public void OperandAcrossAPageBoundaryActsAsInsideOnePage(string form)
    {
        (int size, Action<Assembler> code) = s_forms[form];
        for (int k = 1; k < size; k++)
        {
            (string inside, _) = Run(code, Inside);
            (string across, _) = Run(code, PageEnd - (ulong)k);
            Assert.True(inside == across, $"{form} with the operand {k} bytes before a page end:\n  inside one page: {inside}\n  across pages:    {across}");
        }
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void OperandRunningIntoAnUnmappedPageFaultsAndChangesNothing(string form)
    {
        (int size, Action<Assembler> code) = s_forms[form];
        if (size == 1)
        {
            return;
        }
        ulong at = MappedEnd - (ulong)(size / 2);
        (string before, _) = Run(_ => { }, at);
        (string after, TestMachine m) = Run(code, at);
        Assert.Equal(HvSim.Cpu.Vector.PageFault, m.Cpu.ExitVector);
        Assert.Equal(MappedEnd, m.Cpu.ExitFault.Address);
        Assert.Equal(TestMachine.CodeBase, m.Cpu.Rip);
        Assert.Equal(before, after);
    }

    // Legacy SSE: "128-bit memory operands require 16-byte alignment unless stated otherwise" (SDM Vol. 1, 11.4.1).
    private static readonly Dictionary<string, Action<Assembler>> s_misaligned = new()
    {
        ["pshufb xmm0, [rdi+8]"] = a => a.pshufb(xmm0, __xmmword_ptr[rdi + 8]),
        ["palignr xmm0, [rdi+4], 3"] = a => a.palignr(xmm0, __xmmword_ptr[rdi + 4], 3),
        ["movshdup xmm0, [rdi+1]"] = a => a.movshdup(xmm0, __xmmword_ptr[rdi + 1]),
        ["pblendvb xmm0, [rdi+8]"] = a => a.AddInstruction(Instruction.Create(Code.Pblendvb_xmm_xmmm128, Register.XMM0, new MemoryOperand(Register.RDI, 8))),
        ["blendps xmm0, [rdi+2], 5"] = a => a.blendps(xmm0, __xmmword_ptr[rdi + 2], 5),
        ["ptest xmm0, [rdi+12]"] = a => a.ptest(xmm0, __xmmword_ptr[rdi + 12]),
        ["pmulld xmm0, [rdi+8]"] = a => a.pmulld(xmm0, __xmmword_ptr[rdi + 8]),
        ["movntdqa xmm0, [rdi+8]"] = a => a.movntdqa(xmm0, __xmmword_ptr[rdi + 8]),
        ["pcmpgtq xmm0, [rdi+8]"] = a => a.pcmpgtq(xmm0, __xmmword_ptr[rdi + 8]),
        ["pclmulqdq xmm0, [rdi+8], 1"] = a => a.pclmulqdq(xmm0, __xmmword_ptr[rdi + 8], 1),
    };

    public static TheoryData<string> MisalignedForms => new(s_misaligned.Keys);

    [Theory]
    [MemberData(nameof(MisalignedForms))]
    public void MisalignedM128OperandRaisesGpAndChangesNothing(string form)
    {
        (string before, _) = Run(_ => { }, TestMachine.DataBase + 0x100);
        (string after, TestMachine m) = Run(s_misaligned[form], TestMachine.DataBase + 0x100);
        Assert.Equal(HvSim.Cpu.Vector.GeneralProtection, m.Cpu.ExitVector);
        Assert.Equal(TestMachine.CodeBase, m.Cpu.Rip);
        Assert.Equal(before, after);
    }

    [Fact]
    public void UnalignedM128IsAllowedForLddquAndTheStringCompares()
    {
        // SDM LDDQU and PCMPESTRI: no alignment requirement for the m128 operand.
        foreach (Action<Assembler> code in new Action<Assembler>[]
        {
            a => a.lddqu(xmm0, __xmmword_ptr[rdi + 3]),
            a => a.pcmpistri(xmm0, __xmmword_ptr[rdi + 5], 0),
            a => a.pcmpestrm(xmm1, __xmmword_ptr[rdi + 9], 0x40),
        })
        {
            (_, TestMachine m) = Run(code, TestMachine.DataBase + 0x100);
            Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        }
    }

    /// <summary>
    /// Runs the code with RDI = <paramref name="rdi"/>, fixed pseudo-random registers (YMM
    /// included) and 40 pattern bytes at RDI (as far as they are mapped); returns the end state
    /// (GPRs but RDI, flags, YMM registers, the bytes at RDI) as text. The VEX memory tests share it.
    /// </summary>
    internal static (string State, TestMachine Machine) Run(Action<Assembler> code, ulong rdi)
    {
        var m = new TestMachine();
        m.Load(a =>
        {
            code(a);
            a.int3();
        });
        var random = new Random(14);
        for (int r = 0; r < 16; r++)
        {
            m.Cpu.R(r) = (ulong)random.NextInt64();
            m.Cpu.Xmm(r) = Vector128.Create((ulong)random.NextInt64(), (ulong)random.NextInt64()).AsByte();
            m.Cpu.YmmHigh(r) = Vector128.Create((ulong)random.NextInt64(), (ulong)random.NextInt64()).AsByte();
        }
        m.Cpu.R(Reg.Rcx) = 0x0000_0000_0000_0025; // a bzhi index and a shift count
        m.Cpu.R(Reg.Rax) = 5;
        m.Cpu.R(Reg.Rdx) = 11;
        m.Cpu.R(Reg.Rsp) = TestMachine.StackTop;
        m.Cpu.R(Reg.Rdi) = rdi;
        int mapped = (int)Math.Min(40, MappedEnd - rdi);
        byte[] pattern = new byte[mapped];
        for (int i = 0; i < mapped; i++)
        {
            pattern[i] = (byte)((i * 37) + 0x61);
        }
        pattern[mapped / 2] = 0; // a string end for the implicit-length compare
        m.WritePhysical(rdi, pattern);
        m.Run(100);
        var state = new System.Text.StringBuilder();
        for (int r = 0; r < 16; r++)
        {
            if (r != Reg.Rdi)
            {
                state.Append($"{Reg.Names64[r]}={m.Cpu.R(r):X} ");
            }
        }
        state.Append($"flags={m.Cpu.Rflags & FlagBits.Status:X} ");
        for (int x = 0; x < 16; x++)
        {
            Vector128<ulong> low = m.Cpu.Xmm(x).AsUInt64(), high = m.Cpu.YmmHigh(x).AsUInt64();
            state.Append($"ymm{x}={high.GetElement(1):X}_{high.GetElement(0):X}_{low.GetElement(1):X}_{low.GetElement(0):X} ");
        }
        state.Append("mem=" + Convert.ToHexString(m.ReadPhysical(rdi, mapped)));
        return (state.ToString(), m);
    }
}

using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>
/// What the host oracle cannot show for the VEX forms of SSSE3/SSE4/PCLMULQDQ memory operands: an
/// operand that straddles a page boundary (at every split) gives the same result as the same bytes
/// inside one page (which the oracle checks against the host), and one running into an unmapped
/// page faults at the instruction and changes nothing. VEX operands have no alignment rule (the
/// oracle runs them misaligned).
/// </summary>
public sealed class AvxSse4MemoryTests
{
    /// <summary>Forms whose memory operand is [rdi], with the operand's size.</summary>
    private static readonly Dictionary<string, (int Size, Action<Assembler> Code)> s_forms = new()
    {
        ["vpshufb ymm1, ymm2, [rdi]"] = (32, a => a.vpshufb(ymm1, ymm2, __ymmword_ptr[rdi])),
        ["vpalignr xmm1, xmm2, [rdi], 5"] = (16, a => a.vpalignr(xmm1, xmm2, __xmmword_ptr[rdi], 5)),
        ["vpalignr ymm1, ymm2, [rdi], 9"] = (32, a => a.vpalignr(ymm1, ymm2, __ymmword_ptr[rdi], 9)),
        ["vpmulld ymm1, ymm2, [rdi]"] = (32, a => a.vpmulld(ymm1, ymm2, __ymmword_ptr[rdi])),
        ["vmpsadbw ymm1, ymm2, [rdi], 0x2B"] = (32, a => a.vmpsadbw(ymm1, ymm2, __ymmword_ptr[rdi], 0x2B)),
        ["vphminposuw xmm1, [rdi]"] = (16, a => a.vphminposuw(xmm1, __xmmword_ptr[rdi])),
        ["vpmovsxbw ymm2, [rdi]"] = (16, a => a.vpmovsxbw(ymm2, __xmmword_ptr[rdi])),
        ["vpmovzxwd xmm2, [rdi]"] = (8, a => a.vpmovzxwd(xmm2, __qword_ptr[rdi])),
        ["vpmovzxbq ymm2, [rdi]"] = (4, a => a.vpmovzxbq(ymm2, __dword_ptr[rdi])),
        ["vpmovsxbq xmm2, [rdi]"] = (2, a => a.vpmovsxbq(xmm2, __word_ptr[rdi])),
        ["vpinsrd xmm3, xmm4, [rdi], 2"] = (4, a => a.vpinsrd(xmm3, xmm4, __dword_ptr[rdi], 2)),
        ["vpinsrq xmm3, xmm4, [rdi], 1"] = (8, a => a.vpinsrq(xmm3, xmm4, __qword_ptr[rdi], 1)),
        ["vinsertps xmm4, xmm5, [rdi], 0x19"] = (4, a => a.vinsertps(xmm4, xmm5, __dword_ptr[rdi], 0x19)),
        ["vpextrd [rdi], xmm5, 1"] = (4, a => a.vpextrd(__dword_ptr[rdi], xmm5, 1)),
        ["vpextrq [rdi], xmm5, 1"] = (8, a => a.vpextrq(__qword_ptr[rdi], xmm5, 1)),
        ["vextractps [rdi], xmm5, 2"] = (4, a => a.vextractps(__dword_ptr[rdi], xmm5, 2)),
        ["vpcmpestri xmm6, [rdi], 0x0C"] = (16, a => a.vpcmpestri(xmm6, __xmmword_ptr[rdi], 0x0C)),
        ["vpcmpistrm xmm6, [rdi], 0x44"] = (16, a => a.vpcmpistrm(xmm6, __xmmword_ptr[rdi], 0x44)),
        ["vpclmulqdq xmm1, xmm2, [rdi], 0x11"] = (16, a => a.vpclmulqdq(xmm1, xmm2, __xmmword_ptr[rdi], 0x11)),
    };

    public static TheoryData<string> Forms => new(s_forms.Keys);

    [Theory]
    [MemberData(nameof(Forms))]
    public void OperandAcrossAPageBoundaryActsAsInsideOnePage(string form)
    {
        (int size, Action<Assembler> code) = s_forms[form];
        (string inside, _) = Sse4MemoryTests.Run(code, Sse4MemoryTests.Inside);
        for (int k = 1; k < size; k++)
        {
            (string across, _) = Sse4MemoryTests.Run(code, Sse4MemoryTests.PageEnd - (ulong)k);
            Assert.True(inside == across, $"{form} with the operand {k} bytes before a page end:\n  inside one page: {inside}\n  across pages:    {across}");
        }
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void OperandRunningIntoAnUnmappedPageFaultsAndChangesNothing(string form)
    {
        (int size, Action<Assembler> code) = s_forms[form];
        ulong at = Sse4MemoryTests.MappedEnd - (ulong)(size / 2);
        (string before, _) = Sse4MemoryTests.Run(_ => { }, at);
        (string after, TestMachine m) = Sse4MemoryTests.Run(code, at);
        Assert.Equal(HvSim.Cpu.Vector.PageFault, m.Cpu.ExitVector);
        Assert.Equal(Sse4MemoryTests.MappedEnd, m.Cpu.ExitFault.Address);
        Assert.Equal(TestMachine.CodeBase, m.Cpu.Rip);
        Assert.Equal(before, after);
    }
}

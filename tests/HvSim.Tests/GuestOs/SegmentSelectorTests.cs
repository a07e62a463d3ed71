using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;
using static HvSim.Tests.GuestOsTests.OsCallGuest;

namespace HvSim.Tests.GuestOsTests;

/// <summary>
/// Issue 14: mov r/m, Sreg reads the selectors a 64-bit Linux process has (cs 0x33, ss 0x2b, the
/// others null), with the widths of each form; mov Sreg, r/m keeps working for the loads that
/// change nothing and raises #GP (SIGSEGV) for a null SS, as hardware does.
/// </summary>
public sealed class SegmentSelectorTests
{
    [Theory]
    [InlineData("cs", 0x33)]
    [InlineData("ss", 0x2B)]
    [InlineData("ds", 0)]
    [InlineData("es", 0)]
    [InlineData("fs", 0)]
    [InlineData("gs", 0)]
    public void Mov_r32_from_a_segment_register_reads_the_user_selector(string name, int selector)
    {
        AssemblerRegisterSegment segment = Segment(name);
        byte[] elf = Program(a =>
        {
            a.mov(rax, -1L);
            a.mov(eax, segment);          // mov r32, Sreg: the upper half is cleared
            ExitWithRax(a);
        });
        KernelRun run = AssertStatus(elf, selector, $"mov-r32-{name}");
        Assert.Equal(selector, ExitArgument(run));
    }

    [Fact]
    public void Mov_r16_keeps_the_upper_bits_and_mov_m16_stores_two_bytes()
    {
        KernelRun run = Run(Program(a =>
        {
            a.mov(rax, -1L);
            a.mov(ax, ss);
            a.mov(r12, rax);
            a.push(-1);
            a.mov(__word_ptr[rsp], cs);
            a.pop(r13);
            a.mov(rax, -1L);
            a.mov(rax, ss);
            ExitWithRax(a);
        }));
        Assert.Equal(0x2BL, ExitArgument(run));
        Assert.Equal(0xFFFF_FFFF_FFFF_002BUL, run.Kernel.Cpu.R(HvSim.Cpu.Reg.R12));
        Assert.Equal(0xFFFF_FFFF_FFFF_0033UL, run.Kernel.Cpu.R(HvSim.Cpu.Reg.R13));
    }

    [Fact]
    public void Loading_the_selector_a_register_already_holds_is_allowed()
    {
        byte[] elf = Program(a =>
        {
            a.mov(eax, 0x2B);
            a.mov(ss, ax);
            a.xor(eax, eax);
            a.mov(ds, ax);
            a.mov(es, ax);
            a.push(0);
            a.mov(ds, __word_ptr[rsp]);
            Exit(a, 7);
        });
        AssertStatus(elf, 7, "mov-sreg-unchanged");
    }

    [Fact]
    public void Loading_a_null_ss_raises_GP_and_so_SIGSEGV()
    {
        byte[] elf = Program(a =>
        {
            a.xor(eax, eax);
            a.mov(ss, ax);
            Exit(a, 7);
        });
        AssertStatus(elf, 139, "mov-ss-null");
    }

    private static AssemblerRegisterSegment Segment(string name) => name switch
    {
        "cs" => cs,
        "ss" => ss,
        "ds" => ds,
        "es" => es,
        "fs" => fs,
        _ => gs,
    };
}

using System.Runtime.Intrinsics;
using HvSim.Cpu.State;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>
/// XGETBV and the XSAVE family as glibc's dynamic linker uses them (xsavec or xsave, then xrstor,
/// with a mask that leaves x87 out): the layout of the area (SDM Vol. 1, 13.4), round trips,
/// the initial state for components whose XSTATE_BV bit is clear, and the #GP cases.
/// </summary>
public sealed class XsaveTests
{
    private static readonly Vector128<byte> UpperMarker = Vector128.Create(0x0123_4567_89AB_CDEFUL, 0xFEDC_BA98_7654_3210).AsByte();

    private static TestMachine Run(Action<Assembler> program, Action<TestMachine>? setup = null)
    {
        var m = new TestMachine();
        m.LoadEndingInInt3(program);
        for (int x = 0; x < 16; x++)
        {
            m.Cpu.Xmm(x) = Vector128.Create((byte)(x + 1));
            m.Cpu.YmmHigh(x) = x == 5 ? UpperMarker : Vector128.Create((byte)(0x80 + x));
        }
        m.Cpu.R(HvSim.Cpu.Reg.Rdi) = TestMachine.DataBase + 0x40;
        setup?.Invoke(m);
        m.Run();
        return m;
    }

    private static ulong Qword(TestMachine m, int offset) => BitConverter.ToUInt64(m.ReadPhysical(TestMachine.DataBase + 0x40 + (ulong)offset, 8));

    [Fact]
    public void XgetbvReportsX87SseAndAvx()
    {
        TestMachine m = Run(a =>
        {
            a.mov(rax, -1);
            a.mov(rdx, -1);
            a.xor(ecx, ecx);
            a.xgetbv();
        });
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal(7UL, m.Cpu.R(HvSim.Cpu.Reg.Rax));
        Assert.Equal(0UL, m.Cpu.R(HvSim.Cpu.Reg.Rdx));
    }

    [Fact]
    public void XgetbvWithAnotherXcrRaisesGp()
    {
        TestMachine m = Run(a =>
        {
            a.mov(ecx, 2);
            a.xgetbv();
        });
        Assert.Equal(HvSim.Cpu.Vector.GeneralProtection, m.Cpu.ExitVector);
    }

    [Fact]
    public void XsaveWritesTheStandardLayoutAndXrstorRestoresIt()
    {
        TestMachine m = Run(a =>
        {
            a.mov(eax, -1);
            a.mov(edx, -1);
            a.xsave64(__[rdi]);
            a.vzeroall();
            a.mov(eax, -1);
            a.xrstor64(__[rdi]);
        });
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal(7UL, Qword(m, XsaveArea.XstateBvOffset));
        Assert.Equal(0UL, Qword(m, XsaveArea.XcompBvOffset));
        Assert.Equal(UpperMarker.AsUInt64().GetElement(0), Qword(m, XsaveArea.YmmHighOffset + (5 * 16)));
        Assert.Equal(0x0606060606060606UL, Qword(m, 160 + (5 * 16)));
        Assert.Equal(0x1F80UL, Qword(m, 24) & 0xFFFF_FFFF);
        Assert.Equal(UpperMarker, m.Cpu.YmmHigh(5));
        Assert.Equal(Vector128.Create((byte)6), m.Cpu.Xmm(5));
    }

    [Fact]
    public void XsavecCompactsAndLeavesOutAnAvxStateThatIsInitial()
    {
        TestMachine m = Run(a =>
        {
            a.vzeroupper();
            a.mov(eax, 0xEE); // glibc's STATE_SAVE_MASK: no x87
            a.xor(edx, edx);
            a.xsavec64(__[rdi]);
        });
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal(2UL, Qword(m, XsaveArea.XstateBvOffset)); // SSE only: x87 not requested, AVX initial
        Assert.Equal(0x8000_0000_0000_0006UL, Qword(m, XsaveArea.XcompBvOffset));
        Assert.Equal(0UL, Qword(m, 0)); // the x87 bytes are not written
        Assert.Equal(0x0101010101010101UL, Qword(m, 160));
    }

    [Fact]
    public void XrstorOfACompactedAreaWithAvxClearInitialisesTheUpperHalves()
    {
        TestMachine m = Run(a =>
        {
            a.vzeroupper();
            a.mov(eax, 7);
            a.xor(edx, edx);
            a.xsavec64(__[rdi]);
            a.vpcmpeqb(ymm3, ymm3, ymm3);
            a.xrstor64(__[rdi]);
        });
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal(Vector128<byte>.Zero, m.Cpu.YmmHigh(3));
        Assert.Equal(Vector128.Create((byte)4), m.Cpu.Xmm(3));
    }

    [Fact]
    public void XsaveOnlyTouchesTheRequestedComponents()
    {
        TestMachine m = Run(a =>
        {
            a.mov(eax, 4); // AVX only: MXCSR and YMM_Hi128, not the XMM registers
            a.xor(edx, edx);
            a.xsave64(__[rdi]);
        });
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal(4UL, Qword(m, XsaveArea.XstateBvOffset));
        Assert.Equal(0UL, Qword(m, 160));
        Assert.Equal(UpperMarker.AsUInt64().GetElement(1), Qword(m, XsaveArea.YmmHighOffset + (5 * 16) + 8));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(32)]
    public void MisalignedAreasRaiseGp(int offset)
    {
        TestMachine m = Run(a =>
        {
            a.mov(eax, -1);
            a.xsave64(__[rdi + offset]);
        });
        Assert.Equal(HvSim.Cpu.Vector.GeneralProtection, m.Cpu.ExitVector);
        Assert.Equal(TestMachine.CodeBase + 5, m.Cpu.Rip);
    }

    [Fact]
    public void XrstorWithReservedHeaderBitsRaisesGpAndChangesNothing()
    {
        TestMachine m = Run(a =>
        {
            a.mov(__qword_ptr[rdi + XsaveArea.XstateBvOffset], 0x10); // a component outside XCR0
            a.mov(eax, -1);
            a.vpcmpeqb(ymm3, ymm3, ymm3);
            a.xrstor64(__[rdi]);
        });
        Assert.Equal(HvSim.Cpu.Vector.GeneralProtection, m.Cpu.ExitVector);
        Assert.Equal(Vector128<byte>.AllBitsSet, m.Cpu.YmmHigh(3));
    }
}

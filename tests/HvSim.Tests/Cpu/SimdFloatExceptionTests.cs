using System.Runtime.Intrinsics;
using HvSim.Cpu;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>
/// SSE floating-point behaviour the host oracle cannot show without dying: unmasked exceptions (#XM)
/// of the SSE3/SSE4.1 forms (the SSE2 ones are compared natively by guests/simdfpe), alignment #GP
/// and page-crossing operands of the new instructions. Expected values follow from the SDM rules
/// cited, not from the interpreter.
/// </summary>
public sealed class SimdFloatExceptionTests
{
    private static readonly Vector128<byte> Marker = Vector128.Create((byte)0xA5);

    private static TestMachine Run(uint mxcsr, Action<Assembler> program, Vector128<byte> xmm1, ulong rdi = TestMachine.DataBase)
    {
        var m = new TestMachine();
        m.LoadEndingInInt3(program);
        m.Cpu.Mxcsr = mxcsr;
        m.Cpu.Xmm(0) = Marker;
        m.Cpu.Xmm(1) = xmm1;
        m.Cpu.R(Reg.Rdi) = rdi;
        m.Run();
        return m;
    }

    private const uint PrecisionUnmasked = 0x1F80 & ~0x1000u;

    [Fact]
    public void RoundsdWithPrecisionUnmaskedTrapsOnAnInexactResult()
    {
        // ROUNDSD: PE is signalled unless imm8[3] suppresses it; unmasked, #XM with the destination unchanged (SDM Vol. 1, 11.5.1).
        TestMachine m = Run(PrecisionUnmasked, a => a.roundsd(xmm0, xmm1, 0), Vector128.Create(1.5, 7.0).AsByte());
        VectorFaultMachine.AssertFaultedAtFirstInstruction(m, HvSim.Cpu.Vector.SimdFloatingPoint);
        Assert.Equal(Marker, m.Cpu.Xmm(0));
        Assert.Equal(PrecisionUnmasked | 0x20, m.Cpu.Mxcsr);
    }

    [Fact]
    public void RoundsdWithSuppressedPrecisionDoesNotTrap()
    {
        TestMachine m = Run(PrecisionUnmasked, a => a.roundsd(xmm0, xmm1, 8), Vector128.Create(1.5, 7.0).AsByte());
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal(2.0, m.Cpu.Xmm(0).AsDouble().GetElement(0));
        Assert.Equal(PrecisionUnmasked, m.Cpu.Mxcsr);
    }

    [Fact]
    public void HaddpsWithAnUnmaskedInvalidSetsOnlyPreComputationFlags()
    {
        // Lanes: ∞ + −∞ (IE, unmasked) in the second source's pair, 1 + 2^-30 (inexact) in the first source's:
        // IE is a pre-computation exception, so PE is not set (SDM Vol. 1, 11.5.2).
        const uint invalidUnmasked = 0x1F80 & ~0x80u;
        var m = new TestMachine();
        m.Load(a =>
        {
            a.haddps(xmm0, xmm2);
            a.int3();
        });
        m.Cpu.Mxcsr = invalidUnmasked;
        m.Cpu.Xmm(0) = Vector128.Create(1f, MathF.ScaleB(1f, -30), 3f, 4f).AsByte();
        m.Cpu.Xmm(2) = Vector128.Create(float.PositiveInfinity, float.NegativeInfinity, 1f, 1f).AsByte();
        Vector128<byte> before = m.Cpu.Xmm(0);
        m.Run();
        VectorFaultMachine.AssertFaultedAtFirstInstruction(m, HvSim.Cpu.Vector.SimdFloatingPoint);
        Assert.Equal(before, m.Cpu.Xmm(0));
        Assert.Equal(invalidUnmasked | 0x01, m.Cpu.Mxcsr);
    }

    [Theory]
    [InlineData("haddps")]
    [InlineData("addsubpd")]
    [InlineData("dpps")]
    [InlineData("roundpd")]
    public void MisalignedM128OperandRaisesGp(string mnemonic)
    {
        AssemblerMemoryOperand source = __xmmword_ptr[rdi + 8];
        TestMachine m = Run(0x1F80, a =>
        {
            switch (mnemonic)
            {
                case "haddps": a.haddps(xmm0, source); break;
                case "addsubpd": a.addsubpd(xmm0, source); break;
                case "dpps": a.dpps(xmm0, source, 0xFF); break;
                default: a.roundpd(xmm0, source, 0); break;
            }
        }, Marker);
        VectorFaultMachine.AssertFaultedAtFirstInstruction(m, HvSim.Cpu.Vector.GeneralProtection);
        Assert.Equal(Marker, m.Cpu.Xmm(0));
    }

    [Fact]
    public void RoundsdReadsAnOperandAcrossAPageBoundary()
    {
        ulong at = TestMachine.DataBase + 4096 - 4;
        var m = new TestMachine();
        m.Load(a =>
        {
            a.roundsd(xmm0, __qword_ptr[rdi], 1);
            a.int3();
        });
        m.WritePhysical(at, BitConverter.GetBytes(-2.25));
        m.Cpu.R(Reg.Rdi) = at;
        m.Run();
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal(-3.0, m.Cpu.Xmm(0).AsDouble().GetElement(0)); // imm8 1: round down
    }

    [Fact]
    public void RoundssRunningIntoAnUnmappedPageFaultsAndLeavesTheRegister()
    {
        ulong at = TestMachine.DataBase + (TestMachine.DataPages * 4096UL) - 2;
        TestMachine m = Run(0x1F80, a => a.roundss(xmm0, __dword_ptr[rdi], 0), Marker, at);
        VectorFaultMachine.AssertFaultedAtFirstInstruction(m, HvSim.Cpu.Vector.PageFault);
        Assert.Equal(TestMachine.DataBase + (TestMachine.DataPages * 4096UL), m.Cpu.ExitFault.Address);
        Assert.Equal(Marker, m.Cpu.Xmm(0));
    }
}

using System.Runtime.Intrinsics;
using HvSim.Cpu;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>
/// VEX floating-point behaviour the host oracle cannot show without dying: unmasked exceptions (#XM)
/// and page-crossing or faulting operands. Expected values follow from the SDM rules cited (Vol. 1,
/// 11.5.1 and 11.5.2: on an unmasked exception the destination is unchanged, all of it; IE, DE and ZE
/// of any element hide the post-computation flags), not from the interpreter.
/// </summary>
public sealed class AvxFloatExceptionTests
{
    private static readonly Vector128<byte> Marker = Vector128.Create((byte)0xA5);
    private static readonly Vector128<byte> HighMarker = Vector128.Create((byte)0x5A);

    private const uint InvalidUnmasked = 0x1F80 & ~0x80u;
    private const uint OverflowUnmasked = 0x1F80 & ~0x400u;
    private const uint PrecisionUnmasked = 0x1F80 & ~0x1000u;

    /// <summary>Runs <paramref name="program"/> with xmm0/ymm0 holding markers and xmm1, xmm2 (both halves) the given values.</summary>
    internal static TestMachine Run(uint mxcsr, Action<Assembler> program, Vector256<byte> ymm1, Vector256<byte> ymm2, ulong rdi = TestMachine.DataBase)
    {
        var m = new TestMachine();
        m.LoadEndingInInt3(program);
        m.Cpu.Mxcsr = mxcsr;
        m.Cpu.Xmm(0) = Marker;
        m.Cpu.YmmHigh(0) = HighMarker;
        m.Cpu.Xmm(1) = ymm1.GetLower();
        m.Cpu.YmmHigh(1) = ymm1.GetUpper();
        m.Cpu.Xmm(2) = ymm2.GetLower();
        m.Cpu.YmmHigh(2) = ymm2.GetUpper();
        m.Cpu.R(Reg.Rdi) = rdi;
        m.Run();
        return m;
    }

    internal static void AssertTrappedUnchanged(TestMachine m, HvSim.Cpu.Vector vector)
    {
        Assert.Equal(vector, m.Cpu.ExitVector);
        Assert.Equal(TestMachine.CodeBase, m.Cpu.Rip);
        Assert.Equal(0, m.Cpu.InstructionsRetired);
        Assert.Equal(Marker, m.Cpu.Xmm(0));
        Assert.Equal(HighMarker, m.Cpu.YmmHigh(0));
    }

    [Fact]
    public void Vaddps256WithAnUnmaskedInvalidInTheUpperHalfTrapsWithPreComputationFlagsOnly()
    {
        // Low half inexact (1 + 2^-30), upper half ∞ + −∞: IE unmasked, so only IE becomes sticky.
        var ones = Vector128.Create(1f, 1f, 1f, 1f);
        Vector256<byte> y1 = Vector256.Create(ones, Vector128.Create(float.PositiveInfinity, 1f, 1f, 1f)).AsByte();
        Vector256<byte> y2 = Vector256.Create(Vector128.Create(MathF.ScaleB(1f, -30)), Vector128.Create(float.NegativeInfinity, 1f, 1f, 1f)).AsByte();
        TestMachine m = Run(InvalidUnmasked, a => a.vaddps(ymm0, ymm1, ymm2), y1, y2);
        AssertTrappedUnchanged(m, HvSim.Cpu.Vector.SimdFloatingPoint);
        Assert.Equal(InvalidUnmasked | 0x01, m.Cpu.Mxcsr);
    }

    [Fact]
    public void Vaddss128WithAnUnmaskedPrecisionTrapsWithoutZeroingTheUpperHalf()
    {
        Vector256<byte> y1 = Vector256.Create(1f).AsByte();
        Vector256<byte> y2 = Vector256.Create(MathF.ScaleB(1f, -30)).AsByte();
        TestMachine m = Run(PrecisionUnmasked, a => a.vaddss(xmm0, xmm1, xmm2), y1, y2);
        AssertTrappedUnchanged(m, HvSim.Cpu.Vector.SimdFloatingPoint);
        Assert.Equal(PrecisionUnmasked | 0x20, m.Cpu.Mxcsr);
    }

    [Fact]
    public void Vcvtpd2psFromYmmWithAnUnmaskedOverflowInTheUpperHalfTraps()
    {
        Vector256<byte> y1 = Vector256.Create(1.0, 2.0, 3.0, 1e300).AsByte();
        TestMachine m = Run(OverflowUnmasked, a => a.vcvtpd2ps(xmm0, ymm1), y1, y1);
        AssertTrappedUnchanged(m, HvSim.Cpu.Vector.SimdFloatingPoint);
        Assert.Equal(OverflowUnmasked | 0x08 | 0x20, m.Cpu.Mxcsr);
    }

    [Fact]
    public void Vmulpd256MaskedWritesBothHalves()
    {
        Vector256<byte> y1 = Vector256.Create(1.5, 2.0, 3.0, -4.0).AsByte();
        Vector256<byte> y2 = Vector256.Create(2.0).AsByte();
        TestMachine m = Run(0x1F80, a => a.vmulpd(ymm0, ymm1, ymm2), y1, y2);
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal(Vector128.Create(3.0, 4.0).AsByte(), m.Cpu.Xmm(0));
        Assert.Equal(Vector128.Create(6.0, -8.0).AsByte(), m.Cpu.YmmHigh(0));
        Assert.Equal(0x1F80u, m.Cpu.Mxcsr);
    }

    [Fact]
    public void Vsubpd256ReadsAnOperandAcrossAPageBoundary()
    {
        ulong at = TestMachine.DataBase + 4096 - 16;
        var m = new TestMachine();
        m.Load(a =>
        {
            a.vsubpd(ymm0, ymm1, __ymmword_ptr[rdi]);
            a.int3();
        });
        byte[] data = new byte[32];
        for (int i = 0; i < 4; i++)
        {
            BitConverter.TryWriteBytes(data.AsSpan(i * 8), (double)(i + 1));
        }
        m.WritePhysical(at, data);
        m.Cpu.R(Reg.Rdi) = at;
        m.Cpu.Xmm(1) = Vector128.Create(10.0, 20.0).AsByte();
        m.Cpu.YmmHigh(1) = Vector128.Create(30.0, 40.0).AsByte();
        m.Run();
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal(Vector128.Create(9.0, 18.0).AsByte(), m.Cpu.Xmm(0));
        Assert.Equal(Vector128.Create(27.0, 36.0).AsByte(), m.Cpu.YmmHigh(0));
    }

    [Fact]
    public void Vdivps256RunningIntoAnUnmappedPageFaultsAndLeavesTheRegister()
    {
        ulong at = TestMachine.DataBase + (TestMachine.DataPages * 4096UL) - 16;
        TestMachine m = Run(0x1F80, a => a.vdivps(ymm0, ymm1, __ymmword_ptr[rdi]), Vector256<byte>.Zero, Vector256<byte>.Zero, at);
        AssertTrappedUnchanged(m, HvSim.Cpu.Vector.PageFault);
        Assert.Equal(TestMachine.DataBase + (TestMachine.DataPages * 4096UL), m.Cpu.ExitFault.Address);
    }
    private const uint UnderflowUnmasked = 0x1F80 & ~0x800u;

    [Fact]
    public void Vfmadd213sdWithAnUnmaskedPrecisionTrapsAndKeepsTheDestination()
    {
        // ymm0 (the marker, a normal number) × 1 + 2^-60: inexact; dst = ymm1 × ymm0 + ymm2 (213).
        Vector256<byte> y1 = Vector256.Create(1.0).AsByte();
        Vector256<byte> y2 = Vector256.Create(Math.ScaleB(1.0, -60)).AsByte();
        TestMachine m = Run(PrecisionUnmasked, a => a.vfmadd213sd(xmm0, xmm1, xmm2), y1, y2);
        AssertTrappedUnchanged(m, HvSim.Cpu.Vector.SimdFloatingPoint);
        Assert.Equal(PrecisionUnmasked | 0x20, m.Cpu.Mxcsr);
    }

    [Fact]
    public void Vfnmsub231pd256WithAnUnmaskedUnderflowInTheUpperHalfTraps()
    {
        // Upper half: 2^-515 × 2^-515 = 2^-1030, exact but tiny: an unmasked UE needs only tininess (SDM Vol. 1, 4.9.1.5).
        Vector256<byte> y1 = Vector256.Create(1.0, 1.0, Math.ScaleB(1.0, -515), 1.0).AsByte();
        Vector256<byte> y2 = Vector256.Create(1.0, 1.0, Math.ScaleB(1.0, -515), 1.0).AsByte();
        var m = new TestMachine();
        m.Load(a =>
        {
            a.vfnmsub231pd(ymm0, ymm1, ymm2);
            a.int3();
        });
        m.Cpu.Mxcsr = UnderflowUnmasked;
        m.Cpu.Xmm(0) = Vector128<byte>.Zero;
        m.Cpu.YmmHigh(0) = Vector128<byte>.Zero;
        m.Cpu.Xmm(1) = y1.GetLower();
        m.Cpu.YmmHigh(1) = y1.GetUpper();
        m.Cpu.Xmm(2) = y2.GetLower();
        m.Cpu.YmmHigh(2) = y2.GetUpper();
        m.Run();
        Assert.Equal(HvSim.Cpu.Vector.SimdFloatingPoint, m.Cpu.ExitVector);
        Assert.Equal(Vector128<byte>.Zero, m.Cpu.Xmm(0));
        Assert.Equal(Vector128<byte>.Zero, m.Cpu.YmmHigh(0));
        Assert.Equal(UnderflowUnmasked | 0x10, m.Cpu.Mxcsr);
    }

    [Fact]
    public void Vfmadd231psInfinityTimesZeroPlusAQuietNaNRaisesNothing()
    {
        // Measured on the host (AMD): ∞ × 0 + QNaN returns the QNaN addend without IE, so an unmasked IE does not trap.
        var m = new TestMachine();
        m.Load(a =>
        {
            a.vfmadd231ps(xmm3, xmm1, xmm2);
            a.int3();
        });
        m.Cpu.Mxcsr = InvalidUnmasked;
        m.Cpu.Xmm(1) = Vector128.Create(float.PositiveInfinity).AsByte();
        m.Cpu.Xmm(2) = Vector128.Create(0f).AsByte();
        m.Cpu.Xmm(3) = Vector128.Create(0x7FC0_0123u).AsByte();
        m.Cpu.YmmHigh(3) = HighMarker;
        m.Run();
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal(Vector128.Create(0x7FC0_0123u).AsByte(), m.Cpu.Xmm(3));
        Assert.Equal(Vector128<byte>.Zero, m.Cpu.YmmHigh(3));
        Assert.Equal(InvalidUnmasked, m.Cpu.Mxcsr);
    }
    [Fact]
    public void Vcvtps2phToMemoryWithAnUnmaskedOverflowStoresNothing()
    {
        // 1e6 does not fit binary16 (max 65504): OE and PE; OE unmasked, so #XM and the m128 keeps its bytes.
        Vector256<byte> y1 = Vector256.Create(1f, 2f, 3f, 4f, 5f, 6f, 7f, 1e6f).AsByte();
        var m = new TestMachine();
        m.Load(a =>
        {
            a.vcvtps2ph(__xmmword_ptr[rdi], ymm1, 4);
            a.int3();
        });
        m.WritePhysical(TestMachine.DataBase, Enumerable.Repeat((byte)0xA5, 16).ToArray());
        m.Cpu.Mxcsr = OverflowUnmasked;
        m.Cpu.Xmm(1) = y1.GetLower();
        m.Cpu.YmmHigh(1) = y1.GetUpper();
        m.Cpu.R(Reg.Rdi) = TestMachine.DataBase;
        m.Run();
        Assert.Equal(HvSim.Cpu.Vector.SimdFloatingPoint, m.Cpu.ExitVector);
        Assert.Equal(TestMachine.CodeBase, m.Cpu.Rip);
        Assert.Equal(OverflowUnmasked | 0x08 | 0x20, m.Cpu.Mxcsr);
        byte[] after = new byte[16];
        Assert.True(m.Mmu.TryRead(TestMachine.DataBase, after, user: true, out _));
        Assert.All(after, b => Assert.Equal(0xA5, b));
    }

    [Fact]
    public void Vcvtps2phStoresAcrossAPageBoundaryAndAFaultingStoreLeavesMxcsr()
    {
        // Crossing: 16 bytes from 8 below the page end. Faulting: into the unmapped page after the data, with an inexact element,
        // so a store that faults must not have made PE sticky (a fault leaves no architectural effect).
        Vector256<byte> y1 = Vector256.Create(1f, 2f, 3f, 4f, 5f, 6f, 7f, 1.0001f).AsByte();
        ulong crossing = TestMachine.DataBase + 4096 - 8;
        var m = new TestMachine();
        m.Load(a =>
        {
            a.vcvtps2ph(__xmmword_ptr[rdi], ymm1, 0);
            a.int3();
        });
        m.Cpu.Xmm(1) = y1.GetLower();
        m.Cpu.YmmHigh(1) = y1.GetUpper();
        m.Cpu.R(Reg.Rdi) = crossing;
        m.Run();
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        byte[] stored = new byte[16];
        Assert.True(m.Mmu.TryRead(crossing, stored, user: true, out _));
        Assert.Equal((ushort)0x3C00, BitConverter.ToUInt16(stored, 0)); // 1.0
        Assert.Equal((ushort)0x4700, BitConverter.ToUInt16(stored, 12)); // 7.0
        Assert.Equal(0x1F80u | 0x20, m.Cpu.Mxcsr);

        ulong end = TestMachine.DataBase + (TestMachine.DataPages * 4096UL) - 8;
        TestMachine f = Run(0x1F80, a => a.vcvtps2ph(__xmmword_ptr[rdi], ymm1, 0), y1, y1, end);
        Assert.Equal(HvSim.Cpu.Vector.PageFault, f.Cpu.ExitVector);
        Assert.Equal(0x1F80u, f.Cpu.Mxcsr);
    }

    [Fact]
    public void Vcvtph2psOfASignalingNaNWithInvalidUnmaskedTraps()
    {
        Vector256<byte> y1 = Vector256.Create((ushort)0x3C00, 0x7C01, 0, 0, 0x3C00, 0x3C00, 0x3C00, 0x3C00, 0, 0, 0, 0, 0, 0, 0, 0).AsByte();
        TestMachine m = Run(InvalidUnmasked, a => a.vcvtph2ps(ymm0, xmm1), y1, y1);
        AssertTrappedUnchanged(m, HvSim.Cpu.Vector.SimdFloatingPoint);
        Assert.Equal(InvalidUnmasked | 0x01, m.Cpu.Mxcsr);
    }
    [Fact]
    public void VdivssWhoseExactQuotientOverflowsWithOverflowUnmaskedRaisesOverflowAlone()
    {
        // 2^100 / 2^-100 = 2^200: exact at full precision, so an unmasked OE comes without PE (measured on the host;
        // the masked response, ∞, would add PE). The instruction traps and xmm0 keeps its value.
        Vector256<byte> y1 = Vector256.Create(MathF.ScaleB(1f, 100)).AsByte();
        Vector256<byte> y2 = Vector256.Create(MathF.ScaleB(1f, -100)).AsByte();
        TestMachine m = Run(OverflowUnmasked, a => a.vdivss(xmm0, xmm1, xmm2), y1, y2);
        AssertTrappedUnchanged(m, HvSim.Cpu.Vector.SimdFloatingPoint);
        Assert.Equal(OverflowUnmasked | 0x08, m.Cpu.Mxcsr);
    }

    [Fact]
    public void Vdpps256KeepsTheFlagsOfTheStagesBeforeTheOneThatTraps()
    {
        // Products 2^100 × 2^100 overflow (masked: +∞, OE and PE) and −2^100 × 2^100 (−∞); their sum ∞ − ∞ is
        // invalid with IE unmasked: #XM with OE, PE from the product stage and IE from the sum stage (host).
        var big = Vector128.Create(MathF.ScaleB(1f, 100), MathF.ScaleB(-1f, 100), 0f, 0f);
        Vector256<byte> y1 = Vector256.Create(big, Vector128.Create(1f)).AsByte();
        Vector256<byte> y2 = Vector256.Create(Vector128.Create(MathF.ScaleB(1f, 100)), Vector128.Create(1f)).AsByte();
        TestMachine m = Run(InvalidUnmasked, a => a.vdpps(ymm0, ymm1, ymm2, 0xF1), y1, y2);
        AssertTrappedUnchanged(m, HvSim.Cpu.Vector.SimdFloatingPoint);
        Assert.Equal(InvalidUnmasked | 0x01 | 0x08 | 0x20, m.Cpu.Mxcsr);
    }
}

using System.Runtime.Intrinsics;
using HvSim.HostOracle;
using HvSim.Mmu;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;
using static HvSim.Tests.Cpu.VectorFaultMachine;

namespace HvSim.Tests.Cpu;

/// <summary>
/// What the host oracle cannot show without dying, for VEX: alignment #GP of the aligned moves
/// only, 256-bit accesses across a page boundary and into a read-only or unmapped page, masked
/// moves whose masked-out elements lie on an inaccessible page; and the YMM state rules (legacy
/// SSE keeps bits 255:128, VEX.128 zeroes them) against the host.
/// </summary>
public sealed class AvxFaultTests
{
    [Fact]
    public void LegacySseKeepsAndVex128ZeroesTheUpperHalvesAsTheHostDoes()
    {
        var forms = new (string Name, Action<Assembler> Code)[]
        {
            ("paddd xmm1, xmm2", a => a.paddd(xmm1, xmm2)),
            ("movdqa xmm3, [rdi+0x40]", a => a.movdqa(xmm3, __xmmword_ptr[rdi + 0x40])),
            ("movq xmm4, rax", a => a.movq(xmm4, rax)),
            ("pshufd xmm5, xmm6, 0x1b", a => a.pshufd(xmm5, xmm6, 0x1B)),
            ("cvtsi2sd xmm7, rax", a => a.cvtsi2sd(xmm7, rax)),
            ("vpaddd xmm1, xmm2, xmm3; paddd xmm2, xmm1", a => { a.vpaddd(xmm1, xmm2, xmm3); a.paddd(xmm2, xmm1); }),
            ("vpaddd ymm1, ymm2, ymm3; pxor xmm1, xmm4", a => { a.vpaddd(ymm1, ymm2, ymm3); a.pxor(xmm1, xmm4); }),
        };
        foreach (var (name, code) in forms)
        {
            SseOracle.Check(new SseOracle.Form(name, code, AvxForms.RandomUpperHalves), 20);
        }
    }

    [Fact]
    public void TheOracleReportsTheUpperHalves()
    {
        // A self-check of the harness: vpcmpeqd ymm0 sets every bit on the host, so a harness
        // that did not carry bits 255:128 would let the oracle tests above pass vacuously.
        using var native = new NativeExecutor();
        MachineSnapshot output = native.Run(CodeEncoder.Encode(a => a.vpcmpeqd(ymm0, ymm0, ymm0)), new MachineSnapshot());
        Assert.Equal(new Xmm128(ulong.MaxValue, ulong.MaxValue), output.YmmHigh[0]);
        var input = new MachineSnapshot();
        input.YmmHigh[5] = new Xmm128(1, 2);
        output = native.Run(CodeEncoder.Encode(a => a.nop()), input);
        Assert.Equal(new Xmm128(1, 2), output.YmmHigh[5]);
    }

    [Theory]
    [InlineData("vmovdqa ymm0, [rdi+16]")]
    [InlineData("vmovaps ymm0, [rdi+8]")]
    [InlineData("vmovapd xmm0, [rdi+8]")]
    [InlineData("vmovntdqa ymm0, [rdi+16]")]
    [InlineData("vmovdqa [rdi+16], ymm1")]
    [InlineData("vmovntdq [rdi+16], ymm1")]
    [InlineData("vmovntps [rdi+4], xmm1")]
    public void MisalignedAlignedMoveRaisesGpAndChangesNothing(string form)
    {
        Action<Assembler> code = form switch
        {
            "vmovdqa ymm0, [rdi+16]" => a => a.vmovdqa(ymm0, __ymmword_ptr[rdi + 16]),
            "vmovaps ymm0, [rdi+8]" => a => a.vmovaps(ymm0, __ymmword_ptr[rdi + 8]),
            "vmovapd xmm0, [rdi+8]" => a => a.vmovapd(xmm0, __xmmword_ptr[rdi + 8]),
            "vmovntdqa ymm0, [rdi+16]" => a => a.vmovntdqa(ymm0, __ymmword_ptr[rdi + 16]),
            "vmovdqa [rdi+16], ymm1" => a => a.vmovdqa(__ymmword_ptr[rdi + 16], ymm1),
            "vmovntdq [rdi+16], ymm1" => a => a.vmovntdq(__ymmword_ptr[rdi + 16], ymm1),
            _ => a => a.vmovntps(__xmmword_ptr[rdi + 4], xmm1),
        };
        TestMachine m = Run(code, TestMachine.DataBase);
        AssertFaultedAtFirstInstruction(m, HvSim.Cpu.Vector.GeneralProtection);
        Assert.Equal(Marker, m.Cpu.Xmm(0));
        Assert.Equal(Marker, m.Cpu.YmmHigh(0));
        Assert.Equal((byte)(16 * 7), m.ReadPhysical(TestMachine.DataBase + 16, 1)[0]);
    }

    [Fact]
    public void VexOperandsOtherThanTheAlignedMovesHaveNoAlignmentRule()
    {
        TestMachine m = Run(a =>
        {
            a.vpaddd(ymm0, ymm1, __ymmword_ptr[rdi + 3]);
            a.vpxor(xmm2, xmm3, __xmmword_ptr[rdi + 9]);
            a.vmovdqu(ymm4, __ymmword_ptr[rdi + 17]);
            a.vpshufd(ymm5, __ymmword_ptr[rdi + 1], 0x1B);
            a.vmovdqu(__ymmword_ptr[rdi + 33], ymm4);
        }, TestMachine.DataBase);
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
    }

    [Fact]
    public void Ymm256LoadAcrossAPageBoundaryReadsBothPages()
    {
        ulong at = TestMachine.DataBase + 4096 - 13;
        TestMachine m = Run(a => a.vmovdqu(ymm6, __ymmword_ptr[rdi]), at);
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        byte[] expected = m.ReadPhysical(at, 32);
        Assert.Equal(Vector128.Create(expected.AsSpan(0, 16)), m.Cpu.Xmm(6));
        Assert.Equal(Vector128.Create(expected.AsSpan(16, 16)), m.Cpu.YmmHigh(6));
    }

    [Fact]
    public void Ymm256OperandAcrossAPageBoundaryFeedsTheUpperLane()
    {
        ulong at = TestMachine.DataBase + 4096 - 20;
        TestMachine m = Run(a =>
        {
            a.vpxor(ymm1, ymm1, ymm1);
            a.vpaddb(ymm2, ymm1, __ymmword_ptr[rdi]);
        }, at);
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        byte[] expected = m.ReadPhysical(at, 32);
        Assert.Equal(Vector128.Create(expected.AsSpan(16, 16)), m.Cpu.YmmHigh(2));
    }

    [Fact]
    public void Ymm256StoreIntoAReadOnlyNextPageFaultsAndWritesNothing()
    {
        ulong at = ReadOnlyPage - 24;
        TestMachine m = Run(a => a.vmovdqu(__ymmword_ptr[rdi], ymm1), at);
        AssertFaultedAtFirstInstruction(m, HvSim.Cpu.Vector.PageFault);
        Assert.Equal(ReadOnlyPage, m.Cpu.ExitFault.Address);
        Assert.True(m.Cpu.ExitFault.ErrorCode.HasFlag(PageFaultErrorCode.Write));
    }

    [Fact]
    public void Ymm256StoreAcrossAPageBoundaryWritesBothPages()
    {
        ulong at = TestMachine.DataBase + 4096 - 7;
        TestMachine m = Run(a =>
        {
            a.vpcmpeqb(ymm2, ymm2, ymm2);
            a.vmovdqu(__ymmword_ptr[rdi], ymm2);
        }, at);
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.All(m.ReadPhysical(at, 32), b => Assert.Equal(0xFF, b));
        Assert.Equal(unchecked((byte)((4096 + 25) * 7)), m.ReadPhysical(at + 32, 1)[0]);
    }

    [Fact]
    public void MaskedLoadSkipsMaskedOutElementsOnAnUnmappedPage()
    {
        // vpmaskmovd ymm1, ymm2, [rdi] with the last four dwords beyond the data area: masked out, no fault.
        ulong end = TestMachine.DataBase + (TestMachine.DataPages * 4096UL);
        TestMachine m = Run(a =>
        {
            a.mov(eax, -1);
            a.vmovd(xmm2, eax);
            a.vpbroadcastd(xmm2, xmm2); // dwords 0..3 selected, 4..7 zero (VEX.128 zeroes the upper lane)
            a.vpmaskmovd(ymm1, ymm2, __ymmword_ptr[rdi]);
        }, end - 16);
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal(Vector128.Create(m.ReadPhysical(end - 16, 16)), m.Cpu.Xmm(1));
        Assert.Equal(Vector128<byte>.Zero, m.Cpu.YmmHigh(1));
    }

    [Fact]
    public void MaskedStoreFaultsOnASelectedElementAndWritesNothing()
    {
        ulong at = ReadOnlyPage - 8;
        TestMachine m = Run(a =>
        {
            a.vpcmpeqd(xmm2, xmm2, xmm2); // dwords 0..3 selected: 0, 1 writable, 2, 3 on the read-only page
            a.vmaskmovps(__xmmword_ptr[rdi], xmm2, xmm1);
        }, at);
        Assert.Equal(HvSim.Cpu.Vector.PageFault, m.Cpu.ExitVector);
        Assert.Equal(ReadOnlyPage, m.Cpu.ExitFault.Address);
        Assert.Equal(new byte[8], m.ReadPhysical(at, 8)); // the writable page's selected bytes stay as mapped (zero)
    }

    [Fact]
    public void MaskedStoreWithTheReadOnlyElementsMaskedOutWrites()
    {
        ulong at = ReadOnlyPage - 8;
        TestMachine m = Run(a =>
        {
            a.mov(rax, -1);
            a.vmovq(xmm2, rax); // dwords 0, 1 selected
            a.vpmaskmovd(__xmmword_ptr[rdi], xmm2, xmm1);
        }, at);
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.All(m.ReadPhysical(at, 8), b => Assert.Equal(0xA5, b));
    }

    [Fact]
    public void VldmxcsrLoadsAndVstmxcsrStores()
    {
        TestMachine m = Run(a =>
        {
            a.mov(__dword_ptr[rdi], 0x7F80);
            a.vldmxcsr(__dword_ptr[rdi]);
            a.vstmxcsr(__dword_ptr[rdi + 4]);
        }, TestMachine.DataBase);
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal(0x7F80u, m.Cpu.Mxcsr);
        Assert.Equal(0x7F80u, BitConverter.ToUInt32(m.ReadPhysical(TestMachine.DataBase + 4, 4)));
    }

    [Theory]
    [InlineData("F0C5F9FEC1", "lock vpaddd xmm0, xmm0, xmm1")]
    [InlineData("62F17D48FEC1", "vpaddd zmm0, zmm0, zmm1 (EVEX)")]
    public void LockedAndEvexFormsAreUndefined(string hex, string what)
    {
        var m = new TestMachine();
        m.LoadCode([.. Convert.FromHexString(hex), 0xCC]);
        m.Run();
        Assert.True(m.Cpu.ExitVector == HvSim.Cpu.Vector.InvalidOpcode, $"{what} should raise #UD");
        Assert.Equal(TestMachine.CodeBase, m.Cpu.Rip);
    }
}

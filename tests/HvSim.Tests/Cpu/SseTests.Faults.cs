using System.Runtime.Intrinsics;
using HvSim.Cpu;
using HvSim.Mmu;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;
using static HvSim.Tests.Cpu.VectorFaultMachine;

namespace HvSim.Tests.Cpu;

/// <summary>
/// What the host oracle cannot show without dying: alignment #GP, page-crossing accesses and
/// their faults, #GP from ldmxcsr, and #UD for unimplemented (MMX, AVX) and invalid encodings.
/// </summary>
public sealed class SseFaultTests
{
    public static TheoryData<string> MisalignedForms => new(s_misaligned.Keys);

    // Legacy SSE: "128-bit memory operands require 16-byte alignment unless stated otherwise" (SDM Vol. 1, 11.4.1).
    private static readonly Dictionary<string, Action<Assembler>> s_misaligned = new()
    {
        ["movdqa xmm0, [rdi+8]"] = a => a.movdqa(xmm0, __xmmword_ptr[rdi + 8]),
        ["movaps xmm0, [rdi+4]"] = a => a.movaps(xmm0, __xmmword_ptr[rdi + 4]),
        ["movapd xmm0, [rdi+1]"] = a => a.movapd(xmm0, __xmmword_ptr[rdi + 1]),
        ["paddd xmm0, [rdi+8]"] = a => a.paddd(xmm0, __xmmword_ptr[rdi + 8]),
        ["pxor xmm0, [rdi+12]"] = a => a.pxor(xmm0, __xmmword_ptr[rdi + 12]),
        ["pcmpeqb xmm0, [rdi+1]"] = a => a.pcmpeqb(xmm0, __xmmword_ptr[rdi + 1]),
        ["punpcklbw xmm0, [rdi+8]"] = a => a.punpcklbw(xmm0, __xmmword_ptr[rdi + 8]),
        ["pshufd xmm0, [rdi+4], 0x1B"] = a => a.pshufd(xmm0, __xmmword_ptr[rdi + 4], 0x1B),
        ["psllw xmm0, [rdi+2]"] = a => a.psllw(xmm0, __xmmword_ptr[rdi + 2]),
        ["addps xmm0, [rdi+8]"] = a => a.addps(xmm0, __xmmword_ptr[rdi + 8]),
        ["cvtdq2ps xmm0, [rdi+8]"] = a => a.cvtdq2ps(xmm0, __xmmword_ptr[rdi + 8]),
    };

    [Theory]
    [MemberData(nameof(MisalignedForms))]
    public void MisalignedM128OperandRaisesGpAndChangesNothing(string form)
    {
        TestMachine m = Run(s_misaligned[form], TestMachine.DataBase);
        AssertFaultedAtFirstInstruction(m, HvSim.Cpu.Vector.GeneralProtection);
        Assert.Equal(Marker, m.Cpu.Xmm(0));
    }

    [Theory]
    [InlineData("movdqa")]
    [InlineData("movaps")]
    [InlineData("movntdq")]
    public void MisalignedAlignedStoreRaisesGpAndWritesNothing(string mnemonic)
    {
        AssemblerMemoryOperand target = __xmmword_ptr[rdi + 8];
        TestMachine m = Run(a =>
        {
            switch (mnemonic)
            {
                case "movdqa": a.movdqa(target, xmm1); break;
                case "movaps": a.movaps(target, xmm1); break;
                default: a.movntdq(target, xmm1); break;
            }
        }, TestMachine.DataBase);
        AssertFaultedAtFirstInstruction(m, HvSim.Cpu.Vector.GeneralProtection);
        byte[] after = m.ReadPhysical(TestMachine.DataBase + 8, 16);
        for (int i = 0; i < 16; i++)
        {
            Assert.Equal((byte)((8 + i) * 7), after[i]);
        }
    }

    [Fact]
    public void AlignedM128OperandAndUnalignedFormsDoNotFault()
    {
        TestMachine m = Run(a =>
        {
            a.movdqa(xmm0, __xmmword_ptr[rdi + 16]);
            a.paddd(xmm0, __xmmword_ptr[rdi + 32]);
            a.movdqu(xmm1, __xmmword_ptr[rdi + 3]);
            a.movq(xmm2, __qword_ptr[rdi + 5]);
            a.movd(xmm3, __dword_ptr[rdi + 7]);
            a.addsd(xmm4, __qword_ptr[rdi + 9]);
            a.ucomiss(xmm4, __dword_ptr[rdi + 11]);
        }, TestMachine.DataBase);
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
    }

    [Fact]
    public void MovdquLoadAcrossAPageBoundaryReadsBothPages()
    {
        ulong at = TestMachine.DataBase + 4096 - 5;
        TestMachine m = Run(a => a.movdqu(xmm6, __xmmword_ptr[rdi]), at);
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal(Vector128.Create(m.ReadPhysical(at, 16)), m.Cpu.Xmm(6));
    }

    [Fact]
    public void MovdquStoreAcrossAPageBoundaryWritesBothPages()
    {
        ulong at = TestMachine.DataBase + 4096 - 9;
        TestMachine m = Run(a =>
        {
            a.pcmpeqb(xmm2, xmm2);
            a.movdqu(__xmmword_ptr[rdi], xmm2);
        }, at);
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.All(m.ReadPhysical(at, 16), b => Assert.Equal(0xFF, b));
        Assert.Equal(unchecked((byte)((4096 - 10) * 7)), m.ReadPhysical(at - 1, 1)[0]);
        Assert.Equal(unchecked((byte)((4096 + 7) * 7)), m.ReadPhysical(at + 16, 1)[0]);
    }

    [Fact]
    public void MovdquStoreIntoAReadOnlyNextPageFaultsAndWritesNothing()
    {
        // A store that straddles into a read-only page: #PF (write, protection) on the second
        // page, and not even the bytes of the writable first page change.
        ulong at = ReadOnlyPage - 8;
        TestMachine m = Run(a => a.movdqu(__xmmword_ptr[rdi], xmm1), at);
        AssertFaultedAtFirstInstruction(m, HvSim.Cpu.Vector.PageFault);
        Assert.Equal(FaultKind.PageFault, m.Cpu.ExitFault.Kind);
        Assert.Equal(ReadOnlyPage, m.Cpu.ExitFault.Address);
        Assert.True(m.Cpu.ExitFault.ErrorCode.HasFlag(PageFaultErrorCode.Write));
        Assert.All(m.ReadPhysical(at, 16), b => Assert.Equal(0, b));
    }

    [Fact]
    public void MovdquLoadRunningIntoAnUnmappedPageFaultsAndLeavesTheRegister()
    {
        ulong at = TestMachine.DataBase + (TestMachine.DataPages * 4096UL) - 4;
        TestMachine m = Run(a => a.movdqu(xmm7, __xmmword_ptr[rdi]), at);
        AssertFaultedAtFirstInstruction(m, HvSim.Cpu.Vector.PageFault);
        Assert.Equal(TestMachine.DataBase + (TestMachine.DataPages * 4096UL), m.Cpu.ExitFault.Address);
        Assert.Equal(Marker, m.Cpu.Xmm(7));
    }

    [Fact]
    public void MaskmovdquIntoAReadOnlyPageFaultsAndWritesNothing()
    {
        // Mask selects bytes 0 and 15; byte 15 lies on the read-only page.
        ulong at = ReadOnlyPage - 15;
        TestMachine m = Run(a =>
        {
            a.mov(eax, 0x80);
            a.movd(xmm2, eax);           // byte 0 selected
            a.pslldq(xmm2, 15);          // now byte 15 only
            a.movd(xmm3, eax);
            a.por(xmm2, xmm3);           // bytes 0 and 15
            a.maskmovdqu(xmm1, xmm2);
        }, at);
        Assert.Equal(HvSim.Cpu.Vector.PageFault, m.Cpu.ExitVector);
        Assert.Equal(0, m.ReadPhysical(at, 1)[0]);
    }

    [Fact]
    public void LdmxcsrLoadsAndStmxcsrStores()
    {
        TestMachine m = Run(a =>
        {
            a.mov(__dword_ptr[rdi], 0x7F80);
            a.ldmxcsr(__dword_ptr[rdi]);
            a.stmxcsr(__dword_ptr[rdi + 4]);
        }, TestMachine.DataBase);
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal(0x7F80u, m.Cpu.Mxcsr);
        Assert.Equal(0x7F80u, BitConverter.ToUInt32(m.ReadPhysical(TestMachine.DataBase + 4, 4)));
    }

    [Fact]
    public void LdmxcsrWithReservedBitsRaisesGp()
    {
        // SDM LDMXCSR: "#GP(0) for an attempt to set any reserved bits in the MXCSR register" (bits 31:16).
        var m = new TestMachine();
        m.Load(a =>
        {
            a.mov(__dword_ptr[rdi], 0x1_1F80);
            a.ldmxcsr(__dword_ptr[rdi]);
            a.int3();
        });
        m.Cpu.R(Reg.Rdi) = TestMachine.DataBase;
        m.Run();
        Assert.Equal(HvSim.Cpu.Vector.GeneralProtection, m.Cpu.ExitVector);
        Assert.Equal(0x1F80u, m.Cpu.Mxcsr);
        Assert.Equal(1, m.Cpu.InstructionsRetired);
    }

    [Theory]
    [InlineData("F0660FFEC1", "lock paddd xmm0, xmm1")]
    [InlineData("0FFCC1", "paddb mm0, mm1 (MMX)")]
    [InlineData("0F3800C1", "pshufb mm0, mm1 (SSSE3's MMX form)")]
    [InlineData("F20FF0C1", "lddqu xmm0, xmm1 (register operand)")]
    [InlineData("660F382AC1", "movntdqa xmm0, xmm1 (register operand)")]
    [InlineData("F0F20F38F1C1", "lock crc32 eax, ecx")]
    [InlineData("F0C5F9FEC1", "lock vpaddd xmm0, xmm0, xmm1")]
    public void UnimplementedOrInvalidFormsAreUndefined(string hex, string what)
    {
        var m = new TestMachine();
        m.LoadCode([.. Convert.FromHexString(hex), 0xCC]);
        m.Run();
        Assert.True(m.Cpu.ExitVector == HvSim.Cpu.Vector.InvalidOpcode, $"{what} should raise #UD");
        Assert.Equal(TestMachine.CodeBase, m.Cpu.Rip);
    }

    [Fact]
    public void SseMovsdAndStringMovsdShareTheMnemonic()
    {
        // F2 0F 10 is movsd xmm, m64; A5 is the string movsd (dword [rdi] <- [rsi]).
        var m = new TestMachine();
        m.Load(a =>
        {
            a.movsd(xmm0, __qword_ptr[rsi]);
            a.movsd();
            a.int3();
        });
        m.WritePhysical(TestMachine.DataBase, [1, 2, 3, 4, 5, 6, 7, 8]);
        m.Cpu.R(Reg.Rsi) = TestMachine.DataBase;
        m.Cpu.R(Reg.Rdi) = TestMachine.DataBase + 64;
        m.Run();
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal(0x0807060504030201UL, m.Cpu.Xmm(0).AsUInt64().GetElement(0));
        Assert.Equal(0UL, m.Cpu.Xmm(0).AsUInt64().GetElement(1));
        Assert.Equal([1, 2, 3, 4], m.ReadPhysical(TestMachine.DataBase + 64, 4));
        Assert.Equal(TestMachine.DataBase + 68, m.Cpu.R(Reg.Rdi));
    }
}

using System.Runtime.Intrinsics;
using HvSim.HostOracle;
using HvSim.Mmu;
using HvSim.Tests.Cpu.Oracle;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>
/// The AVX2 gathers: every VEX code against the host (indices kept inside the scratch block,
/// negative ones included, random mask signs), and at interpreter level the restartable state a
/// page fault on one element leaves (SDM VPGATHERDD: the mask of each completed element cleared).
/// </summary>
public sealed class AvxGatherTests
{
    private const int Displacement = 0x70;

    public static TheoryData<string> Codes => new(s_codes.Select(c => c.ToString()));

    private static readonly Code[] s_codes =
    [
        Code.VEX_Vpgatherdd_xmm_vm32x_xmm, Code.VEX_Vpgatherdd_ymm_vm32y_ymm,
        Code.VEX_Vpgatherdq_xmm_vm32x_xmm, Code.VEX_Vpgatherdq_ymm_vm32x_ymm,
        Code.VEX_Vpgatherqd_xmm_vm64x_xmm, Code.VEX_Vpgatherqd_xmm_vm64y_xmm,
        Code.VEX_Vpgatherqq_xmm_vm64x_xmm, Code.VEX_Vpgatherqq_ymm_vm64y_ymm,
        Code.VEX_Vgatherdps_xmm_vm32x_xmm, Code.VEX_Vgatherdps_ymm_vm32y_ymm,
        Code.VEX_Vgatherdpd_xmm_vm32x_xmm, Code.VEX_Vgatherdpd_ymm_vm32x_ymm,
        Code.VEX_Vgatherqps_xmm_vm64x_xmm, Code.VEX_Vgatherqps_xmm_vm64y_xmm,
        Code.VEX_Vgatherqpd_xmm_vm64x_xmm, Code.VEX_Vgatherqpd_ymm_vm64y_ymm,
    ];

    [Theory]
    [MemberData(nameof(Codes))]
    public void MatchesHost(string codeName)
    {
        Code code = Enum.Parse<Code>(codeName);
        OpCodeInfo info = code.ToOpCode();
        bool qwordIndex = info.GetOpKind(1) is OpCodeOperandKind.mem_vsib64x or OpCodeOperandKind.mem_vsib64y;
        bool wideIndex = info.GetOpKind(1) is OpCodeOperandKind.mem_vsib32y or OpCodeOperandKind.mem_vsib64y;
        bool wideData = info.GetOpKind(0) == OpCodeOperandKind.ymm_reg;
        foreach ((int dst, int index, int mask) in new[] { (1, 2, 3), (12, 9, 5) })
        {
            foreach (int scale in new[] { 1, 2, 4, 8 })
            {
                Register data = (wideData ? Register.YMM0 : Register.XMM0) + dst;
                Register vindex = (wideIndex ? Register.YMM0 : Register.XMM0) + index;
                Register vmask = (wideData ? Register.YMM0 : Register.XMM0) + mask;
                var instruction = Instruction.Create(code, data, new MemoryOperand(Register.RDI, vindex, scale, Displacement, 1), vmask);
                var form = new SseOracle.Form(Disassembly.Format(instruction), a => a.AddInstruction(instruction), (s, r) =>
                {
                    AvxForms.RandomUpperHalves(s, r);
                    SmallIndices(s, r, index, qwordIndex, scale);
                });
                SseOracle.Check(form, 40);
            }
        }
    }

    /// <summary>Indices whose element address stays in the scratch block: |index * scale| at most 0x68 around disp 0x70.</summary>
    private static void SmallIndices(MachineSnapshot s, Random random, int x, bool qwords, int scale)
    {
        int limit = 0x68 / scale;
        ulong Next() => (ulong)(long)random.Next(-limit, limit + 1);
        if (qwords)
        {
            s.Xmm[x] = new Xmm128(Next(), Next());
            s.YmmHigh[x] = new Xmm128(Next(), Next());
        }
        else
        {
            s.Xmm[x] = new Xmm128((uint)Next() | (Next() << 32), (uint)Next() | (Next() << 32));
            s.YmmHigh[x] = new Xmm128((uint)Next() | (Next() << 32), (uint)Next() | (Next() << 32));
        }
    }

    [Fact]
    public void FaultMidGatherLeavesCompletedElementsAndRestarts()
    {
        // vpgatherdd ymm1, [rdi + ymm2*4], ymm3 with rdi 16 bytes below an unmapped page: elements
        // 0..3 (indices 0..3) are readable, element 4 (index 4) is the first beyond.
        ulong end = TestMachine.DataBase + (TestMachine.DataPages * 4096UL);
        var m = new TestMachine();
        m.Load(a =>
        {
            a.vpgatherdd(ymm1, __[rdi + ymm2 * 4], ymm3);
            a.int3();
        });
        m.WritePhysical(end - 16, [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0]);
        m.Cpu.R(HvSim.Cpu.Reg.Rdi) = end - 16;
        m.Cpu.Xmm(1) = Vector128.Create(0xEEEEEEEEu).AsByte();
        m.Cpu.YmmHigh(1) = Vector128.Create(0xEEEEEEEEu).AsByte();
        m.Cpu.Xmm(2) = Vector128.Create(0u, 1, 2, 3).AsByte();
        m.Cpu.YmmHigh(2) = Vector128.Create(4u, 5, 6, 7).AsByte();
        m.Cpu.Xmm(3) = Vector128.Create(0x80000000u, 0, 0x80000000, 0x80000000).AsByte(); // element 1 not selected
        m.Cpu.YmmHigh(3) = Vector128.Create(0x80000000u).AsByte();
        m.Run();

        Assert.Equal(HvSim.Cpu.Vector.PageFault, m.Cpu.ExitVector);
        Assert.Equal(TestMachine.CodeBase, m.Cpu.Rip);
        Assert.Equal(end, m.Cpu.ExitFault.Address);
        Assert.Equal(Vector128.Create(1u, 0xEEEEEEEE, 3, 4), m.Cpu.Xmm(1).AsUInt32());
        Assert.Equal(Vector128.Create(0xEEEEEEEEu), m.Cpu.YmmHigh(1).AsUInt32());
        Assert.Equal(Vector128<uint>.Zero, m.Cpu.Xmm(3).AsUInt32()); // elements 0..3 complete (1 was never selected)
        Assert.Equal(Vector128.Create(0xFFFFFFFFu), m.Cpu.YmmHigh(3).AsUInt32()); // 4..7 still to do, normalised to all ones

        // The handler maps the page; the restarted gather does only the remaining elements.
        m.MapRange(end, 1, Pte.RW | Pte.US | Pte.NX);
        m.WritePhysical(end, [5, 0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0, 8, 0, 0, 0]);
        m.Run();
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal(Vector128.Create(1u, 0xEEEEEEEE, 3, 4), m.Cpu.Xmm(1).AsUInt32());
        Assert.Equal(Vector128.Create(5u, 6, 7, 8), m.Cpu.YmmHigh(1).AsUInt32());
        Assert.Equal(Vector128<byte>.Zero, m.Cpu.Xmm(3));
        Assert.Equal(Vector128<byte>.Zero, m.Cpu.YmmHigh(3));
    }

    [Fact]
    public void GatherWithAnUnselectedElementOnAnUnmappedPageDoesNotFault()
    {
        ulong end = TestMachine.DataBase + (TestMachine.DataPages * 4096UL);
        var m = new TestMachine();
        m.Load(a =>
        {
            a.vpgatherqq(xmm1, __[rdi + xmm2 * 1], xmm3);
            a.int3();
        });
        m.WritePhysical(end - 8, [9, 0, 0, 0, 0, 0, 0, 0]);
        m.Cpu.R(HvSim.Cpu.Reg.Rdi) = end - 8;
        m.Cpu.Xmm(2) = Vector128.Create(0UL, 8).AsByte();
        m.Cpu.Xmm(3) = Vector128.Create(0x8000_0000_0000_0000UL, 0x7FFF_FFFF_FFFF_FFFF).AsByte();
        m.Cpu.Xmm(1) = Vector128.Create(0x1111UL, 0x2222).AsByte();
        m.Run();
        Assert.Equal(HvSim.Cpu.Vector.Breakpoint, m.Cpu.ExitVector);
        Assert.Equal(Vector128.Create(9UL, 0x2222), m.Cpu.Xmm(1).AsUInt64());
        Assert.Equal(Vector128<byte>.Zero, m.Cpu.Xmm(3));
    }

    [Fact]
    public void SameMaskAndDestinationIsUndefined()
    {
        var instruction = Instruction.Create(Code.VEX_Vpgatherdd_ymm_vm32y_ymm, Register.YMM1, new MemoryOperand(Register.RDI, Register.YMM2, 4, 0, 0), Register.YMM1);
        var m = new TestMachine();
        m.LoadCode([.. Disassembly.Encode(instruction), 0xCC]);
        m.Cpu.R(HvSim.Cpu.Reg.Rdi) = TestMachine.DataBase;
        m.Run();
        Assert.Equal(HvSim.Cpu.Vector.InvalidOpcode, m.Cpu.ExitVector);
        Assert.Equal(TestMachine.CodeBase, m.Cpu.Rip);
    }
}

using System.Text;
using HvSim.Cpu;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>
/// The CPU levels (--cpu): what cpuid reports at each, and the gate that makes an instruction of an
/// extension the CPU does not advertise #UD — except tzcnt and lzcnt, which run as bsf and bsr.
/// </summary>
public sealed class CpuLevelTests
{
    private const ulong Cf = FlagBits.CF, Zf = FlagBits.ZF;

    [Fact]
    public void Each_level_includes_the_one_below()
    {
        Assert.True(CpuIdentity.V2.Has(CpuIdentity.Baseline.Features));
        Assert.True(CpuIdentity.V3.Has(CpuIdentity.V2.Features));
        Assert.Equal(["baseline", "v2", "v3"], CpuIdentity.Levels.Select(level => level.Name));
        Assert.Same(CpuIdentity.V2, CpuIdentity.Level("v2"));
        Assert.Null(CpuIdentity.Level("v4"));
    }

    [Theory]
    // CPUID.1:ECX bits (SDM Vol. 2A, Table 3-10): SSE3 0, PCLMULQDQ 1, SSSE3 9, FMA 12, CX16 13,
    // SSE4.1 19, SSE4.2 20, MOVBE 22, POPCNT 23, XSAVE 26, OSXSAVE 27, AVX 28, F16C 29.
    [InlineData("baseline", 1u << 23)]
    [InlineData("v2", (1u << 0) | (1u << 1) | (1u << 9) | (1u << 13) | (1u << 19) | (1u << 20) | (1u << 23))]
    [InlineData("v3", (1u << 0) | (1u << 1) | (1u << 9) | (1u << 12) | (1u << 13) | (1u << 19) | (1u << 20) | (1u << 22) | (1u << 23)
        | (1u << 26) | (1u << 27) | (1u << 28) | (1u << 29))]
    public void Leaf_1_ecx_reports_the_level(string level, uint expected)
    {
        Assert.Equal(expected, CpuidLeaves.Query(CpuIdentity.Level(level)!, 1, 0).Ecx);
    }

    [Theory]
    // CPUID.(EAX=7,ECX=0):EBX: BMI1 3, AVX2 5, BMI2 8.
    [InlineData("baseline", 1u << 3)]
    [InlineData("v2", 1u << 3)]
    [InlineData("v3", (1u << 3) | (1u << 5) | (1u << 8))]
    public void Leaf_7_ebx_reports_the_level(string level, uint expected)
    {
        Assert.Equal(expected, CpuidLeaves.Query(CpuIdentity.Level(level)!, 7, 0).Ebx);
    }

    [Fact]
    public void Leaf_0xD_gives_the_xsave_layout_only_with_xsave()
    {
        Assert.Equal((0u, 0u, 0u, 0u), CpuidLeaves.Query(CpuIdentity.V2, 0xD, 0));
        // x87 | SSE | AVX; 512 legacy + 64 header + 256 for the YMM upper halves.
        Assert.Equal((7u, 832u, 832u, 0u), CpuidLeaves.Query(CpuIdentity.V3, 0xD, 0));
        Assert.Equal((256u, 576u, 0u, 0u), CpuidLeaves.Query(CpuIdentity.V3, 0xD, 2));
        Assert.Equal(0u, CpuidLeaves.Query(CpuIdentity.V3, 0xD, 1).Eax); // no xsaveopt/xsavec/xsaves
        Assert.Equal(7UL, CpuIdentity.V3.Xcr0);
        Assert.Equal(0UL, CpuIdentity.V2.Xcr0);
    }

    [Fact]
    public void Brand_string_names_the_level()
    {
        var brand = new StringBuilder();
        for (uint leaf = 0x8000_0002; leaf <= 0x8000_0004; leaf++)
        {
            (uint a, uint b, uint c, uint d) = CpuidLeaves.Query(CpuIdentity.V2, leaf, 0);
            foreach (uint word in new[] { a, b, c, d })
            {
                brand.Append(Encoding.ASCII.GetString(BitConverter.GetBytes(word)));
            }
        }
        Assert.Equal("HvSim v2 x86-64 CPU", brand.ToString().TrimEnd('\0'));
    }

    private static readonly CpuIdentity s_bare = CpuIdentity.Baseline with { Name = "bare", Features = CpuFeatures.None };

    private static TestMachine Run(CpuIdentity identity, Action<Assembler> code, ulong rax, ulong rcx = 0)
    {
        var m = new TestMachine(identity: identity);
        m.Load(a =>
        {
            code(a);
            a.int3();
        });
        m.Cpu.R(Reg.Rax) = rax;
        m.Cpu.R(Reg.Rcx) = rcx;
        m.Cpu.Rflags = 0;
        m.Run();
        return m;
    }

    [Fact]
    public void Without_bmi1_tzcnt_runs_as_bsf()
    {
        // tzcnt of 0 gives the operand size and CF; bsf of 0 leaves the destination and sets ZF.
        TestMachine tz = Run(CpuIdentity.Baseline, a => a.tzcnt(ecx, eax), rax: 0, rcx: 0x1234);
        Assert.Equal(Vector.Breakpoint, tz.Cpu.ExitVector);
        Assert.Equal(32UL, tz.Cpu.R(Reg.Rcx));
        Assert.Equal(Cf, tz.Cpu.Rflags & Cf);

        TestMachine bsf = Run(s_bare, a => a.tzcnt(ecx, eax), rax: 0, rcx: 0x1234);
        Assert.Equal(Vector.Breakpoint, bsf.Cpu.ExitVector);
        Assert.Equal(0x1234UL, bsf.Cpu.R(Reg.Rcx));
        Assert.Equal(Zf, bsf.Cpu.Rflags & Zf);
    }

    [Fact]
    public void Without_lzcnt_lzcnt_runs_as_bsr()
    {
        // lzcnt of 0x10 is 27 (32-bit); bsr gives the index of the highest set bit, 4.
        Assert.Equal(27UL, Run(CpuIdentity.Baseline, a => a.lzcnt(ecx, eax), rax: 0x10).Cpu.R(Reg.Rcx));
        Assert.Equal(4UL, Run(s_bare, a => a.lzcnt(ecx, eax), rax: 0x10).Cpu.R(Reg.Rcx));
    }

    [Fact]
    public void An_extension_the_cpu_lacks_is_undefined()
    {
        Assert.Equal(Vector.Breakpoint, Run(CpuIdentity.Baseline, a => a.popcnt(ecx, eax), rax: 7).Cpu.ExitVector);
        Assert.Equal(Vector.InvalidOpcode, Run(s_bare, a => a.popcnt(ecx, eax), rax: 7).Cpu.ExitVector);
        Assert.Equal(Vector.InvalidOpcode, Run(s_bare, a => a.andn(ecx, eax, edx), rax: 7).Cpu.ExitVector);
    }
}

using System.Globalization;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using HvSim.HostOracle;
using HvSim.Tests.Cpu.Oracle;
using HvSim.Tests.Guests;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>
/// The host oracle with exceptions unmasked, which the in-process executor cannot run (an #XM would
/// kill the test process): Cpu/Native/simd-unmasked.c, compiled with the host's gcc, runs each
/// instruction below on random inputs under random MXCSRs with random exceptions unmasked and
/// records, from the SIGFPE frame when it traps, whether it trapped, the MXCSR and all of ymm0;
/// every case is then replayed in the interpreter and must agree exactly: the #XM itself, the
/// pre-/post-computation flags (SDM Vol. 1, 11.5.2), the PE of an unmasked OE/UE, dpps's stages,
/// and the unchanged destination (both halves) of a trapping instruction. Skipped without gcc or
/// on a host without AVX2, FMA and F16C.
/// </summary>
public sealed class AvxFloatUnmaskedTests
{
    /// <summary>The instructions of simd-unmasked.c, by id (the same order as its switch).</summary>
    private static readonly Action<Assembler>[] s_code =
    [
        a => a.vaddps(ymm0, ymm1, ymm2), a => a.vmulpd(ymm0, ymm1, ymm2), a => a.vdivss(xmm0, xmm1, xmm2), a => a.vsqrtpd(ymm0, ymm1),
        a => a.vcvtpd2ps(xmm0, ymm1), a => a.vfmadd231pd(ymm0, ymm1, ymm2), a => a.vfmadd213ss(xmm0, xmm1, xmm2), a => a.vfnmsub132ps(ymm0, ymm1, ymm2),
        a => a.vcvtps2ph(xmm0, ymm1, 4), a => a.vcvtph2ps(ymm0, xmm1), a => a.vcmpps(ymm0, ymm1, ymm2, 0x11), a => a.vminpd(ymm0, ymm1, ymm2),
        a => a.vroundps(ymm0, ymm1, 4), a => a.vdpps(ymm0, ymm1, ymm2, 0xF1), a => a.vhaddpd(ymm0, ymm1, ymm2), a => a.vcvttpd2dq(xmm0, ymm1),
        a => a.dpps(xmm0, xmm2, 0xF1), a => a.mulpd(xmm0, xmm2),
        a => a.vcvtdq2ps(ymm0, ymm1),
        a => a.vcvtps2dq(ymm0, ymm1),
        a => a.vcvtps2pd(ymm0, xmm1),
        a => a.vroundpd(ymm0, ymm1, 9),
        a => a.vsubpd(ymm0, ymm1, ymm2),
        a => a.vmaxps(ymm0, ymm1, ymm2),
        a => a.vaddsubps(ymm0, ymm1, ymm2),
        a => a.vhsubps(ymm0, ymm1, ymm2),
        a => a.vcmppd(ymm0, ymm1, ymm2, 0x1C),
        a => a.vfmaddsub231ps(ymm0, ymm1, ymm2),
        a => a.vfmsub213pd(ymm0, ymm1, ymm2),
        a => a.vfnmadd231sd(xmm0, xmm1, xmm2),
        a => a.vcvtss2sd(xmm0, xmm1, xmm2),
        a => a.vcvtsd2ss(xmm0, xmm1, xmm2),
        a => a.vsqrtss(xmm0, xmm1, xmm2),
        a => a.vdppd(xmm0, xmm1, xmm2, 0x31),
        a => a.vrcpps(ymm0, ymm1),
        a => a.addsd(xmm0, xmm2),
        a => a.cvtpd2ps(xmm0, xmm2),
        a => a.haddps(xmm0, xmm2),
    ];

    [UnmaskedOracleFact]
    public void EveryCaseMatchesTheHost()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"hvsim-simd-unmasked-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        try
        {
            string program = Path.Combine(directory, "simd-unmasked");
            string source = Path.Combine(RepositoryPaths.Root, "tests", "HvSim.Tests", "Cpu", "Native", "simd-unmasked.c");
            ToolRun compile = HostTools.Run(HostTools.Find("gcc")!, ["-O1", "-mavx2", "-mfma", "-mf16c", "-o", program, source], directory, TimeSpan.FromMinutes(2));
            Assert.True(compile.ExitCode == 0, $"gcc failed on simd-unmasked.c:\n{compile.Stderr}");
            ToolRun run = HostTools.Run(program, [], directory, TimeSpan.FromMinutes(1));
            Assert.True(run.ExitCode == 0, $"simd-unmasked exited with {run.ExitCode}:\n{run.Stderr}");
            Replay(run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static void Replay(string[] lines)
    {
        Assert.True(lines.Length >= s_code.Length * 100, $"simd-unmasked printed only {lines.Length} cases");
        var machines = new TestMachine[s_code.Length];
        var failures = new List<string>();
        int trapped = 0;
        foreach (string line in lines)
        {
            string[] fields = line.Split(' ');
            int id = int.Parse(fields[0], CultureInfo.InvariantCulture);
            ulong[] f = fields.Select(s => ulong.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
            TestMachine m = machines[id] ??= Load(id);
            m.Cpu.Rip = TestMachine.CodeBase;
            m.Cpu.Mxcsr = (uint)f[1];
            for (int r = 0; r < 3; r++)
            {
                m.Cpu.Xmm(r) = Vector128.Create(f[2 + (r * 4)], f[3 + (r * 4)]).AsByte();
                m.Cpu.YmmHigh(r) = Vector128.Create(f[4 + (r * 4)], f[5 + (r * 4)]).AsByte();
            }
            m.Run(10);
            bool trap = m.Cpu.ExitVector == HvSim.Cpu.Vector.SimdFloatingPoint;
            trapped += trap ? 1 : 0;
            Vector128<ulong> low = m.Cpu.Xmm(0).AsUInt64(), high = m.Cpu.YmmHigh(0).AsUInt64();
            bool same = trap == (f[14] == 1)
                && (trap ? m.Cpu.Rip == TestMachine.CodeBase : m.Cpu.ExitVector == HvSim.Cpu.Vector.Breakpoint)
                && m.Cpu.Mxcsr == (uint)f[15]
                && low.GetElement(0) == f[16] && low.GetElement(1) == f[17] && high.GetElement(0) == f[18] && high.GetElement(1) == f[19];
            if (!same && failures.Count < 10)
            {
                string code = Disassembly.Format(Decoder.Create(64, new ByteArrayCodeReader(CodeEncoder.Encode(s_code[id]))).Decode());
                failures.Add($"{code}: host {line}\n  interpreter: {(trap ? "#XM" : m.Cpu.ExitVector.ToString())} mxcsr {m.Cpu.Mxcsr:x} "
                    + $"ymm0 {low.GetElement(0):x} {low.GetElement(1):x} {high.GetElement(0):x} {high.GetElement(1):x}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count}+ cases differ (fields: id mxcsr ymm0 ymm1 ymm2 trapped mxcsr ymm0):\n{string.Join('\n', failures)}");
        Assert.True(trapped > lines.Length / 5, $"only {trapped} of {lines.Length} cases trapped: the unmasked paths are not exercised");
    }

    private static TestMachine Load(int id)
    {
        var m = new TestMachine();
        m.Load(a =>
        {
            s_code[id](a);
            a.int3();
        });
        return m;
    }
}

/// <summary>Skipped where gcc is missing or the host lacks AVX2, FMA or F16C (CPUID.1:ECX bit 29).</summary>
public sealed class UnmaskedOracleFactAttribute : FactAttribute
{
    public UnmaskedOracleFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || !Avx2.IsSupported || !Fma.IsSupported || (X86Base.CpuId(1, 0).Ecx & (1 << 29)) == 0)
        {
            Skip = "the unmasked-exception oracle needs an x86-64 Linux host with AVX2, FMA and F16C";
        }
        else if (HostTools.Find("gcc") is null)
        {
            Skip = "the unmasked-exception oracle needs gcc on PATH";
        }
    }
}

using HvSim.Cli.CommandLine;
using HvSim.Cpu;

namespace HvSim.Cli;

/// <summary>
/// --cpu baseline|v2|v3: the simulated CPU's level, which decides what cpuid advertises and which
/// instruction-set extensions run (the rest are #UD, as on such a CPU). Taken by every command that
/// runs a guest (exec, micro, workload, trace).
/// </summary>
internal static class CpuOption
{
    /// <param name="fallback">exec's is v3 (<see cref="CpuIdentity.Default"/>), the paper's experiments' baseline (<see cref="CpuIdentity.Paper"/>).</param>
    public static CliOption<CpuIdentity> Create(CpuIdentity fallback) => CliOptions.Value("--cpu", "baseline|v2|v3",
        "the CPU level: baseline (SSE2, popcnt, lzcnt, BMI1), v2 (+ SSE3-SSE4.2, cmpxchg16b, pclmulqdq) or v3 (+ AVX, AVX2, BMI2, FMA, F16C, movbe, xsave); other extensions are #UD",
        text => CpuIdentity.Level(text) ?? throw new UsageException($"--cpu {text}: expected {Names}"),
        fallback, fallback.Name);

    private static string Names => string.Join(", ", CpuIdentity.Levels.Select(level => level.Name));
}

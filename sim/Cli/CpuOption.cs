using HvSim.Cpu;
using HvSim.GuestOs.Kernel;

namespace HvSim.Cli;

/// <summary>
/// --cpu baseline|v2|v3: the simulated CPU's level, which decides what cpuid advertises and which
/// instruction-set extensions run (the rest are #UD, as on such a CPU). Taken by every command that
/// runs a guest (exec, micro, workload, trace).
/// </summary>
public static class CpuOption
{
    public const string Usage = "[--cpu baseline|v2|v3]";

    public static KernelOptions Apply(KernelOptions current, string value) =>
        current with { Cpu = CpuIdentity.Level(value) ?? throw new UsageException($"--cpu {value}: expected {Names}") };

    private static string Names => string.Join(", ", CpuIdentity.Levels.Select(level => level.Name));
}

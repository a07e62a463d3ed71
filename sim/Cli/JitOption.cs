using HvSim.Cli.CommandLine;

namespace HvSim.Cli;

/// <summary>
/// --jit on|off: whether hot guest blocks are translated to .NET IL (sim/Cpu/Jit) or only
/// interpreted. Nothing a guest, the event ledger or the instruction count can observe depends on
/// it (the exactness tests hold it so); only host time does. Taken by every command that runs a
/// guest (exec, micro, workload, trace).
/// </summary>
internal static class JitOption
{
    public static CliOption<bool> Create() => CliOptions.Value("--jit", "on|off",
        "translate hot guest blocks to .NET IL (on) or only interpret (off); results, counts and events are identical, only host time differs",
        text => text switch
        {
            "on" => true,
            "off" => false,
            _ => throw new UsageException($"--jit {text}: expected on or off"),
        },
        true, "on");
}

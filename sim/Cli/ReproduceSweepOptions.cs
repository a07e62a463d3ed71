using System.CommandLine;
using HvSim.Cli.CommandLine;
using HvSim.Validation.Reproduce;
using HvSim.Validation.Sweeps;

namespace HvSim.Cli;

/// <summary>
/// A reproduce sweep's settings: its spec's "fixed" options parsed by reproduce's own definition, so
/// a value is checked exactly as `hvsim reproduce` checks it (e.g. "quick": true, "tcount": 40).
/// </summary>
internal static class ReproduceSweepOptions
{
    /// <summary>Options that are the sweep's (where the files go, how the claims print, the profile: "profiles").</summary>
    private static readonly string[] s_reserved = ["out", "json", "profile", "help"];

    public static ReproduceSettings Settings(SweepSpec spec)
    {
        foreach (SweepInput input in spec.Fixed.Where(i => s_reserved.Contains(i.Option)))
        {
            throw new UsageException($"sweep: reproduce: --{input.Option} is the sweep's to set, not the spec's (the profile goes in \"profiles\", files in merge's --out)");
        }
        ReproduceRequest? request = null;
        Command command = ReproduceCommand.Create(r => { request = r; return 0; });
        ParseResult parsed = command.Parse([.. SweepArguments.For(command, spec.Fixed), "--profile", spec.Profiles[0]]);
        if (ParseProblems.First(parsed) is string problem)
        {
            throw new UsageException($"sweep: {problem}");
        }
        parsed.Invoke();
        try
        {
            return ReproduceCommand.Settings(request!);
        }
        catch (UsageException e)
        {
            throw new UsageException($"sweep: {e.Message}");
        }
    }

    /// <summary>The points of any spec: its axes' product, or a reproduce sweep's runs.</summary>
    public static IReadOnlyList<SweepPoint> Points(SweepSpec spec) => spec.Command == ReproduceSweep.Command
        ? [.. ReproduceSweep.Plan(Settings(spec)).Select(p => p.Point)]
        : SweepPlan.Points(spec);
}

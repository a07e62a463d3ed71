using System.Diagnostics;
using HvSim.Models.Profiles;
using HvSim.Validation.Reproduce;

namespace HvSim.Cli;

/// <summary>The wall time of one reproduction (what `hvsim reproduce` does, into a scratch directory that is removed afterwards).</summary>
public sealed record ReproduceTiming(string Mode, int Experiments, int Files, double Seconds, bool Ok);

/// <summary>
/// Times `hvsim reproduce` end to end for `hvsim bench`: the parallel pass over every experiment,
/// the pricing, the figures' CSVs and PNGs and report.md — the reproduction's run time the README
/// reports, measured by the same command that measures the interpreter.
/// </summary>
public static class ReproduceBench
{
    public static ReproduceTiming Measure(bool quick)
    {
        ReproduceSettings settings = ReproduceSettings.Create(BundledGuests.Directory, quick);
        CostProfile profile = RunPricing.LoadProfile(RunPricing.DefaultProfile);
        string scratch = Path.Combine(Path.GetTempPath(), $"hvsim-bench-reproduce-{Environment.ProcessId}");
        try
        {
            var clock = Stopwatch.StartNew();
            ReproduceResult result = ReproduceRun.Run(settings, profile);
            IReadOnlyList<string> files = ReproduceOutput.Write(result, scratch, () => ReproduceOutput.InOneProcess(clock.Elapsed));
            clock.Stop();
            return new ReproduceTiming(quick ? "quick" : "full", result.Experiments, files.Count, clock.Elapsed.TotalSeconds, result.Ok);
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }
}

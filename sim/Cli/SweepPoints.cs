using System.CommandLine;
using HvSim.Checkpoint;
using HvSim.Cli.CommandLine;
using HvSim.Validation.Sweeps;

namespace HvSim.Cli;

/// <summary>
/// What a sweep point runs, found by parsing the point's options with the command's own definition
/// (so a spec's value is checked exactly as the command line's is) and running the one run it names:
/// its report as the command's --json prints it, and its simulated time under each profile.
/// </summary>
internal static class SweepPoints
{
    /// <summary>Options a spec may not set: the sweep sets them (profile, json) or they are not one run (table2).</summary>
    private static readonly string[] s_reserved = ["profile", "json", "table2", "help"];

    /// <summary>The options the point's command would run with; refuses a point that is not one run, naming it.</summary>
    public static object Request(SweepPoint point, string profile)
    {
        foreach (SweepInput input in point.Inputs.Where(i => s_reserved.Contains(i.Option)))
        {
            throw new UsageException($"sweep: point {point.Id} (#{point.Index}): --{input.Option} is the sweep's to set, not a point's (profiles go in \"profiles\")");
        }
        object? request = null;
        Command command = point.Command == "micro"
            ? MicroCommand.Create((r, _, _) => { request = r; return 0; })
            : WorkloadCommand.Create((r, _, _) => { request = r; return 0; });
        string[] args = [.. SweepArguments.For(command, point.Inputs), "--profile", profile, "--json"];
        ParseResult parsed = command.Parse(args);
        if (ParseProblems.First(parsed) is string problem)
        {
            throw new UsageException($"sweep: point {point.Id} (#{point.Index}): {problem}");
        }
        parsed.Invoke();
        bool single = request switch
        {
            MicroRequest m => m.Single,
            WorkloadRequest w => w.Single,
            _ => false,
        };
        if (!single)
        {
            throw new UsageException($"sweep: point {point.Id} (#{point.Index}): {point.Command} {string.Join(' ', point.Arguments())} is more than one run; give --technique, --platform{(point.Command == "workload" ? " and --ds" : "")} one value each (put the values on an axis)");
        }
        try
        {
            // What the command checks across options, before its runs: checked here before any point runs.
            if (request is MicroRequest m)
            {
                MicroCommand.Check(m);
                TechniqueOption.CheckSupported(m.Technique!.Value, m.Platform!.Platform);
            }
            else if (request is WorkloadRequest w)
            {
                WorkloadCommand.Check(w);
                TechniqueOption.CheckSupported(w.Technique!.Value, w.Platform!.Platform);
            }
        }
        catch (UsageException e)
        {
            throw new UsageException($"sweep: point {point.Id} (#{point.Index}): {e.Message}");
        }
        return request!;
    }

    /// <summary>Runs the point's one run: a results line for its shard file.</summary>
    public static (string Line, bool Ok) Run(SweepPoint point, object request, IReadOnlyList<(string Name, HvSim.Models.Profiles.CostProfile Profile)> profiles)
    {
        CheckpointedResult run;
        string report;
        string? failure = null;
        if (request is MicroRequest micro)
        {
            (CheckpointedResult[] results, HvSim.Models.Profiles.CostProfile? profile) = MicroCommand.Execute(micro);
            run = results[0];
            report = MicroCommand.Json(results, profile, micro, single: true);
            if (MicroCommand.Status(results) != 0)
            {
                failure = $"status {MicroCommand.Status(results)}: {run.Process.FatalReport ?? run.Check.Detail}";
            }
        }
        else
        {
            var workload = (WorkloadRequest)request;
            (HvSim.Validation.WorkloadResult[] results, HvSim.Models.Profiles.CostProfile? profile) = WorkloadCommand.Execute(workload, progress: false);
            run = results[0].Run;
            report = WorkloadCommand.Json(results, single: true, profile);
            if (!results[0].Ok)
            {
                failure = WorkloadCommand.Failure(results[0]);
            }
        }
        var prices = profiles.Select(p => (p.Name, RunPricing.SimulatedNs(run, p.Profile))).ToArray();
        return (SweepResult.Line(point, failure is null, failure, prices, report), failure is null);
    }
}

using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using HvSim.Cli.CommandLine;
using HvSim.Core;
using HvSim.Models.Profiles;
using HvSim.Validation.Claims;
using HvSim.Validation.Reproduce;
using HvSim.Validation.Sweeps;

namespace HvSim.Cli;

/// <summary>
/// hvsim sweep: a grid of micro or workload runs from a spec (docs/sweeps.md), split into shards
/// that any machine computes the same way (`--shard I/N`, one per Slurm array task or Kubernetes
/// index), each writing its results file into --out and resuming where a killed run stopped;
/// `hvsim sweep merge` joins the shards into the table an unsharded run gives, byte for byte.
/// A reproduce sweep (a bundled spec: `hvsim sweep reproduce`) shards the paper's evaluation, and
/// its merge writes the reproduction `hvsim reproduce` writes.
/// </summary>
internal static class SweepCommand
{
    public const string DefaultOut = "sweep-out";

    public static Command Create()
    {
        var spec = new Argument<string>("SPEC") { Description = $"the sweep's spec, a JSON file (docs/sweeps.md), or a bundled one: {string.Join(", ", BundledSpecs)}" };
        Option<bool> list = CliOptions.Flag("--list", "print the points (id, index, options) instead of running them; with --shard, that shard's");
        CliOption<(int Index, int Count)> shard = CliOptions.Value("--shard", "I/N",
            "run only share I of N (0 <= I < N), balanced by each point's estimated cost; the same spec gives the same shares on any machine",
            ParseShard, (0, 1), "0/1, every point");
        CliOption<string> output = CliOptions.Value("--out", "DIR", "where the shard's results file and the spec go (shared by all shards of the sweep)", text => text, DefaultOut, DefaultOut);
        var command = new Command("sweep",
            "run a grid of micro or workload runs, or the paper's evaluation, from a spec, sharded (--shard I/N, one shard per cluster task) and resumable; `sweep merge` joins the shards into one table")
        {
            spec, list, shard, output, CreateMerge(),
        };
        command.SetAction(result =>
        {
            SweepSpec loaded = Load(result.GetValue(spec)!);
            (int index, int count) = shard.Read(result);
            IReadOnlyList<SweepPoint> points = SweepPlan.Shard(ReproduceSweepOptions.Points(loaded), index, count);
            return result.GetValue(list) ? List(points) : Run(loaded, points, index, count, output.Read(result));
        });
        return command;
    }

    private static Command CreateMerge()
    {
        var directories = new Argument<string[]>("DIR") { Description = "the --out directories of the shards (one, or one per node)", Arity = ArgumentArity.OneOrMore };
        CliOption<string?> output = CliOptions.Text("--out", "FILE", "write FILE.csv and FILE.json (a .csv or .json ending is dropped first); a reproduce sweep's reproduction goes into the directory FILE");
        output.Option.Required = true;
        var command = new Command("merge", "check that every point of the sweep is present exactly once and write the merged table as CSV and JSON, the same bytes as an unsharded run (and a reproduce sweep's reproduction)")
        {
            directories, output,
        };
        command.SetAction(result => Merge(result.GetValue(directories)!, output.Read(result)!));
        return command;
    }

    private static (int, int) ParseShard(string text)
    {
        string[] parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count)
            && count is >= 1 and <= 100_000 && index < count)
        {
            return (index, count);
        }
        throw new UsageException($"--shard {text}: expected I/N with 0 <= I < N <= 100000, e.g. 0/4");
    }

    /// <summary>The specs that ship with the tool (validation/sweeps/NAME.json), found by name.</summary>
    public static readonly IReadOnlyList<string> BundledSpecs = ["reproduce", "reproduce-quick"];

    private static SweepSpec Load(string path)
    {
        try
        {
            if (!File.Exists(path) && BundledSpecs.Contains(path) && BundledFiles.Find($"validation/sweeps/{path}.json") is string bundled)
            {
                return SweepSpec.Load(bundled);
            }
            return SweepSpec.Load(path);
        }
        catch (SweepSpecException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static int List(IReadOnlyList<SweepPoint> points)
    {
        foreach (SweepPoint point in points)
        {
            Console.Out.WriteLine($"{point.Id}  #{point.Index}  {point.Command} {string.Join(' ', point.Arguments())}");
        }
        return 0;
    }

    private static int Run(SweepSpec spec, IReadOnlyList<SweepPoint> points, int index, int count, string output)
    {
        // Everything is checked before the first run: the profiles, every point's options, the directory.
        var profiles = spec.Profiles.Select(name => (name, RunPricing.LoadProfile(name))).ToArray();
        Func<SweepPoint, (string Line, bool Ok)> run;
        if (spec.Command == ReproduceSweep.Command)
        {
            ReproduceSettings settings = ReproduceSweepOptions.Settings(spec);
            var jobs = ReproduceSweep.Plan(settings).ToDictionary(p => p.Point.Id, p => p.Job, StringComparer.Ordinal);
            run = point => ReproduceSweep.Run(point, jobs[point.Id], settings.Claims);
        }
        else
        {
            var requests = points.ToDictionary(p => p.Id, p => SweepPoints.Request(p, spec.Profiles[0]), StringComparer.Ordinal);
            run = point => SweepPoints.Run(point, requests[point.Id], profiles);
        }
        OutputPath.CheckDirectory(output, "sweep: --out");
        try
        {
            SweepShardFile.WriteSpec(output, spec);
        }
        catch (SweepSpecException e)
        {
            throw new UsageException($"sweep: --out {e.Message}");
        }

        var file = new SweepShardFile(output, index, count);
        int[] todo = Enumerable.Range(0, points.Count).Where(i => !file.Has(points[i].Id)).ToArray();
        var clock = Stopwatch.StartNew();
        int failed = 0;
        ProgressDisplay.Run($"shard {index}/{count}", todo.Length, show: ProgressDisplay.Interactive, step =>
            Parallel.ForEach(todo, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            {
                (string line, bool ok) = run(points[i]);
                file.Append(points[i].Id, line);
                if (!ok)
                {
                    Interlocked.Increment(ref failed);
                }
                step();
            }));
        file.Finish(points);
        Console.Out.WriteLine($"shard {index}/{count} of sweep {spec.Name}: {points.Count} points ({points.Count - todo.Length} already done, {todo.Length} run, {failed} failed their checks) in {clock.Elapsed.TotalSeconds:0.0} s: {file.Path}");
        return failed == 0 ? 0 : 1;
    }

    private static int Merge(string[] directories, string output)
    {
        string prefix = output.EndsWith(".csv", StringComparison.Ordinal) || output.EndsWith(".json", StringComparison.Ordinal)
            ? output[..output.LastIndexOf('.')]
            : output;
        OutputPath.CheckFile(prefix + ".csv", "sweep merge: --out");
        SweepMerge merged;
        try
        {
            merged = SweepMerge.Read(directories, ReproduceSweepOptions.Points);
        }
        catch (SweepSpecException e)
        {
            throw new UsageException($"sweep merge: {e.Message}");
        }
        // A reproduce sweep's measurements are read back (and checked against the runs the spec names) before any file is written.
        bool reproduce = merged.Spec.Command == ReproduceSweep.Command;
        ReproduceSettings? settings = reproduce ? ReproduceSweepOptions.Settings(merged.Spec) : null;
        ClaimMeasurements? measurements = null;
        if (settings is not null)
        {
            OutputPath.CheckDirectory(prefix, "sweep merge: --out");
            try
            {
                measurements = ReproduceSweep.Read(settings, merged.Lines);
            }
            catch (PointResultFormatException e)
            {
                throw new UsageException($"sweep merge: {e.Message}");
            }
        }
        File.WriteAllText(prefix + ".csv", merged.Csv());
        File.WriteAllText(prefix + ".json", merged.Json());
        Console.Out.WriteLine($"sweep {merged.Spec.Name}: {merged.Lines.Count} points merged from {directories.Length} director{(directories.Length == 1 ? "y" : "ies")}: {prefix}.csv, {prefix}.json");
        return settings is not null && measurements is not null ? Reproduction(merged, settings, measurements, prefix) : 0;
    }

    /// <summary>A reproduce sweep's merged measurements evaluated as `hvsim reproduce` evaluates its own, into the directory <paramref name="directory"/>.</summary>
    private static int Reproduction(SweepMerge merged, ReproduceSettings settings, ClaimMeasurements measurements, string directory)
    {
        CostProfile profile = RunPricing.LoadProfile(merged.Spec.Profiles[0]);
        ReproduceResult result = ReproduceRun.Evaluate(settings, profile, measurements);
        IReadOnlyList<string> files = ReproduceOutput.Write(result, directory,
            () => $"sharded: the {merged.Lines.Count} results of sweep {merged.Spec.Name}, joined by hvsim sweep merge (each shard's time is in its own log)");
        foreach (string failure in result.Failures)
        {
            Console.Error.WriteLine($"hvsim: sweep merge: {failure}");
        }
        Console.Out.Write(ClaimsConsole.Text(result.Claims, profile.Name, result.Bands));
        Console.Out.WriteLine($"wrote the reproduction's {files.Count} files to {directory}");
        return result.Ok ? 0 : 1;
    }
}

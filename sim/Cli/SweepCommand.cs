using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using HvSim.Cli.CommandLine;
using HvSim.Validation.Sweeps;

namespace HvSim.Cli;

/// <summary>
/// hvsim sweep: a grid of micro or workload runs from a spec (docs/sweeps.md), split into shards
/// that any machine computes the same way (`--shard I/N`, one per Slurm array task or Kubernetes
/// index), each writing its results file into --out and resuming where a killed run stopped;
/// `hvsim sweep merge` joins the shards into the table an unsharded run gives, byte for byte.
/// </summary>
internal static class SweepCommand
{
    public const string DefaultOut = "sweep-out";

    public static Command Create()
    {
        var spec = new Argument<string>("SPEC") { Description = "the sweep's spec, a JSON file (docs/sweeps.md)" };
        Option<bool> list = CliOptions.Flag("--list", "print the points (id, index, options) instead of running them; with --shard, that shard's");
        CliOption<(int Index, int Count)> shard = CliOptions.Value("--shard", "I/N",
            "run only share I of N (0 <= I < N), balanced by each point's estimated cost; the same spec gives the same shares on any machine",
            ParseShard, (0, 1), "0/1, every point");
        CliOption<string> output = CliOptions.Value("--out", "DIR", "where the shard's results file and the spec go (shared by all shards of the sweep)", text => text, DefaultOut, DefaultOut);
        var command = new Command("sweep",
            "run a grid of micro or workload runs from a spec, sharded (--shard I/N, one shard per cluster task) and resumable; `sweep merge` joins the shards into one table")
        {
            spec, list, shard, output, CreateMerge(),
        };
        command.SetAction(result =>
        {
            SweepSpec loaded = Load(result.GetValue(spec)!);
            (int index, int count) = shard.Read(result);
            IReadOnlyList<SweepPoint> points = SweepPlan.Shard(SweepPlan.Points(loaded), index, count);
            return result.GetValue(list) ? List(points) : Run(loaded, points, index, count, output.Read(result));
        });
        return command;
    }

    private static Command CreateMerge()
    {
        var directories = new Argument<string[]>("DIR") { Description = "the --out directories of the shards (one, or one per node)", Arity = ArgumentArity.OneOrMore };
        CliOption<string?> output = CliOptions.Text("--out", "FILE", "write FILE.csv and FILE.json (a .csv or .json ending is dropped first)");
        output.Option.Required = true;
        var command = new Command("merge", "check that every point of the sweep is present exactly once and write the merged table as CSV and JSON, the same bytes as an unsharded run")
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

    private static SweepSpec Load(string path)
    {
        try
        {
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
        object[] requests = points.Select(p => SweepPoints.Request(p, spec.Profiles[0])).ToArray();
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
                (string line, bool ok) = SweepPoints.Run(points[i], requests[i], profiles);
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
            merged = SweepMerge.Read(directories);
        }
        catch (SweepSpecException e)
        {
            throw new UsageException($"sweep merge: {e.Message}");
        }
        File.WriteAllText(prefix + ".csv", merged.Csv());
        File.WriteAllText(prefix + ".json", merged.Json());
        Console.Out.WriteLine($"sweep {merged.Spec.Name}: {merged.Lines.Count} points merged from {directories.Length} director{(directories.Length == 1 ? "y" : "ies")}: {prefix}.csv, {prefix}.json");
        return 0;
    }
}

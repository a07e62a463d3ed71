using System.Diagnostics;
using HvSim.Tests.Cli;
using HvSim.Validation.Sweeps;

namespace HvSim.Tests.Sweeps;

/// <summary>
/// hvsim sweep (issue 18): shards that merge into the bytes of an unsharded run, resumable after
/// a kill, and a merge that refuses missing, duplicated or foreign points.
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed class SweepTests : IDisposable
{
    /// <summary>60 points of the microbenchmark, small enough for CI (about 2 s per pass on 2 cores).</summary>
    private const string Spec = """
        {
          "name": "test-sweep",
          "command": "micro",
          "fixed": { "platform": "xen-pv", "tcount": 10, "cda-kib": 64, "ppt": 2 },
          "axes": { "technique": ["pt", "emul", "ptxen", "emulxen"], "wpp": [1, 2, 4, 8, 16], "seed": [1, 2, 3] },
          "profiles": ["xen-4.1-pv", "prior-xen-4.1-pv"]
        }
        """;

    private readonly string _root = Path.Combine(Path.GetTempPath(), $"hvsim-sweep-{Guid.NewGuid():N}");
    private readonly string _spec;

    public SweepTests()
    {
        Directory.CreateDirectory(_root);
        _spec = Path.Combine(_root, "spec.json");
        File.WriteAllText(_spec, Spec);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static (int Status, string Stdout, string Stderr) Hvsim(params string[] args) => HvsimConsole.Run(args);

    private (string Csv, string Json) RunSharded(int count, string name)
    {
        string output = Path.Combine(_root, name);
        for (int i = 0; i < count; i++)
        {
            (int status, _, string stderr) = Hvsim("sweep", _spec, "--shard", $"{i}/{count}", "--out", output);
            Assert.True(status == 0, stderr);
        }
        return Merge(name, output);
    }

    private (string Csv, string Json) Merge(string name, params string[] directories)
    {
        string prefix = Path.Combine(_root, name + "-merged");
        (int status, _, string stderr) = Hvsim(["sweep", "merge", .. directories, "--out", prefix]);
        Assert.True(status == 0, stderr);
        return (File.ReadAllText(prefix + ".csv"), File.ReadAllText(prefix + ".json"));
    }

    [Fact]
    public void Shards_merge_into_the_bytes_of_the_unsharded_run()
    {
        (string csv, string json) = RunSharded(1, "one");
        Assert.Equal(60 + 1, csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        foreach (int count in new[] { 3, 7 })
        {
            (string shardedCsv, string shardedJson) = RunSharded(count, $"n{count}");
            Assert.Equal(csv, shardedCsv);
            Assert.Equal(json, shardedJson);
        }
        Assert.DoesNotContain(",false,", csv); // every backup equal, every run ok
    }

    [Fact]
    public void Shards_partition_the_points_the_same_way_every_time_and_balance_them()
    {
        IReadOnlyList<SweepPoint> points = SweepPlan.Points(SweepSpec.Parse(Spec, "spec"));
        Assert.Equal(60, points.Count);
        Assert.Equal(60, points.Select(p => p.Id).Distinct().Count());
        foreach (int count in new[] { 1, 2, 3, 7, 60, 61 })
        {
            var shards = Enumerable.Range(0, count).Select(i => SweepPlan.Shard(points, i, count)).ToArray();
            Assert.Equal(points.Select(p => p.Id).Order(), shards.SelectMany(s => s).Select(p => p.Id).Order());
            Assert.Equal(shards.Select(s => s.Select(p => p.Id)), Enumerable.Range(0, count).Select(i => SweepPlan.Shard(points, i, count).Select(p => p.Id)));
            double[] loads = shards.Select(s => s.Sum(SweepPlan.Cost)).ToArray();
            Assert.True(loads.Max() - loads.Min() <= points.Max(SweepPlan.Cost), $"{count} shards: loads {string.Join(", ", loads)}");
        }
    }

    /// <summary>A point's id is its options, whatever the order of the spec's axes.</summary>
    [Fact]
    public void A_point_id_does_not_depend_on_the_order_of_the_axes()
    {
        SweepSpec reordered = SweepSpec.Parse(Spec.Replace("\"technique\": [\"pt\", \"emul\", \"ptxen\", \"emulxen\"], \"wpp\": [1, 2, 4, 8, 16]", "\"wpp\": [1, 2, 4, 8, 16], \"technique\": [\"pt\", \"emul\", \"ptxen\", \"emulxen\"]"), "spec");
        Assert.Equal(SweepPlan.Points(SweepSpec.Parse(Spec, "spec")).Select(p => p.Id).Order(), SweepPlan.Points(reordered).Select(p => p.Id).Order());
    }

    /// <summary>A shard killed mid-run (its partial file cut in the middle of a line) runs again without recomputing the points it finished.</summary>
    [Fact]
    public void A_killed_shard_resumes_without_recomputing_finished_points()
    {
        (string csv, string json) = RunSharded(1, "reference");
        string output = Path.Combine(_root, "killed");
        using (Process run = StartHvsim("sweep", _spec, "--out", output))
        {
            string partial = Path.Combine(output, SweepShardFile.Name(0, 1) + ".partial");
            var wait = Stopwatch.StartNew();
            while (!(File.Exists(partial) && CountLines(partial) >= 5) && !run.HasExited && wait.Elapsed < TimeSpan.FromSeconds(60))
            {
                Thread.Sleep(20);
            }
            Assert.False(run.HasExited, "the shard finished before it could be killed");
            run.Kill(entireProcessTree: true);
            run.WaitForExit();
        }
        string cut = Path.Combine(output, SweepShardFile.Name(0, 1) + ".partial");
        int done = CountLines(cut);
        File.AppendAllText(cut, "{\"id\":\"cut short by the kill"); // as if killed mid-write
        (int status, string stdout, string stderr) = Hvsim("sweep", _spec, "--out", output);
        Assert.True(status == 0, stderr);
        Assert.Contains($"({done} already done, {60 - done} run,", stdout);
        Assert.False(File.Exists(cut));
        Assert.Equal((csv, json), Merge("resumed", output));
    }

    [Fact]
    public void Merge_names_missing_duplicated_and_foreign_points()
    {
        string output = Path.Combine(_root, "partial");
        Assert.Equal(0, Hvsim("sweep", _spec, "--shard", "0/3", "--out", output).Status);
        Assert.Equal(0, Hvsim("sweep", _spec, "--shard", "1/3", "--out", output).Status);
        (int status, _, string stderr) = Hvsim("sweep", "merge", output, "--out", Path.Combine(_root, "m"));
        Assert.Equal(2, status);
        Assert.Contains("missing", stderr);
        Assert.Contains($"of 60 point(s) missing", stderr);

        string copy = Path.Combine(_root, "copy");
        Directory.CreateDirectory(copy);
        File.Copy(Path.Combine(output, SweepShardFile.SpecFileName), Path.Combine(copy, SweepShardFile.SpecFileName));
        File.Copy(Path.Combine(output, SweepShardFile.Name(0, 3)), Path.Combine(copy, SweepShardFile.Name(0, 3)));
        Assert.Equal(0, Hvsim("sweep", _spec, "--shard", "2/3", "--out", output).Status);
        (status, _, stderr) = Hvsim("sweep", "merge", output, copy, "--out", Path.Combine(_root, "m"));
        Assert.Equal(2, status);
        Assert.Contains("present twice", stderr);

        string other = Path.Combine(_root, "other.json");
        File.WriteAllText(other, Spec.Replace("\"seed\": [1, 2, 3]", "\"seed\": [1]"));
        string otherOut = Path.Combine(_root, "other");
        Assert.Equal(0, Hvsim("sweep", other, "--shard", "0/7", "--out", otherOut).Status);
        (status, _, stderr) = Hvsim("sweep", "merge", output, otherOut, "--out", Path.Combine(_root, "m"));
        Assert.Equal(2, status);
        Assert.Contains("another sweep", stderr);
    }

    [Theory]
    [InlineData("\"axes\": {", "\"bogus\": 1, \"axes\": {", "unknown field 'bogus'")]
    [InlineData("\"wpp\": [1, 2, 4, 8, 16]", "\"wpp\": [1, 2.12345]", "--wpp 2.12345: expected a number")]
    [InlineData("\"technique\": [\"pt\", \"emul\", \"ptxen\", \"emulxen\"]", "\"technique\": [\"all\"]", "is more than one run")]
    [InlineData("\"ppt\": 2", "\"ppt\": 2, \"profile\": \"none\"", "--profile is the sweep's to set")]
    [InlineData("\"seed\": [1, 2, 3]", "\"seed\": []", "axes.seed: expected a non-empty array")]
    [InlineData("\"ppt\": 2", "\"ppt\": 40", "--ppt 40: more pages per transaction than the CDA has")]
    [InlineData("\"platform\": \"xen-pv\"", "\"platform\": \"native\"", "runs in the hypervisor: use --platform xen-pv or xen-shadow, not native")]
    [InlineData("\"command\": \"micro\"", "\"command\": \"exec\"", "expected micro, workload or reproduce")]
    [InlineData("\"xen-4.1-pv\", \"prior-xen-4.1-pv\"", "\"no-such-profile\"", "no-such-profile")]
    public void A_bad_spec_is_refused_before_any_run(string from, string to, string message)
    {
        string bad = Path.Combine(_root, "bad.json");
        File.WriteAllText(bad, Spec.Replace(from, to));
        string output = Path.Combine(_root, "bad-out");
        (int status, _, string stderr) = Hvsim("sweep", bad, "--out", output);
        Assert.Equal(2, status);
        Assert.Contains(message, stderr);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.False(Directory.Exists(output) && Directory.EnumerateFiles(output, "shard-*").Any());
    }

    private static int CountLines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Count(c => c == '\n');
    }

    private static Process StartHvsim(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(typeof(HvSim.Cli.Program).Assembly.Location);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return Process.Start(start)!;
    }
}

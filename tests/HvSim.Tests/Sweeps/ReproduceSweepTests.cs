using System.Text.Json;
using HvSim.Checkpoint;
using HvSim.Core;
using HvSim.Hypervisor;
using HvSim.Tests.Cli;
using HvSim.Validation;
using HvSim.Validation.Claims;
using HvSim.Validation.Sweeps;

namespace HvSim.Tests.Sweeps;

/// <summary>
/// `hvsim reproduce` as a sweep (issue 18 item 4): the bundled specs, a measurement read back
/// bit for bit, and what a reproduce spec may not say. That a sharded reproduction merges into the
/// files of `hvsim reproduce` is checked beside reproduce's own tests (ReproduceCommandTests).
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed class ReproduceSweepTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"hvsim-reproduce-sweep-{Guid.NewGuid():N}");

    public ReproduceSweepTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void The_bundled_specs_list_the_runs_reproduce_makes()
    {
        (int status, string stdout, string stderr) = HvsimConsole.Run("sweep", "reproduce-quick", "--list");
        Assert.True(status == 0, stderr);
        var settings = HvSim.Validation.Reproduce.ReproduceSettings.Create(BundledGuestDirectory(), quick: true);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(HvSim.Validation.Reproduce.ReproduceRun.Jobs(settings).Count, lines.Length);
        Assert.Equal(lines.Length, lines.Select(l => l.Split(' ')[0]).Distinct().Count());
        Assert.Contains(lines, l => l.Contains("--kind micro --technique scanxen --platform xen-shadow", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("--suite ours", StringComparison.Ordinal)); // the contrast suite's Table 2

        (status, stdout, stderr) = HvsimConsole.Run("sweep", "reproduce", "--list", "--shard", "1/4");
        Assert.True(status == 0, stderr);
        Assert.Contains("--tcount 2000", stdout); // full mode's length
    }

    [Fact]
    public void A_measurement_reads_back_exactly()
    {
        var vector = new EventVector("xen-pv");
        vector[EventKind.Instruction, Layer.User] = 1.0 / 3;
        vector[EventKind.Hypercall, Layer.Kernel] = 2.000000000000001;
        vector[EventKind.Hypercall, Layer.Kernel, "mmu_update"] = 0.1 + 0.2;
        vector[EventKind.CopyBytes, Layer.User] = 4096.5e10;
        var points = new object[]
        {
            new MicroPoint(Technique.ScanXen, Platform.XenShadow, 4096, "1.3", "16"),
            new WorkloadPoint("avl", DsOperation.Delete, 5, Technique.EmulXen) { Suite = WorkloadSuite.Ours },
            new WorkloadPoint("aa", DsOperation.Insert, 1, Technique.Pt),
        };
        foreach (object point in points)
        {
            var result = new PointResult(point, vector, 123, Ok: point is MicroPoint, point is MicroPoint ? null : "a failure \"quoted\"")
            {
                Writes = point is WorkloadPoint ? TransactionWrites.Of(1, 2, 3, 4, 5, 6, 7, 8) : null,
            };
            string json = PointResultJson.Write(result);
            using JsonDocument document = JsonDocument.Parse(json);
            PointResult back = PointResultJson.Read(document.RootElement, "test");
            Assert.Equal(point, back.Point);
            Assert.Equal((result.Units, result.Ok, result.Failure), (back.Units, back.Ok, back.Failure));
            Assert.Equal(vector.NonZero(), back.PerUnit.NonZero()); // exact doubles
            Assert.Equal(vector.Parts(), back.PerUnit.Parts());
            Assert.Equal(json, PointResultJson.Write(back));
        }
    }

    [Theory]
    [InlineData("""{ "command": "reproduce", "axes": { "tcount": [40, 80] } }""", "has no axes")]
    [InlineData("""{ "command": "reproduce", "profiles": ["xen-4.1-pv", "prior-xen-4.1-pv"] }""", "one profile")]
    [InlineData("""{ "command": "reproduce", "fixed": { "out": "x" } }""", "--out is the sweep's")]
    [InlineData("""{ "command": "reproduce", "fixed": { "tcount": 5 } }""", "--tcount")]
    [InlineData("""{ "command": "reproduce", "fixed": { "suite": "weiss" } }""", "--suite")]
    [InlineData("""{ "command": "reproduce", "fixed": { "bogus": 1 } }""", "unknown option --bogus")]
    public void A_bad_reproduce_spec_is_one_line_and_status_2(string spec, string message)
    {
        string path = Path.Combine(_root, "spec.json");
        File.WriteAllText(path, spec);
        (int status, _, string stderr) = HvsimConsole.Run("sweep", path, "--out", Path.Combine(_root, "out"));
        Assert.Equal(2, status);
        Assert.Contains(message, stderr);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.False(Directory.Exists(Path.Combine(_root, "out")));
    }

    [Fact]
    public void Merge_refuses_a_measurement_of_another_run()
    {
        string spec = Path.Combine(_root, "spec.json");
        File.WriteAllText(spec, """{ "command": "reproduce", "fixed": { "quick": true, "tcount": 20, "ops": 50 } }""");
        string output = Path.Combine(_root, "out");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, SweepShardFile.SpecFileName), SweepSpec.Parse(File.ReadAllText(spec), spec).Canonical);
        // Every point's line, each holding a measurement of the first micro point (no run needed to forge them).
        (int status, string list, string stderr) = HvsimConsole.Run("sweep", spec, "--list");
        Assert.True(status == 0, stderr);
        var forged = new PointResult(new MicroPoint(Technique.Pt, Platform.XenPv, 1, "1", "1"), new EventVector("xen-pv"), 1, true, null);
        string[] lines = [.. list.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select((l, i) =>
            SweepResult.Line(new SweepPoint(l.Split(' ')[0], i, "reproduce", []), true, null, [], PointResultJson.Write(forged)))];
        File.WriteAllLines(Path.Combine(output, SweepShardFile.Name(0, 1)), lines);
        (status, _, stderr) = HvsimConsole.Run("sweep", "merge", output, "--out", Path.Combine(_root, "merged"));
        Assert.Equal(2, status);
        Assert.Contains("not of the run the spec names", stderr);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
    }

    private static string BundledGuestDirectory() => Path.GetDirectoryName(BundledFiles.Find("guests/bin/micro"))!;
}

using System.Globalization;
using System.Text.Json;
using HvSim.Cli;
using HvSim.Tests.Cli;
using HvSim.Validation.Claims;
using HvSim.Validation.Reproduce;

namespace HvSim.Tests.Reproduce;

/// <summary>
/// Two runs of `hvsim reproduce` at tiny settings (quick grids, Tcount 40, 200 operations per
/// workload), the same seed, one with --json: made once for the tests of <see cref="ReproduceCommandTests"/>.
/// </summary>
public sealed class ReproduceRuns : IDisposable
{
    public static readonly string[] Tiny = ["reproduce", "--quick", "--tcount", "40", "--ops", "200"];

    public ReproduceRuns()
    {
        Root = Path.Combine(Path.GetTempPath(), "hvsim-reproduce-" + Guid.NewGuid().ToString("N"));
        JsonDirectory = Path.Combine(Root, "json", "nested");
        TextDirectory = Path.Combine(Root, "text");
        Json = HvsimConsole.Run([.. Tiny, "--json", "--out", JsonDirectory]);
        Text = HvsimConsole.Run([.. Tiny, "--out", TextDirectory]);

        // The same reproduction as a sweep in 3 shards, merged (issue 18 item 4).
        string spec = Path.Combine(Root, "reproduce-tiny.json");
        File.WriteAllText(spec, """{ "name": "reproduce-tiny", "command": "reproduce", "fixed": { "quick": true, "tcount": 40, "ops": 200 } }""");
        ShardStatuses = [.. Enumerable.Range(0, 3).Select(i => HvsimConsole.Run(["sweep", spec, "--shard", $"{i}/3", "--out", Path.Combine(Root, "shards")]))];
        Merge = HvsimConsole.Run(["sweep", "merge", Path.Combine(Root, "shards"), "--out", MergedDirectory]);
    }

    /// <summary>Where the sharded reproduction's merge wrote the reproduction (and, beside it, .csv and .json).</summary>
    public string MergedDirectory => Path.Combine(Root, "merged");

    public IReadOnlyList<(int Status, string Stdout, string Stderr)> ShardStatuses { get; }

    public (int Status, string Stdout, string Stderr) Merge { get; }

    public string Root { get; }

    public string JsonDirectory { get; }

    public string TextDirectory { get; }

    public (int Status, string Stdout, string Stderr) Json { get; }

    public (int Status, string Stdout, string Stderr) Text { get; }

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}

/// <summary>
/// hvsim reproduce as a user runs it: every file, a report naming every claim and figure, numeric
/// CSVs, the JSON claims, determinism, and bad usage. No simulated value and no claim's pass/fail is
/// pinned: the cost profile and the event counts change under these tests.
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed class ReproduceCommandTests(ReproduceRuns runs) : IClassFixture<ReproduceRuns>
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void BothRunsSucceedWithoutAFailureLine()
    {
        Assert.True(runs.Json.Status == 0, $"status {runs.Json.Status}: {runs.Json.Stderr}");
        Assert.True(runs.Text.Status == 0, $"status {runs.Text.Status}: {runs.Text.Stderr}");
        Assert.Equal("", runs.Json.Stderr);
    }

    [Fact]
    public void EveryFigureHasACsvAndAPng()
    {
        foreach (string directory in new[] { runs.JsonDirectory, runs.TextDirectory })
        {
            foreach (string id in FigureCatalog.Ids)
            {
                Assert.True(File.Exists(Path.Combine(directory, id + ".csv")), $"{id}.csv missing in {directory}");
                byte[] png = File.ReadAllBytes(Path.Combine(directory, id + ".png"));
                Assert.True(png.Length > PngSignature.Length, $"{id}.png is empty");
                Assert.Equal(PngSignature, png[..PngSignature.Length]);
            }
            foreach (string name in new[] { "table2.csv", "claims.csv", "report.md" })
            {
                Assert.True(new FileInfo(Path.Combine(directory, name)).Length > 0, $"{name} missing or empty");
            }
            Assert.Equal(FigureCatalog.Ids.Count * 2 + 3, Directory.GetFiles(directory).Length);
        }
    }

    [Fact]
    public void TheReportNamesEveryClaimAndEveryFigure()
    {
        string report = File.ReadAllText(Path.Combine(runs.TextDirectory, "report.md"));
        Assert.All(PaperClaims.All, c => Assert.Contains($"| {c.Id} |", report));
        Assert.All(FigureCatalog.Ids, id =>
        {
            Assert.Contains($"### {id}", report);
            Assert.Contains($"]({id}.png)", report);
        });
        Assert.Contains("±15%", report);
        Assert.Contains("## Table 2", report);
        Assert.Contains("wall time", report);
    }

    [Fact]
    public void Table2ShowsBothSuitesBesideThePapers()
    {
        // The figures and claims ran the default suite, textbook; ours ran for contrast.
        string[] csv = File.ReadAllLines(Path.Combine(runs.TextDirectory, "table2.csv"));
        Assert.StartsWith("suite,structure,operation,opt,writes,pages,paper_writes,paper_pages,", csv[0]);
        Assert.Equal(40, csv.Count(l => l.StartsWith("textbook,", StringComparison.Ordinal)));
        Assert.Equal(40, csv.Count(l => l.StartsWith("ours,", StringComparison.Ordinal)));
        string report = File.ReadAllText(Path.Combine(runs.TextDirectory, "report.md"));
        Assert.Contains("| structure | operation | OPT | textbook writes | ours writes | paper writes | textbook pages | ours pages | paper pages |", report);
        Assert.Matches(@"\*\*textbook\*\* \(.*\): cells within 2\.5x of the paper's \(writes and pages both\): \d+ of 40", report);
        Assert.Matches(@"\*\*ours\*\* \(.*\): cells within 2\.5x", report);
        Assert.Contains("| workload suite | textbook: ", report);
    }

    [Fact]
    public void FigureCsvValueColumnsAreNumbers()
    {
        foreach (string id in FigureCatalog.Ids)
        {
            string[] lines = File.ReadAllLines(Path.Combine(runs.TextDirectory, id + ".csv"));
            Assert.True(lines.Length >= 2, $"{id}.csv has no data row");
            string[] header = lines[0].Split(',');
            Assert.True(header.Length >= 2, $"{id}.csv: header {lines[0]}");
            // Line figures' key column is the x value; bar figures' is a category (an operation or a technique).
            bool numericKey = header[0] is "ppt" or "tsize" or "wpp";
            foreach (string line in lines.Skip(1))
            {
                string[] cells = line.Split(',');
                Assert.Equal(header.Length, cells.Length);
                foreach (string cell in numericKey ? cells : cells[1..])
                {
                    Assert.True(double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value),
                        $"{id}.csv: '{cell}' in '{line}' is not a number");
                }
            }
        }
    }

    [Fact]
    public void JsonIsTheClaimsArray()
    {
        using JsonDocument json = JsonDocument.Parse(runs.Json.Stdout);
        Assert.Equal(JsonValueKind.Array, json.RootElement.ValueKind);
        Assert.Equal(PaperClaims.All.Select(c => c.Id), json.RootElement.EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        foreach (JsonElement claim in json.RootElement.EnumerateArray())
        {
            Assert.Equal(JsonValueKind.String, claim.GetProperty("paper").ValueKind);
            Assert.Equal(JsonValueKind.String, claim.GetProperty("simulated").ValueKind);
            Assert.Contains(claim.GetProperty("role").GetString(), new[] { "calibration", "holdout" });
            Assert.Contains(claim.GetProperty("pass").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
        }
    }

    [Fact]
    public void TextOutputIsTheClaimsTableAndTheFileCount()
    {
        string[] lines = runs.Text.Stdout.TrimEnd('\n').Split('\n');
        Assert.StartsWith("claims of the paper under profile", lines[0]);
        Assert.Matches($@"^wrote {FigureCatalog.Ids.Count * 2 + 3} files to {System.Text.RegularExpressions.Regex.Escape(runs.TextDirectory)} in [0-9.]+ s$", lines[^1]);
    }

    [Fact]
    public void TheSameSeedGivesTheSameCsvs()
    {
        string[] names = Directory.GetFiles(runs.TextDirectory, "*.csv").Select(Path.GetFileName).Order().ToArray()!;
        Assert.Equal(FigureCatalog.Ids.Count + 2, names.Length);
        Assert.Equal(names, Directory.GetFiles(runs.JsonDirectory, "*.csv").Select(Path.GetFileName).Order().ToArray());
        Assert.All(names, name => Assert.True(
            File.ReadAllBytes(Path.Combine(runs.TextDirectory, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(runs.JsonDirectory, name))),
            $"{name} differs between two runs with the same seed"));
        // The report differs in its "ran" line (where and how long) only.
        string[] a = File.ReadAllLines(Path.Combine(runs.TextDirectory, "report.md")), b = File.ReadAllLines(Path.Combine(runs.JsonDirectory, "report.md"));
        Assert.Equal(a.Length, b.Length);
        Assert.All(a.Zip(b).Where(p => p.First != p.Second), p => Assert.StartsWith("| ran |", p.First));
    }

    [Fact]
    public void A_sharded_reproduction_merges_into_the_same_files()
    {
        Assert.All(runs.ShardStatuses, r => Assert.True(r.Status == 0, $"shard: status {r.Status}: {r.Stderr}"));
        Assert.True(runs.Merge.Status == 0, $"merge: status {runs.Merge.Status}: {runs.Merge.Stderr}");
        string[] names = Directory.GetFiles(runs.TextDirectory).Select(Path.GetFileName).Order().ToArray()!;
        Assert.Equal(names, Directory.GetFiles(runs.MergedDirectory).Select(Path.GetFileName).Order().ToArray());
        foreach (string name in names.Where(n => n != "report.md"))
        {
            Assert.True(File.ReadAllBytes(Path.Combine(runs.TextDirectory, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(runs.MergedDirectory, name))),
                $"{name} differs between the reproduction and its sharded sweep");
        }
        string[] a = File.ReadAllLines(Path.Combine(runs.TextDirectory, "report.md")), b = File.ReadAllLines(Path.Combine(runs.MergedDirectory, "report.md"));
        Assert.Equal(a.Length, b.Length);
        (string First, string Second)[] different = [.. a.Zip(b).Where(p => p.First != p.Second)];
        Assert.StartsWith("| ran |", Assert.Single(different).First);
        Assert.Contains("sweep reproduce-tiny", different[0].Second);
        // The claims the merge prints are those reproduce prints.
        Assert.Equal(runs.Text.Stdout.Split('\n')[..^2], runs.Merge.Stdout.Split('\n')[1..^2]);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--tcount", "0")]
    [InlineData("--tcount", "many")]
    [InlineData("--ops", "-5")]
    [InlineData("--profile", "no-such-profile")]
    [InlineData("--out")]
    [InlineData("extra-argument")]
    [InlineData("--suite", "weiss")]
    [InlineData("--ops", "700")] // the textbook suite's key orders step by 7 modulo the operation count
    public void BadUsageIsOneLineAndStatus2(params string[] args)
    {
        (int status, string stdout, string stderr) = HvsimConsole.Run(["reproduce", .. args]);
        Assert.Equal(Program.UsageError, status);
        Assert.Equal("", stdout);
        AssertOneLine(stderr);
    }

    [Fact]
    public void AnOutputPathThatIsAFileIsAUsageError()
    {
        string file = Path.GetTempFileName();
        try
        {
            (int status, string stdout, string stderr) = HvsimConsole.Run("reproduce", "--quick", "--out", file);
            Assert.Equal(Program.UsageError, status);
            Assert.Equal("", stdout);
            AssertOneLine(stderr);
            Assert.Contains("is a file", stderr);
            Assert.Equal(0, new FileInfo(file).Length);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static void AssertOneLine(string stderr)
    {
        string[] lines = stderr.TrimEnd('\n').Split('\n');
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{stderr}");
        Assert.StartsWith("hvsim: ", lines[0]);
        Assert.DoesNotContain("   at ", stderr);
    }
}

/// <summary>A profile that cannot price a figure: the rest is still written, the figure is named on stderr and in the report, status 1.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class ReproduceWithAnIncompleteProfileTests
{
    [Fact]
    public void AFigureThatCannotBePricedIsReportedAndTheRunEndsWithStatusOne()
    {
        string root = Path.Combine(Path.GetTempPath(), "hvsim-reproduce-noprice-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            // The default profile without its CopyBytes price: Figures 17 and 18 (the copy to the helper) need it.
            HvSim.Models.Profiles.CostProfile full = HvSim.Models.Profiles.BundledProfiles.Load("xen-4.1-pv");
            var partial = new HvSim.Models.Profiles.CostProfile("no-copy", "xen-4.1-pv without CopyBytes",
                full.Prices.Where(p => p.Key.Kind != HvSim.Core.EventKind.CopyBytes));
            string profilePath = Path.Combine(root, "no-copy.json");
            HvSim.Models.Profiles.ProfileJson.Save(partial, profilePath);
            string output = Path.Combine(root, "out");

            (int status, string stdout, string stderr) = HvsimConsole.Run([.. ReproduceRuns.Tiny, "--profile", profilePath, "--out", output]);

            Assert.True(status == 1, $"status {status}: {stderr}");
            string[] lines = stderr.TrimEnd('\n').Split('\n');
            Assert.Contains(lines, l => l.StartsWith("hvsim: reproduce: fig17 not produced", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("hvsim: reproduce: fig18 not produced", StringComparison.Ordinal));
            Assert.DoesNotContain("   at ", stderr);
            Assert.False(File.Exists(Path.Combine(output, "fig17.png")));
            Assert.True(File.Exists(Path.Combine(output, "fig16.png")));
            string report = File.ReadAllText(Path.Combine(output, "report.md"));
            Assert.Contains("fig17 not produced", report);
            Assert.Contains("wrote", stdout);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}

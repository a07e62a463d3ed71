using System.Text.Json;
using HvSim.Cli;
using HvSim.Tests.Cli;

namespace HvSim.Tests.Workloads;

/// <summary>hvsim workload as a user runs it: options, table, JSON, exit statuses.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class WorkloadCommandTests
{
    private static readonly string[] Small = ["--ops", "200", "--cda-kib", "512"];

    private static (int Status, string Stdout, string Stderr) RunHvsim(params string[] args) => HvsimConsole.Run(args);

    [Theory]
    [InlineData("unknown option", "--ds", "tree", "--turbo")]
    [InlineData("needs --ds", "--ops", "10")]
    [InlineData("expected all or one of", "--ds", "btree")]
    [InlineData("implements insert only", "--ds", "avl", "--op", "delete")]
    [InlineData("expected insert or delete", "--ds", "tree", "--op", "update")]
    [InlineData("runs in the hypervisor", "--ds", "tree", "--technique", "ptxen")]
    [InlineData("a multiple of 4", "--ds", "tree", "--cda-kib", "10")]
    [InlineData("from 1 to", "--ds", "tree", "--ops", "2000000")]
    [InlineData("takes only", "--table2", "--technique", "pt")]
    [InlineData("expected textbook or ours", "--ds", "tree", "--suite", "weiss")]
    [InlineData("expected textbook or ours", "--table2", "--suite", "")]
    [InlineData("must not be a multiple", "--ds", "tree", "--ops", "700")]
    [InlineData("must not be a multiple", "--table2", "--ops", "142")]
    public void BadUsageIsOneLineAndStatus2(string reason, params string[] args)
    {
        (int status, string stdout, string stderr) = RunHvsim(["workload", .. args]);
        Assert.Equal(Program.UsageError, status);
        Assert.Equal("", stdout);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains(reason, stderr);
    }

    [Fact]
    public void OneRunPrintsTheDesignReportWithTheWorkloadsFields()
    {
        (int status, string stdout, string stderr) = RunHvsim(["workload", "--ds", "splay", "--op", "delete", "--opt", "5",
            "--technique", "ptxen", "--platform", "xen-pv", "--json", .. Small]);
        Assert.True(status == 0, stderr);
        using JsonDocument json = JsonDocument.Parse(stdout);
        JsonElement run = json.RootElement;
        Assert.Equal(JsonValueKind.Object, run.ValueKind);
        foreach (string field in new[] { "technique", "platform", "simulated_ns", "instructions", "events", "events_by_layer", "dirty_pages", "logged_bytes", "copied_bytes", "cda_sha256", "backup_sha256" })
        {
            Assert.True(run.TryGetProperty(field, out _), $"DESIGN.md field {field}");
        }
        Assert.Equal("splay", run.GetProperty("structure").GetString());
        Assert.Equal("delete", run.GetProperty("operation").GetString());
        Assert.Equal(5, run.GetProperty("opt").GetInt64());
        Assert.Equal(200, run.GetProperty("ops").GetInt64());
        Assert.Equal(40, run.GetProperty("transactions").GetInt64());
        Assert.True(run.GetProperty("invariants_ok").GetBoolean());
        Assert.True(run.GetProperty("backup_equal").GetBoolean());
        Assert.Equal(run.GetProperty("cda_sha256").GetString(), run.GetProperty("backup_sha256").GetString());
    }

    [Fact]
    public void TheWholeSuiteUnderEveryTechniqueIsAnArrayInSuiteOrder()
    {
        (int status, string stdout, string stderr) = RunHvsim(["workload", "--ds", "all", "--technique", "all", "--platform", "xen-pv", "--json", "--ops", "20", "--cda-kib", "512"]);
        Assert.True(status == 0, stderr);
        using JsonDocument json = JsonDocument.Parse(stdout);
        JsonElement[] runs = json.RootElement.EnumerateArray().ToArray();
        Assert.Equal(20 * 6, runs.Length); // xen-pv runs pt, emul, ptxen, emulxen, softdirty, uffdwp
        Assert.Equal("aa insert pt", Describe(runs[0]));
        Assert.Equal("aa insert emul", Describe(runs[1]));
        Assert.Equal("tree delete uffdwp", Describe(runs[^1]));
        Assert.All(runs, r => Assert.True(r.GetProperty("invariants_ok").GetBoolean() && r.GetProperty("backup_equal").GetBoolean()));
    }

    private static string Describe(JsonElement run) =>
        $"{run.GetProperty("structure").GetString()} {run.GetProperty("operation").GetString()} {run.GetProperty("technique").GetString()}";

    [Fact]
    public void TheTableShowsEveryRunAndItsChecks()
    {
        (int status, string stdout, string stderr) = RunHvsim(["workload", "--ds", "all", "--op", "delete", "--technique", "emul", .. Small]);
        Assert.True(status == 0, stderr);
        string[] lines = stdout.TrimEnd('\n').Split('\n');
        Assert.Matches(@"^\| structure +\| op +\| opt \| +ops \| technique \| platform ", lines[0]);
        Assert.Equal(7 + 3, lines.Length); // header, its rule, the 7 deleting structures, a note
        Assert.All(lines[2..^1], line => Assert.Matches(@"\| delete .* \| emul +\| native .* \| ok +\| equal +\|$", line));
    }

    [Fact]
    public void ASuiteIsChosenOnceForEveryRunAndNamedInTheJson()
    {
        // The default is the textbook suite; --suite ours runs the ds- guests. Both print the
        // same DESIGN.md fields; the JSON says which suite ran.
        foreach ((string[] suite, string name) in new[] { (Array.Empty<string>(), "textbook"), (new[] { "--suite", "ours" }, "ours"), (new[] { "--suite", "textbook" }, "textbook") })
        {
            (int status, string stdout, string stderr) = RunHvsim(["workload", "--ds", "list", "--op", "delete", "--technique", "emulxen", "--platform", "xen-pv", "--json", .. suite, .. Small]);
            Assert.True(status == 0, stderr);
            using JsonDocument json = JsonDocument.Parse(stdout);
            Assert.Equal(name, json.RootElement.GetProperty("suite").GetString());
            // textbook: Delete(i) of the list's first cell stores its header's Next only; ours:
            // an unlink, the count and the free-list link (validation/TABLE2.md).
            Assert.Equal(name == "textbook" ? 200 : 600, json.RootElement.GetProperty("events").GetProperty("WriteEmulated").GetInt64());
        }
    }

    [Fact]
    public void ARunThatFailsMakesTheStatus1()
    {
        (int status, string stdout, string stderr) = RunHvsim("workload", "--suite", "ours", "--ds", "hashquad", "--ops", "10", "--cda-kib", "64");
        Assert.Equal(1, status);
        Assert.Contains("BROKEN", stdout);
        Assert.Contains("CDA full", stderr);
    }

    [Theory]
    [InlineData("textbook", 20.76)] // weiss_model.py's replay of Weiss's tree.c at N = 200
    [InlineData("ours", 3.0)] // our iterative insert: the key, one link, the count
    public void Table2JsonHasEveryRowWithThePapersFigures(string suite, double treeInsertWrites)
    {
        string[] choice = suite == "textbook" ? [] : ["--suite", suite]; // textbook is the default
        (int status, string stdout, string stderr) = RunHvsim(["workload", "--table2", "--json", .. choice, .. Small]);
        Assert.True(status == 0, stderr);
        using JsonDocument json = JsonDocument.Parse(stdout);
        JsonElement[] rows = json.RootElement.EnumerateArray().ToArray();
        Assert.Equal(40, rows.Length);
        foreach (JsonElement row in rows)
        {
            // The fields Table 2's JSON has always had, and the suite.
            Assert.Equal(suite, row.GetProperty("suite").GetString());
            Assert.Equal(JsonValueKind.String, row.GetProperty("structure").ValueKind);
            Assert.Contains(row.GetProperty("operation").GetString(), new[] { "insert", "delete" });
            Assert.Contains(row.GetProperty("opt").GetInt64(), new long[] { 1, 5 });
            Assert.True(row.GetProperty("writes").GetDouble() > 0);
            Assert.True(row.GetProperty("pages").GetDouble() > 0);
            Assert.Equal(0, row.GetProperty("fallbacks").GetInt64());
        }
        JsonElement tree = rows.Single(r => r.GetProperty("structure").GetString() == "tree" && r.GetProperty("operation").GetString() == "insert" && r.GetProperty("opt").GetInt64() == 1);
        Assert.Equal(720.7, tree.GetProperty("paper_writes").GetDouble());
        Assert.Equal(5.4, tree.GetProperty("paper_pages").GetDouble());
        Assert.Equal(treeInsertWrites, tree.GetProperty("writes").GetDouble());
    }

    [Fact]
    public void Table2TextSaysHowItCountsAndFlagsLargeDifferences()
    {
        (int status, string stdout, string stderr) = RunHvsim(["workload", "--table2", "--suite", "ours", .. Small]);
        Assert.True(status == 0, stderr);
        Assert.Contains("32-bit (4-byte pointers and words)", stdout);
        Assert.Contains("x86-64 (8-byte pointers", stdout);
        Assert.Contains("emulxen on xen-pv", stdout);
        Assert.Contains("validation/TABLE2.md", stdout);
        Assert.Matches(@"\n\| tree +\| insert +\| +3\.0 \| +720\.7 \| +0\.004\* \|", stdout);
        Assert.Matches(@"cells within 2\.5x of the paper's \(writes and pages both\): \d+ of 40; within 1\.5x: \d+", stdout);
    }

    [Fact]
    public void Table2TextOfTheTextbookSuiteSaysItsLayout()
    {
        (int status, string stdout, string stderr) = RunHvsim(["workload", "--table2", .. Small]);
        Assert.True(status == 0, stderr);
        Assert.Contains("Suite textbook: Weiss's code", stdout);
        Assert.Contains("4-byte keys, counts and links", stdout);
        Assert.Matches(@"\n\| list +\| insert +\| +4\.0 \| +4\.0 \| +1\.00 \|", stdout);
    }
}

using System.Text.Json.Nodes;
using HvSim.Core;
using HvSim.Models;
using HvSim.Models.Pricing;
using HvSim.Models.Profiles;
using HvSim.Models.Runs;
using HvSim.Tests.Cli;

namespace HvSim.Tests.Models;

/// <summary>Reading runs' JSON as the simulator prints it, and writing it back priced.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class RunJsonTests
{
    [Fact]
    public void TheArrayOfMicroAllIsReadRunByRun()
    {
        RunFile file = RunJsonReader.Parse(MicroRuns.All, "micro.json");
        Assert.Equal(RunFileShape.Array, file.Shape);
        Assert.Equal(17, file.Runs.Count); // the paper's five, softdirty and uffdwp, on each platform that runs them
        RunRecord ptxen = file.Runs.First(r => r.Technique == "ptxen" && r.Platform == Platforms.XenPv);
        Assert.Contains(ptxen.Counts, c => c.Kind == EventKind.TrapToHypervisor && c.Layer == Layer.Hypervisor && c.Count > 0);
        // The reader's counts are the run's: their per-kind sums equal the "events" object (the
        // hypercalls by name are parts of Hypercall's count, not more of them).
        JsonObject events = ptxen.Json["events"]!.AsObject();
        foreach (EventKind kind in ptxen.Counts.Select(c => c.Kind).Distinct())
        {
            Assert.Equal(events[kind.ToString()]!.GetValue<long>(), ptxen.Counts.Where(c => c.Kind == kind && c.Subkind is null).Sum(c => c.Count));
        }
        JsonObject hypercalls = ptxen.Json["hypercalls"]!.AsObject();
        Assert.NotEmpty(hypercalls);
        foreach ((string name, JsonNode? count) in hypercalls)
        {
            Assert.Contains(ptxen.Counts, c => c.Kind == EventKind.Hypercall && c.Layer == Layer.Kernel && c.Subkind == name && c.Count == count!.GetValue<long>());
        }
        Assert.Equal(5, ptxen.Transactions);
        Assert.Contains("cda_kib 16", ptxen.Parameters);
    }

    [Fact]
    public void OneObjectAndJsonLinesAreRead()
    {
        RunFile one = RunJsonReader.Parse(MicroRuns.One, "pt.json");
        Assert.Equal(RunFileShape.Object, one.Shape);
        Assert.Equal("pt", Assert.Single(one.Runs).Technique);

        string lines = string.Join("\n", JsonNode.Parse(MicroRuns.All)!.AsArray().Take(3).Select(n => n!.ToJsonString())) + "\n";
        RunFile jsonLines = RunJsonReader.Parse(lines, "runs.jsonl");
        Assert.Equal(RunFileShape.Lines, jsonLines.Shape);
        Assert.Equal([1, 2, 3], jsonLines.Runs.Select(r => r.Number));
    }

    [Fact]
    public void PricedRunsKeepEveryFieldAndGainSimulatedNs()
    {
        RunFile file = RunJsonReader.Parse(MicroRuns.All, "micro.json");
        CostProfile profile = BundledProfiles.Load(Path.Combine(Guests.RepositoryPaths.Root, "models", "profiles", "prior-xen-4.1-pv.json"));
        PricingResult[] prices = file.Runs.Select(r => Pricer.Price(profile, r.Platform, r.Counts)).ToArray();
        JsonArray written = JsonNode.Parse(RunJsonWriter.Write(file, prices, profile))!.AsArray();
        JsonArray original = JsonNode.Parse(MicroRuns.All)!.AsArray();
        Assert.Equal(original.Count, written.Count);
        for (int i = 0; i < written.Count; i++)
        {
            JsonObject run = written[i]!.AsObject();
            Assert.Equal((long)Math.Round(prices[i].TotalNs), run["simulated_ns"]!.GetValue<long>());
            Assert.Equal(profile.Name, run["cost_profile"]!.GetValue<string>());
            Assert.Null(run["unpriced"]);
            foreach ((string field, JsonNode? value) in original[i]!.AsObject().Where(f => f.Key != "simulated_ns"))
            {
                Assert.True(JsonNode.DeepEquals(value, run[field]), field);
            }
        }
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("{\"technique\": \"pt\"", "not valid JSON")]
    [InlineData("42", "expected a run object or an array")]
    [InlineData("[]", "holds no runs")]
    [InlineData("{\"platform\": \"native\", \"events_by_layer\": {}}", "run 1: missing string field 'technique'")]
    [InlineData("{\"technique\": \"pt\", \"platform\": \"xen\", \"events_by_layer\": {}}", "run 1: unknown platform 'xen'")]
    [InlineData("{\"technique\": \"pt\", \"platform\": \"native\"}", "'events_by_layer' must be an object")]
    [InlineData("{\"technique\": \"pt\", \"platform\": \"native\", \"events_by_layer\": {\"guest\": {}}}", "unknown layer 'guest'")]
    [InlineData("{\"technique\": \"pt\", \"platform\": \"native\", \"events_by_layer\": {\"user\": {\"Faults\": 3}}}", "events_by_layer.user.Faults: unknown event kind")]
    [InlineData("{\"technique\": \"pt\", \"platform\": \"native\", \"events_by_layer\": {\"user\": {\"PageFault\": -3}}}", "a count must be a whole number >= 0")]
    [InlineData("{\"technique\": \"pt\", \"platform\": \"native\", \"events_by_layer\": {}}\n{\"technique\": 3}", "line 2")]
    public void BadRunFilesGiveOneLine(string text, string message)
    {
        var error = Assert.Throws<ModelInputException>(() => RunJsonReader.Parse(text, "runs.json"));
        Assert.Contains(message, error.Message);
        Assert.StartsWith("runs.json", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}

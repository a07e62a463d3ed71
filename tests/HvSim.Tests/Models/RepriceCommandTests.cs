using System.Text.Json.Nodes;
using HvSim.Cli;
using HvSim.Tests.Cli;

namespace HvSim.Tests.Models;

/// <summary>hvsim reprice, as a user runs it on the output of hvsim micro --json.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class RepriceCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("hvsim-reprice-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void EveryRunGetsItsTimeItsLayersAndItsTopKinds()
    {
        string runs = Write("micro.json", MicroRuns.All);
        (int status, string stdout, string stderr) = HvsimConsole.Run("reprice", runs, "--profile", "prior-xen-4.1-pv");
        Assert.True(status == 0, stderr);
        Assert.StartsWith("profile prior-xen-4.1-pv: ", stdout);
        Assert.Contains("ptxen on xen-pv (cda_kib 16, wpp 2, ppt 2, tcount 5", stdout);
        Assert.Contains("scanxen on xen-shadow", stdout);
        Assert.Equal(17, stdout.Split('\n').Count(l => l.Contains(" ms simulated", StringComparison.Ordinal)));
        Assert.Equal(17, stdout.Split('\n').Count(l => l.TrimStart().StartsWith("top kinds by time", StringComparison.Ordinal)));
        Assert.Contains("  hypervisor ", stdout);
    }

    [Fact]
    public void JsonPrintsTheRunsBackWithSimulatedNs()
    {
        string run = Write("pt.json", MicroRuns.One);
        (int status, string stdout, string stderr) = HvsimConsole.Run("reprice", "--profile", "prior-xen-4.1-pv", run, "--json");
        Assert.True(status == 0, stderr);
        JsonObject priced = JsonNode.Parse(stdout)!.AsObject();
        Assert.True(priced["simulated_ns"]!.GetValue<long>() > 0);
        Assert.Equal("pt", priced["technique"]!.GetValue<string>());
        Assert.Null(priced["unpriced"]);
    }

    [Fact]
    public void UnpricedEventsAreNamedAndTheStatusIsOne()
    {
        string profile = Write("tiny.json", """
            { "name": "tiny", "prices": [ { "kind": "Instruction", "layer": "user", "platform": "*", "ns": 1,
              "provenance": { "basis": "assumed", "source": "test" } } ] }
            """);
        string run = Write("pt.json", MicroRuns.One);
        (int status, string stdout, string stderr) = HvsimConsole.Run("reprice", run, "--profile", profile, "--json");
        Assert.Equal(1, status);
        JsonObject priced = JsonNode.Parse(stdout)!.AsObject();
        JsonArray unpriced = priced["unpriced"]!.AsArray();
        Assert.Contains(unpriced, u => u!["kind"]!.GetValue<string>() == "SignalDelivery" && u["layer"]!.GetValue<string>() == "kernel");
        Assert.Equal(priced["instructions"]!.GetValue<long>(), priced["simulated_ns"]!.GetValue<long>());
        string line = Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains("profile tiny has no price for", line);
        Assert.Contains("SignalDelivery@kernel@native", line);
    }

    [Theory]
    [InlineData("bad-profile", "not valid JSON")]
    [InlineData("bad-run", "not valid JSON")]
    [InlineData("missing-profile", "no such file")]
    [InlineData("no-profile", "reprice: --profile is required")]
    public void BadInputIsOneLineAndStatusTwo(string what, string message)
    {
        string goodRun = Write("pt.json", MicroRuns.One);
        string[] args = what switch
        {
            "bad-profile" => ["reprice", goodRun, "--profile", Write("bad.json", "{ \"name\": ")],
            "bad-run" => ["reprice", Write("bad-run.json", "{ \"technique\": "), "--profile", "prior-xen-4.1-pv"],
            "missing-profile" => ["reprice", goodRun, "--profile", Path.Combine(_directory, "none.json")],
            _ => ["reprice", goodRun],
        };
        (int status, _, string stderr) = HvsimConsole.Run(args);
        Assert.Equal(Program.UsageError, status);
        string line = Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("hvsim: ", line);
        Assert.Contains(message, line);
    }
}

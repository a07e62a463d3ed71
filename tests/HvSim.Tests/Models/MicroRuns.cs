using HvSim.Tests.Cli;

namespace HvSim.Tests.Models;

/// <summary>Real output of `hvsim micro --json`, produced once in process and shared by the model tests.</summary>
internal static class MicroRuns
{
    // hvm's runs are left out: the prior profile these tests price with has no hvm prices (the default profile has, issue 16 item 3).
    private static readonly Lazy<string> s_all = new(() => WithoutPlatform(Run("--technique", "all", "--platform", "all"), "hvm"));
    private static readonly Lazy<string> s_one = new(() => Run("--technique", "pt", "--platform", "native"));

    /// <summary>Every technique on every platform that runs it (but hvm, unpriced yet): a JSON array.</summary>
    public static string All => s_all.Value;

    /// <summary>PT on native: one JSON object.</summary>
    public static string One => s_one.Value;

    private static string WithoutPlatform(string json, string platform)
    {
        var runs = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsArray();
        foreach (System.Text.Json.Nodes.JsonNode? run in runs.Where(r => (string?)r!["platform"] == platform).ToList())
        {
            runs.Remove(run);
        }
        return runs.ToJsonString();
    }

    private static string Run(params string[] selection)
    {
        (int status, string stdout, string stderr) = HvsimConsole.Run(["micro", .. selection, "--cda-kib", "16", "--wpp", "2", "--ppt", "2", "--tcount", "5", "--json"]);
        Assert.True(status == 0, stderr);
        return stdout;
    }
}

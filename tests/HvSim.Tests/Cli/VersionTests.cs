using System.Text.RegularExpressions;
using HvSim.Tests.Guests;

namespace HvSim.Tests.Cli;

/// <summary>`hvsim --version` names the package version and, in a build from a git checkout, the commit.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed partial class VersionTests
{
    [Fact]
    public void Version_prints_the_version_and_the_commit_it_was_built_from()
    {
        (int status, string stdout, string stderr) = HvsimConsole.Run("--version");
        Assert.Equal(0, status);
        Assert.Equal(string.Empty, stderr);
        Assert.Matches(VersionLine(), stdout.TrimEnd('\n'));
        if (Directory.Exists(Path.Combine(RepositoryPaths.Root, ".git")))
        {
            Assert.Contains("+", stdout); // the SDK appends the commit (SourceRevisionId) when built from git
        }
    }

    /// <summary>Every JSON object hvsim prints says which build made it (the run reports of exec and micro here).</summary>
    [Fact]
    public void Json_reports_carry_the_version()
    {
        (int status, _, string stderr) = HvsimConsole.Run("exec", "--json", RepositoryPaths.Guest("exitcode"));
        using (var report = System.Text.Json.JsonDocument.Parse(stderr.Trim().Split('\n')[^1]))
        {
            Assert.Equal(HvSim.Core.BuildVersion.Text, report.RootElement.GetProperty(HvSim.Core.BuildVersion.JsonName).GetString());
        }
        (status, string stdout, _) = HvsimConsole.Run("micro", "--platform", "xen-pv", "--tcount", "5", "--cda-kib", "64", "--json");
        Assert.Equal(0, status);
        using var runs = System.Text.Json.JsonDocument.Parse(stdout);
        Assert.True(runs.RootElement.GetArrayLength() > 1);
        foreach (System.Text.Json.JsonElement run in runs.RootElement.EnumerateArray())
        {
            Assert.Equal(HvSim.Core.BuildVersion.Text, run.GetProperty(HvSim.Core.BuildVersion.JsonName).GetString());
        }
    }

    [GeneratedRegex(@"^hvsim \d+\.\d+\.\d+(\+[0-9a-f]{7,40})?$")]
    private static partial Regex VersionLine();
}

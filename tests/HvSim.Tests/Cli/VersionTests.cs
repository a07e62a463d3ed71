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

    [GeneratedRegex(@"^hvsim \d+\.\d+\.\d+(\+[0-9a-f]{7,40})?$")]
    private static partial Regex VersionLine();
}

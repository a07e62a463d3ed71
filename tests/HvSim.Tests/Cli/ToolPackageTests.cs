using HvSim.Tests.Guests;
using Xunit.Abstractions;

namespace HvSim.Tests.Cli;

/// <summary>
/// hvsim as a .NET tool (issue 19): the repository's build packs (dotnet pack sim/Cli), installs with
/// dotnet tool install --tool-path, and the installed hvsim, run from a directory that has nothing of
/// the repository, finds its bundled guests and profiles and prints exactly what the repository's
/// build prints for trace, micro, workload and the bundled reproduce sweep's points.
/// </summary>
public sealed class ToolPackageTests(ITestOutputHelper output)
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    [Fact]
    public void The_installed_tool_runs_from_any_directory_as_the_build_does()
    {
        string? dotnet = HostTools.Find("dotnet");
        string? repository = RepositoryRoot();
        if (dotnet is null || repository is null)
        {
            output.WriteLine("skipped: no dotnet on PATH or not run from the repository");
            return;
        }

        string scratch = Directory.CreateTempSubdirectory("hvsim-tool-").FullName;
        try
        {
            string packages = Path.Combine(scratch, "packages");
            string tools = Path.Combine(scratch, "tools");
            string elsewhere = Directory.CreateDirectory(Path.Combine(scratch, "elsewhere")).FullName;
            Succeeds(HostTools.Run(dotnet, ["pack", Path.Combine(repository, "sim", "Cli"), "-c", Configuration, "--no-build", "-o", packages], repository, Limit), "dotnet pack");
            Succeeds(HostTools.Run(dotnet, ["tool", "install", "--tool-path", tools, "--add-source", packages, "hvsim"], scratch, Limit), "dotnet tool install");

            string installed = Path.Combine(tools, "hvsim");
            string built = Path.Combine(repository, "sim", "Cli", "bin", Configuration, "net10.0", "hvsim.dll");
            string[][] commands =
            [
                ["trace", "--platform", "xen-pv", "--technique", "pt"],
                ["micro", "--technique", "all", "--platform", "xen-pv", "--tcount", "50", "--json"],
                ["workload", "--ds", "tree", "--ops", "200", "--technique", "pt", "--platform", "native", "--json"],
                ["sweep", "reproduce-quick", "--list", "--shard", "0/16"], // the bundled sweep specs travel with the tool
            ];
            foreach (string[] command in commands)
            {
                ToolRun tool = HostTools.Run(installed, command, elsewhere, Limit);
                ToolRun build = HostTools.Run(dotnet, [built, .. command], repository, Limit);
                string name = "hvsim " + string.Join(' ', command);
                Succeeds(tool, name + " (installed tool)");
                Assert.True(build.Stdout == tool.Stdout, $"{name}: the installed tool's output differs from the build's");
            }
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static void Succeeds(ToolRun run, string what) =>
        Assert.True(run.ExitCode == 0 && !run.TimedOut, $"{what}: status {run.ExitCode}{(run.TimedOut ? " (timed out)" : string.Empty)}\n{run.Stdout}\n{run.Stderr}");

    private static string? RepositoryRoot()
    {
        for (string? directory = AppContext.BaseDirectory; directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, "HvSim.sln")))
            {
                return directory;
            }
        }

        return null;
    }
}

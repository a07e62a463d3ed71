namespace HvSim.Tests.Guests;

/// <summary>
/// Every committed guest program prints the same bytes and ends with the same status under the
/// simulator as on the host CPU (the rule of the foundation issue's "done when").
/// </summary>
public sealed class GuestDifferentialTests
{
    private static readonly string[] s_environment = { "HVSIM_TEST_ENV=differential", "LANG=C" };

    /// <summary>Programs from guests/programs.tsv: name, arguments.</summary>
    public static TheoryData<string, string> Programs()
    {
        var data = new TheoryData<string, string>();
        string manifest = Path.Combine(RepositoryPaths.Root, "guests", "programs.tsv");
        foreach (string line in File.ReadAllLines(manifest))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            string[] fields = line.Split('\t');
            data.Add(fields[0], fields.Length > 1 ? fields[1] : "");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void SimulatedRunMatchesHostRun(string name, string arguments)
    {
        if (!GuestRun.HostCanRunGuests)
        {
            return; // no reference CPU here; the simulated-only tests still run
        }
        string path = RepositoryPaths.Guest(name);
        string[] args = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        GuestRun native = GuestRun.Native(path, args, s_environment);
        GuestRun simulated = GuestRun.Simulated(path, args, s_environment);
        Assert.True(native.StdoutText == simulated.StdoutText,
            $"{name}: stdout differs (fatal: {simulated.FatalReport})\n--- native ---\n{Tail(native.StdoutText)}\n--- hvsim ---\n{Tail(simulated.StdoutText)}");
        Assert.True(native.StderrText == simulated.StderrText, $"{name}: stderr differs\n--- native ---\n{native.StderrText}\n--- hvsim ---\n{simulated.StderrText}");
        Assert.True(native.ExitStatus == simulated.ExitStatus, $"{name}: exit status {simulated.ExitStatus}, native {native.ExitStatus} ({simulated.FatalReport})");
    }

    private static string Tail(string text) => text.Length > 2000 ? "..." + text[^2000..] : text;
}

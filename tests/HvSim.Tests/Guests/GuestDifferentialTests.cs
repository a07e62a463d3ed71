namespace HvSim.Tests.Guests;

/// <summary>
/// Every committed guest program prints the same bytes and ends with the same status under the
/// simulator as on the host CPU (the foundation issue's "done when"). The reference is the host
/// itself where it can run x86-64 Linux ELFs, and always the outputs recorded natively in
/// guests/expected/ (so the check also holds on a machine that cannot run the guests).
/// </summary>
public sealed class GuestDifferentialTests
{
    private static readonly string[] s_environment = { "LANG=C" };

    /// <summary>Programs from guests/programs.tsv: name, arguments, expected exit status.</summary>
    public static TheoryData<string, string, int> Programs()
    {
        var data = new TheoryData<string, string, int>();
        string manifest = Path.Combine(RepositoryPaths.Root, "guests", "programs.tsv");
        foreach (string line in File.ReadAllLines(manifest))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            string[] fields = line.Split('\t');
            data.Add(fields[0], fields[1], int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void SimulatedRunMatchesHostRun(string name, string arguments, int expectedStatus)
    {
        string path = RepositoryPaths.Guest(name);
        string[] args = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        GuestRun simulated = GuestRun.Simulated(path, args, s_environment);

        string expectedOut = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "guests", "expected", name + ".out"));
        string expectedErr = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "guests", "expected", name + ".err"));
        AssertSame(name, "recorded", new GuestRun(
            System.Text.Encoding.UTF8.GetBytes(expectedOut), System.Text.Encoding.UTF8.GetBytes(expectedErr), expectedStatus, null), simulated);

        if (GuestRun.HostCanRunGuests)
        {
            AssertSame(name, "native", GuestRun.Native(path, args, s_environment), simulated);
        }
    }

    [Fact]
    public void GuestSeesArgumentsAndEnvironmentItWasGiven()
    {
        string[] env = { "HVSIM_TEST_ENV=passed through", "LANG=C" };
        GuestRun simulated = GuestRun.Simulated(RepositoryPaths.Guest("args"), new[] { "x", "y z" }, env);
        Assert.Contains("argv[1]=x\n", simulated.StdoutText);
        Assert.Contains("argv[2]=y z\n", simulated.StdoutText);
        Assert.Contains("passed through", simulated.StdoutText);
        Assert.Equal(3, simulated.ExitStatus);
        if (GuestRun.HostCanRunGuests)
        {
            AssertSame("args", "native", GuestRun.Native(RepositoryPaths.Guest("args"), new[] { "x", "y z" }, env), simulated);
        }
    }

    private static void AssertSame(string name, string reference, GuestRun expected, GuestRun simulated)
    {
        Assert.True(expected.StdoutText == simulated.StdoutText,
            $"{name}: stdout differs from the {reference} run (hvsim: {simulated.FatalReport})\n--- {reference} ---\n{Tail(expected.StdoutText)}\n--- hvsim ---\n{Tail(simulated.StdoutText)}");
        Assert.True(expected.StderrText == simulated.StderrText,
            $"{name}: stderr differs from the {reference} run\n--- {reference} ---\n{expected.StderrText}\n--- hvsim ---\n{simulated.StderrText}");
        Assert.True(expected.ExitStatus == simulated.ExitStatus,
            $"{name}: exit status {simulated.ExitStatus}, {reference} {expected.ExitStatus} ({simulated.FatalReport})");
    }

    private static string Tail(string text) => text.Length > 2000 ? "..." + text[^2000..] : text;
}

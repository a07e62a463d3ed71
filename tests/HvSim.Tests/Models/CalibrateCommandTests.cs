using HvSim.Cli;
using HvSim.Core;
using HvSim.Models.Profiles;
using HvSim.Tests.Cli;
using HvSim.Tests.Guests;

namespace HvSim.Tests.Models;

/// <summary>hvsim calibrate, as a user runs it on a measurements CSV.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class CalibrateCommandTests : IDisposable
{
    private static readonly string s_sources = Path.Combine(RepositoryPaths.Root, "tests", "HvSim.Tests", "Models", "Data", "sources-native.csv");

    private readonly string _directory = Directory.CreateTempSubdirectory("hvsim-calibrate-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void ExactSyntheticMeasurementsGiveBackTheirPrices()
    {
        string csv = Path.Combine(_directory, "exact.csv");
        File.WriteAllText(csv, """
            name,ns,weight,events
            entry,70,1,SyscallEntry@kernel@native=1
            syscall,100,1,SyscallEntry@kernel@native=1 SyscallExit@kernel@native=1
            page-copy,614.4,1,CopyBytes@user@*=4096
            """);
        string output = Path.Combine(_directory, "exact.json");
        (int status, string stdout, string stderr) = HvsimConsole.Run("calibrate", "--measurements", csv, "--out", output);
        Assert.True(status == 0, stderr);
        Assert.Contains("contradictions: none", stdout);
        CostProfile profile = ProfileJson.Load(output);
        Assert.Equal("exact", profile.Name);
        Assert.Equal(30, profile.Find(EventKind.SyscallExit, Layer.Kernel, Platforms.Native)!.Ns, 6);
        Assert.Equal(0.15, profile.Find(EventKind.CopyBytes, Layer.User, Platforms.XenPv)!.Ns, 9);
        Price exit = profile.Find(EventKind.SyscallExit, Layer.Kernel, Platforms.Native)!;
        Assert.Equal(ProvenanceBasis.Fitted, exit.Provenance.Basis);
        Assert.Equal("exact.csv: syscall", exit.Provenance.Source);
    }

    [Fact]
    public void TheSourcesRowsAreFittedWithThePriorAndTheReportExplainsTheMisses()
    {
        string output = Path.Combine(_directory, "host.json");
        (int status, string stdout, string stderr) = HvsimConsole.Run("calibrate", "--measurements", s_sources, "--out", output, "--prior", "prior-xen-4.1-pv", "--allow-undetermined");
        Assert.True(status == 0, stderr);
        Assert.Contains("residuals per target", stdout);
        Assert.Contains("numerical rank", stdout);
        Assert.Contains("+1 SyscallExit@kernel@native  -1 SyscallEntry@kernel@native", stdout); // only their sum is measured
        // getppid and sigaction take the same simulated events but differ by 40 ns: a contradiction.
        Assert.Contains("dropping any one of these alone lets the others hold: null-syscall, sigaction", stdout);
        CostProfile profile = ProfileJson.Load(output);
        CostProfile prior = BundledProfiles.Load("prior-xen-4.1-pv");
        // The prior's prices stay (Xen's untouched); the native ones are now fitted.
        Assert.Equal(prior.Find(EventKind.Hypercall, Layer.Kernel, Platforms.XenPv), profile.Find(EventKind.Hypercall, Layer.Kernel, Platforms.XenPv));
        Assert.Equal(ProvenanceBasis.Fitted, profile.Find(EventKind.SignalDelivery, Layer.Kernel, Platforms.Native)!.Provenance.Basis);
        Assert.Equal(ProvenanceBasis.Assumed, profile.Find(EventKind.SignalDelivery, Layer.Kernel, Platforms.XenPv)!.Provenance.Basis);
    }

    [Fact]
    public void AFitThatLeavesAFreePriceUndeterminedIsRefusedWithStatusOne()
    {
        string output = Path.Combine(_directory, "host.json");
        (int status, string stdout, string stderr) = HvsimConsole.Run("calibrate", "--measurements", s_sources, "--out", output, "--prior", "prior-xen-4.1-pv");
        Assert.Equal(1, status);
        string line = Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains("undetermined", line);
        Assert.Contains("SyscallExit@kernel@native", line);
        Assert.Contains("--allow-undetermined", line);
        // The report still says what the rows determine, and nothing is written.
        Assert.Contains("determination: 15 free prices, numerical rank", stdout);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void SourcedPricesAreHeldFixedAndOnlyTheFreeOnesAreFitted()
    {
        // syscall = entry + exit: with the entry sourced at 60 ns, the row determines the exit alone.
        string csv = Path.Combine(_directory, "fixed.csv");
        File.WriteAllText(csv, """
            name,ns,weight,events
            syscall,100,1,SyscallEntry@kernel@native=1 SyscallExit@kernel@native=1
            """);
        string prior = Path.Combine(_directory, "inputs.json");
        File.WriteAllText(prior, """
            { "name": "inputs", "prices": [
              { "kind": "SyscallEntry", "layer": "kernel", "platform": "native", "ns": 60,
                "provenance": { "basis": "sourced", "source": "a paper, Table 3", "range": [40, 80] } },
              { "kind": "SyscallExit", "layer": "kernel", "platform": "native", "ns": 10,
                "provenance": { "basis": "assumed", "source": "a starting value only" } } ] }
            """);
        string output = Path.Combine(_directory, "fitted.json");
        (int status, string stdout, string stderr) = HvsimConsole.Run("calibrate", "--measurements", csv, "--out", output, "--prior", prior, "--prior-weight", "0");
        Assert.True(status == 0, stderr);
        Assert.Contains("determination: 1 free prices, numerical rank 1", stdout);
        Assert.Contains("held fixed: SyscallEntry@kernel@native=60", stdout);
        CostProfile profile = ProfileJson.Load(output);
        Price entry = profile.Find(EventKind.SyscallEntry, Layer.Kernel, Platforms.Native)!;
        Price exit = profile.Find(EventKind.SyscallExit, Layer.Kernel, Platforms.Native)!;
        Assert.Equal(60, entry.Ns);
        Assert.Equal(ProvenanceBasis.Sourced, entry.Provenance.Basis);
        Assert.Equal(new PriceRange(40, 80), entry.Provenance.Range);
        Assert.Equal(40, exit.Ns, 6);
        Assert.Equal(ProvenanceBasis.Fitted, exit.Provenance.Basis);
        Assert.True(exit.Provenance.Determined);
    }

    [Theory]
    [InlineData("no-out", "calibrate: --out is required")]
    [InlineData("missing-csv", "none.csv")]
    [InlineData("bad-csv", "the first line must be the header")]
    [InlineData("bad-weight", "--prior-weight")]
    [InlineData("only-fixed", "nothing is left to fit")]
    public void BadInputIsOneLineAndStatusTwo(string what, string message)
    {
        string bad = Path.Combine(_directory, "bad.csv");
        File.WriteAllText(bad, "name,time\n");
        // Rows that name only prices the sources profile holds fixed leave the fit no column.
        string onlyFixed = Path.Combine(_directory, "only-fixed.csv");
        File.WriteAllText(onlyFixed, "name,ns,weight,events\nr1,100,1,Instruction@user@*=3 PageFault@kernel@*=1\n");
        string output = Path.Combine(_directory, "out.json");
        string[] args = what switch
        {
            "no-out" => ["calibrate", "--measurements", s_sources],
            "missing-csv" => ["calibrate", "--measurements", Path.Combine(_directory, "none.csv"), "--out", output],
            "bad-csv" => ["calibrate", "--measurements", bad, "--out", output],
            "only-fixed" => ["calibrate", "--measurements", onlyFixed, "--out", output, "--prior", "sources-xen-4.1-pv"],
            _ => ["calibrate", "--measurements", s_sources, "--out", output, "--prior-weight", "-1"],
        };
        (int status, _, string stderr) = HvsimConsole.Run(args);
        Assert.Equal(Program.UsageError, status);
        string line = Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains(message, line);
        Assert.False(File.Exists(output));
    }
}

using HvSim.Models.Calibration;
using HvSim.Models.Profiles;
using HvSim.Tests.Cli;
using HvSim.Tests.Guests;
using HvSim.Validation.Claims;

namespace HvSim.Tests.Claims;

/// <summary>
/// The claims table (validation/HvSim.Validation/Claims) and the default profile fitted to the
/// calibration claims: deterministic, calibration claims pass under the fitted profile, every price
/// has provenance, holdouts never enter the fit. Microbenchmark points only, at a reduced Tcount
/// (the counts per transaction are those of the steady state and do not depend on it).
/// </summary>
public sealed class ClaimsTests
{
    private static ClaimSettings Settings => MicroClaimRuns.Settings;

    private static Lazy<ClaimMeasurements> Measured => MicroClaimRuns.Measured;

    private static CostProfile Fitted => MicroClaimRuns.Profile("xen-4.1-pv");

    private static CostProfile Sources => MicroClaimRuns.Profile(ClaimsCalibration.SourcesProfile);

    private static string CommittedCsv => Path.Combine(RepositoryPaths.Root, "models", "calibration", "xen-4.1-pv.csv");

    [Fact]
    public void EveryMicrobenchmarkPointRanAndKeptItsBackup()
    {
        Assert.All(Measured.Value.Results, r => Assert.True(r.Ok, r.Failure));
    }

    [Fact]
    public void TheTableIsDeterministic()
    {
        ClaimMeasurements again = ClaimMeasurements.Run(Settings, workloads: false);
        Assert.Equal(ClaimsTable.Json(ClaimsTable.Evaluate(Measured.Value, Fitted)), ClaimsTable.Json(ClaimsTable.Evaluate(again, Fitted)));
    }

    [Fact]
    public void CountsPerTransactionDoNotDependOnTcount()
    {
        // Linearity: the steady-state counts per transaction at Tcount 200 are those the committed CSV
        // was made from (Tcount 1000), to within the page generator's rounding.
        var shortRun = ClaimsCalibration.Csv(Measured.Value, Sources);
        MeasurementSet generated = MeasurementsCsv.Parse(shortRun, "generated");
        MeasurementSet committed = MeasurementsCsv.Load(CommittedCsv);
        Assert.Equal(committed.Experiments.Select(e => e.Name), generated.Experiments.Select(e => e.Name));
        CostProfile fitted = Fitted;
        foreach (Experiment e in committed.Experiments)
        {
            double Time(Experiment x) => x.Counts.Sum(c => c.Value * fitted.Resolve(c.Key)!.Ns);
            double a = Time(e), b = Time(generated.Experiments.First(x => x.Name == e.Name));
            Assert.True(Math.Abs(a - b) <= 0.02 * Math.Abs(a) + 1, $"{e.Name}: {a} ns at Tcount 1000, {b} ns at Tcount 200");
        }
    }

    [Fact]
    public void CalibrationClaimsPassUnderTheFittedProfile()
    {
        IReadOnlyList<ClaimResult> results = ClaimsTable.Evaluate(Measured.Value, Fitted);
        Assert.All(results.Where(r => r.Claim.Role == ClaimRole.Calibration), r => Assert.True(r.Pass, $"{r.Claim.Id}: {r.Simulated} vs {r.Claim.PaperValue} ({r.Note})"));
    }

    [Fact]
    public void HoldoutsAreNotInputsOfTheFit()
    {
        MeasurementSet set = MeasurementsCsv.Load(CommittedCsv);
        string[] holdouts = PaperClaims.All.Where(c => c.Role == ClaimRole.Holdout).Select(c => c.Id).ToArray();
        string[] calibration = PaperClaims.All.Where(c => c.Role == ClaimRole.Calibration).Select(c => c.Id).ToArray();
        Assert.Equal(12, holdouts.Length);
        // Every row is a calibration claim's: the sourced and measured prices set the scale, not rows.
        foreach (string name in set.Experiments.Select(e => e.Name).Concat(set.Targets.Select(t => t.Name)))
        {
            string id = name.Split('-')[0];
            Assert.DoesNotContain(id, holdouts);
            Assert.True(calibration.Contains(id), $"row {name} is not a calibration claim's");
        }
        // Every calibration claim is a target of the fit.
        Assert.All(calibration, id => Assert.Contains(set.Targets, t => t.Name.Split('-')[0] == id && t.Weight > 0));
    }

    [Fact]
    public void EveryPriceOfTheDefaultProfileHasProvenance()
    {
        CostProfile profile = Fitted;
        Assert.Equal("xen-4.1-pv", profile.Name);
        Assert.All(profile.Prices, p =>
        {
            Assert.False(string.IsNullOrWhiteSpace(p.Provenance.Source), $"{p.Key}: no source");
            if (p.Provenance.Source.Contains("[R]", StringComparison.Ordinal) || p.Provenance.Note.Contains("[R]", StringComparison.Ordinal))
            {
                Assert.Contains("unverified", p.Provenance.Note, StringComparison.OrdinalIgnoreCase);
            }
        });
        // Every event a claims experiment counts has a price (pricing throws otherwise).
        Assert.All(Measured.Value.Results, r => r.PerUnit.Ns(profile));
    }

    [Fact]
    public void TheClaimsFileIsThePapersWithItsHeaderComments()
    {
        string ours = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "validation", "paper", "claims.csv"));
        Assert.StartsWith("# Quantitative claims of the paper", ours);
        Assert.Equal(21, PaperClaims.All.Count);
        Assert.Equal(9, PaperClaims.All.Count(c => c.Role == ClaimRole.Calibration));
    }
}

/// <summary>The claims command and the calibrate command on the committed inputs, run in process (one console test at a time).</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class ClaimsCommandTests
{
    private static string CommittedCsv => Path.Combine(RepositoryPaths.Root, "models", "calibration", "xen-4.1-pv.csv");

    /// <summary>The commands that made the committed fitted profiles: the default one's is in its CSV's header, host-native's in guests/measure/README.md.</summary>
    public static TheoryData<string, string, string> FittedProfiles() => new()
    {
        { "models/calibration/xen-4.1-pv.csv", "xen-4.1-pv", File.ReadLines(CommittedCsv).First(l => l.StartsWith("# Fit: hvsim calibrate", StringComparison.Ordinal)) },
        { "models/measurements/host-native.csv", "host-native", "# Fit: hvsim calibrate --measurements models/measurements/host-native.csv --out models/profiles/host-native.json --prior prior-xen-4.1-pv --name host-native --allow-undetermined" },
    };

    [Theory]
    [MemberData(nameof(FittedProfiles))]
    public void EachCommittedFittedProfileIsTheFitOfItsCommittedCsv(string csv, string name, string fitLine)
    {
        string output = Path.Combine(Path.GetTempPath(), $"hvsim-refit-{Guid.NewGuid():N}.json");
        string committedPath = Path.Combine(RepositoryPaths.Root, "models", "profiles", name + ".json");
        try
        {
            string[] command = fitLine["# Fit: hvsim ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(a =>
                a == csv ? Path.Combine(RepositoryPaths.Root, csv) : a == $"models/profiles/{name}.json" ? output : a).ToArray();
            Assert.Contains(output, command);
            (int status, _, string stderr) = HvsimConsole.Run(command);
            Assert.True(status == 0, stderr);
            CostProfile committed = ProfileJson.Load(committedPath), refit = ProfileJson.Load(output);
            Assert.Equal(committed.Prices.Select(p => p.Key), refit.Prices.Select(p => p.Key));
            foreach ((Price was, Price again) in committed.Prices.Zip(refit.Prices))
            {
                Assert.True(Math.Abs(was.Ns - again.Ns) <= 1e-6 * Math.Max(1, was.Ns), $"{name} {was.Key}: committed {was.Ns} ns, refit {again.Ns} ns");
                Assert.Equal(was.Provenance, again.Provenance);
            }
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public void CommandRejectsBadInputWithStatus2()
    {
        Assert.Equal(2, HvsimConsole.Run("claims", "--bogus").Status);
        Assert.Equal(2, HvsimConsole.Run("claims", "--profile", "no-such-profile").Status);
        Assert.Equal(2, HvsimConsole.Run("claims", "--draws", "-1").Status);
    }

    [Theory]
    [InlineData("\"ns\": 300, \"provenance\": { \"basis\": \"sourced\", \"source\": \"a paper\", \"range\": [60, 200] }", "outside its own range")]
    [InlineData("\"ns\": 100, \"provenance\": { \"basis\": \"sourced\", \"source\": \"a paper\" }", "a sourced price needs a range")]
    public void AProfileThatBreaksItsOwnProvenanceIsRefusedInOneLine(string price, string message)
    {
        string path = Path.Combine(Path.GetTempPath(), $"hvsim-bad-profile-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, $$"""{ "name": "bad", "prices": [ { "kind": "PageFault", "layer": "user", "platform": "*", {{price}} } ] }""");
        try
        {
            (int status, string stdout, string stderr) = HvsimConsole.Run("claims", "--profile", path, "--no-workloads");
            Assert.Equal(2, status);
            Assert.Contains(message, Assert.Single(stderr.TrimEnd('\n').Split('\n')));
            Assert.Equal("", stdout);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

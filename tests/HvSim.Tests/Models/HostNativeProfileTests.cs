using HvSim.Models.Calibration;
using HvSim.Models.Pricing;
using HvSim.Models.Profiles;
using HvSim.Models.Runs;
using HvSim.Tests.Cli;
using HvSim.Tests.Guests;

namespace HvSim.Tests.Models;

/// <summary>
/// models/profiles/host-native.json, fitted by hvsim calibrate to models/measurements/host-native.csv
/// (this machine's primitives timed by guests/measure/): the simulated native microbenchmark, priced
/// with it, takes about the time the measured one took. Nothing runs natively here: the measured
/// figures are the committed CSV's.
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed class HostNativeProfileTests
{
    private static readonly string s_profilePath = Path.Combine(RepositoryPaths.Root, "models", "profiles", "host-native.json");
    private static readonly string s_csvPath = Path.Combine(RepositoryPaths.Root, "models", "measurements", "host-native.csv");

    [Theory]
    [InlineData(64, 1, 1)]
    [InlineData(64, 1, 4)]
    [InlineData(64, 16, 4)]
    public void ASimulatedPtTransactionTakesWithinAQuarterOfTheMeasuredOne(int cdaKib, int wpp, int ppt)
    {
        const int tcount = 300;
        double measured = MeasuredNs($"pt-cda{cdaKib}-wpp{wpp}-ppt{ppt}");
        (int status, string stdout, string stderr) = HvsimConsole.Run("micro", "--technique", "pt", "--platform", "native",
            "--cda-kib", $"{cdaKib}", "--wpp", $"{wpp}", "--ppt", $"{ppt}", "--tcount", $"{tcount}", "--json");
        Assert.True(status == 0, stderr);
        RunRecord run = Assert.Single(RunJsonReader.Parse(stdout, "micro").Runs);
        Assert.Equal(tcount, run.Transactions);

        PricingResult price = Pricer.Price(ProfileJson.Load(s_profilePath), run.Platform, run.Counts);
        Assert.True(price.IsComplete, $"unpriced: {string.Join(", ", price.Unpriced)}");
        double simulated = price.TotalNs / tcount; // the run's start-up and registration included, as hvsim reprice does
        double relative = simulated / measured - 1;
        Assert.True(Math.Abs(relative) <= 0.25, $"cda {cdaKib} KiB, wpp {wpp}, ppt {ppt}: simulated {simulated:F0} ns per transaction, measured {measured:F0} ns ({relative:P1})");
    }

    [Fact]
    public void EveryPriceIsFittedOrAssumedWithASource()
    {
        CostProfile profile = ProfileJson.Load(s_profilePath);
        Assert.Equal("host-native", profile.Name);
        foreach (Price price in profile.Prices)
        {
            Assert.True(price.Provenance.Basis is ProvenanceBasis.Fitted or ProvenanceBasis.Assumed, $"{price.Key}: basis {price.Provenance.Basis}");
            Assert.False(string.IsNullOrWhiteSpace(price.Provenance.Source), $"{price.Key}: no source");
            if (price.Provenance.Basis == ProvenanceBasis.Fitted)
            {
                Assert.Contains("host-native.csv", price.Provenance.Source, StringComparison.Ordinal);
            }
        }
        // The native prices of the PT path are the fitted ones.
        foreach (string key in new[] { "PageFault@user@native", "SignalDelivery@kernel@native", "VmaChange@kernel@native", "PteUpdate@kernel@native", "CopyBytes@user@native" })
        {
            Price price = Assert.Single(profile.Prices, p => p.Key.ToString() == key);
            Assert.Equal(ProvenanceBasis.Fitted, price.Provenance.Basis);
        }
    }

    [Fact]
    public void TheCommittedMeasurementsSayWhereAndWhenTheyWereTaken()
    {
        string[] comments = File.ReadLines(s_csvPath).TakeWhile(l => l.StartsWith('#')).ToArray();
        Assert.Contains(comments, l => l.Contains("machine:", StringComparison.Ordinal) && l.Contains("nproc", StringComparison.Ordinal) && l.Contains("kernel", StringComparison.Ordinal));
        Assert.Contains(comments, l => l.Contains("loadavg", StringComparison.Ordinal));
        MeasurementSet set = MeasurementsCsv.Load(s_csvPath);
        Assert.Contains(set.Targets, t => t.Name == "getppid");
    }

    private static double MeasuredNs(string row)
    {
        MeasurementSet set = MeasurementsCsv.Load(s_csvPath);
        return Assert.IsType<MeasuredTarget>(Assert.Single(set.Targets, t => t.Name == row)).Ns;
    }
}

using System.Text.Json;
using HvSim.Models.Calibration;
using HvSim.Models.Profiles;
using HvSim.Tests.Guests;
using HvSim.Validation.Claims;

namespace HvSim.Tests.Claims;

/// <summary>
/// Prediction bands (issue 11): the sourced and measured prices drawn within their ranges, the
/// fitted ones refitted per draw, the admissible draws' lowest and highest claim values. On the
/// microbenchmark claims only, at a reduced Tcount and draw count.
/// </summary>
public sealed class PredictionBandsTests
{
    private static Lazy<ClaimMeasurements> Measured => MicroClaimRuns.Measured;

    private static CostProfile Default => MicroClaimRuns.Profile("xen-4.1-pv");

    private static (IReadOnlyList<ClaimResult> Claims, BandSummary Summary) Bands(CostProfile profile, int draws = 60) =>
        PredictionBands.Add(Measured.Value, profile, ClaimsTable.Evaluate(Measured.Value, profile), draws);

    [Fact]
    public void EveryNumericClaimLiesWithinItsBandAndTheJsonSaysSo()
    {
        (IReadOnlyList<ClaimResult> claims, BandSummary summary) = Bands(Default);
        Assert.Null(summary.Unavailable);
        Assert.True(summary.Kept > 0, "some draws are admissible");
        Assert.All(claims.Where(c => c.Value is not null), c =>
        {
            Assert.NotNull(c.Band);
            Assert.True(c.Band!.Low <= c.Value && c.Value <= c.Band.High, $"{c.Claim.Id}: {c.Value} outside [{c.Band.Low}, {c.Band.High}]");
            Assert.All(c.Parts.Zip(c.Band.Parts), x => Assert.True(x.Second.Low <= x.First.Value && x.First.Value <= x.Second.High, $"{c.Claim.Id} {x.First.Name}"));
        });
        using JsonDocument json = JsonDocument.Parse(ClaimsTable.Json(claims));
        foreach (JsonElement claim in json.RootElement.EnumerateArray())
        {
            string id = claim.GetProperty("id").GetString()!;
            JsonElement value = claim.GetProperty("value");
            Assert.Equal(JsonValueKind.Array, claim.GetProperty("sensitive_to").ValueKind);
            if (value.ValueKind == JsonValueKind.Number)
            {
                double low = claim.GetProperty("band_low").GetDouble(), high = claim.GetProperty("band_high").GetDouble();
                Assert.True(low <= value.GetDouble() && value.GetDouble() <= high, $"{id}: JSON value outside its band");
                // The printed value (4 significant digits) lies within the band as written too.
                if (double.TryParse(claim.GetProperty("simulated").GetString(), System.Globalization.CultureInfo.InvariantCulture, out double printed))
                {
                    Assert.True(low <= printed && printed <= high, $"{id}: printed {printed} outside [{low}, {high}]");
                }
            }
            else
            {
                Assert.Equal(JsonValueKind.Null, claim.GetProperty("band_low").ValueKind);
                Assert.Equal(JsonValueKind.Null, claim.GetProperty("band_high").ValueKind);
            }
        }
        // Every name a claim is sensitive to is a price of the profile with a range.
        var varied = Default.Prices.Where(p => p.Provenance.Range is not null).Select(p => p.Key.ToString()).ToHashSet();
        Assert.All(claims.SelectMany(c => c.Band?.SensitiveTo ?? []), name => Assert.Contains(name, varied));
    }

    [Fact]
    public void TheBandsAreTheSameForTheSameSeed()
    {
        Assert.Equal(ClaimsTable.Json(Bands(Default, 25).Claims), ClaimsTable.Json(Bands(Default, 25).Claims));
    }

    [Fact]
    public void RefittingAtTheSourcesOwnValuesGivesBackTheCommittedProfile()
    {
        MeasurementSet rows = MeasurementsCsv.Load(Path.Combine(RepositoryPaths.Root, "models", "calibration", "xen-4.1-pv.csv"));
        CostProfile refit = PredictionBands.Refit(rows, Default, new Dictionary<PriceKey, double>())!;
        Assert.All(Default.Prices.Zip(refit.Prices), x => Assert.True(Math.Abs(x.First.Ns - x.Second.Ns) <= 1e-4 * Math.Max(1, x.First.Ns), $"{x.First.Key}: {x.First.Ns} vs {x.Second.Ns}"));
    }

    [Fact]
    public void WithoutRangesTheBandIsThePointAndASingleWideRangeShowsWhereItActs()
    {
        // The default profile with every range taken away: nothing varies.
        CostProfile fixedOnly = new("fixed", "", Default.Prices.Select(p => p with { Provenance = p.Provenance with { Range = null } }));
        (IReadOnlyList<ClaimResult> point, BandSummary none) = Bands(fixedOnly, 10);
        Assert.Empty(none.Varied);
        // (The refits use this run's counts, at Tcount 200 here, the committed fit's at 1000: the band is the point within rounding.)
        Assert.All(point.Where(c => c.Value is not null), c =>
            Assert.True(c.Band!.High - c.Band.Low <= 1e-4 * Math.Abs(c.Value!.Value) + 1e-12, $"{c.Claim.Id}: [{c.Band.Low}, {c.Band.High}]"));

        // Only the Xen trap varies: C4 (Emul/Emulxen) moves and names it.
        CostProfile oneRange = new("one", "", fixedOnly.Prices.Select(p => p.Key.ToString() == "TrapToHypervisor@hypervisor@*"
            ? p with { Provenance = p.Provenance with { Range = new PriceRange(p.Ns / 2, p.Ns * 2) } }
            : p));
        (IReadOnlyList<ClaimResult> banded, BandSummary one) = Bands(oneRange, 30);
        Assert.Single(one.Varied);
        ClaimResult c4 = banded.First(c => c.Claim.Id == "C4");
        Assert.True(c4.Band!.High > c4.Band.Low, "C4's band is wider than a point");
        Assert.Equal(["TrapToHypervisor@hypervisor@*"], c4.Band.SensitiveTo);
    }
}

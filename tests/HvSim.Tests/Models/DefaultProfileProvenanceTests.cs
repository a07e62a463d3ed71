using HvSim.Models.Profiles;
using HvSim.Tests.Guests;
using HvSim.Validation.Claims;

namespace HvSim.Tests.Models;

/// <summary>
/// Issue 11's rule for the default profile: every price is sourced (a public measurement, with the
/// range it supports), measured (from a named run) or fitted (and then determined by the calibration
/// rows) — none assumed. A price added without such provenance fails here.
/// </summary>
public sealed class DefaultProfileProvenanceTests
{
    private static CostProfile Load(string name) => ProfileJson.Load(Path.Combine(RepositoryPaths.Root, "models", "profiles", name + ".json"));

    [Fact]
    public void EveryPriceIsSourcedMeasuredOrFittedAndDetermined()
    {
        CostProfile profile = Load("xen-4.1-pv");
        Assert.NotEmpty(profile.Prices);
        Assert.All(profile.Prices, p =>
        {
            Assert.False(string.IsNullOrWhiteSpace(p.Provenance.Source), $"{p.Key}: no source");
            switch (p.Provenance.Basis)
            {
                case ProvenanceBasis.Sourced:
                    Assert.True(p.Provenance.Range is PriceRange r && r.Contains(p.Ns), $"{p.Key}: a sourced price needs a range that contains it");
                    break;
                case ProvenanceBasis.Measured:
                    Assert.True(p.Provenance.Range is not PriceRange m || m.Contains(p.Ns), $"{p.Key}: outside its measured spread");
                    break;
                case ProvenanceBasis.Fitted:
                    Assert.True(p.Provenance.Determined == true, $"{p.Key}: fitted but not determined by the rows");
                    break;
                default:
                    Assert.Fail($"{p.Key}: basis {Provenance.BasisName(p.Provenance.Basis)} (the default profile takes sourced, measured or fitted only)");
                    break;
            }
        });
    }

    [Fact]
    public void TheFixedPricesAreTheSourcesAndEveryFreeOneWasFitted()
    {
        CostProfile sources = Load(ClaimsCalibration.SourcesProfile), fitted = Load("xen-4.1-pv");
        Assert.Equal(sources.Prices.Select(p => p.Key), fitted.Prices.Select(p => p.Key));
        foreach ((Price input, Price output) in sources.Prices.Zip(fitted.Prices))
        {
            if (input.Provenance.IsFixed)
            {
                Assert.Equal(input, output);
            }
            else
            {
                Assert.Equal(ProvenanceBasis.Assumed, input.Provenance.Basis);
                Assert.Equal(ProvenanceBasis.Fitted, output.Provenance.Basis);
            }
        }
        // The calibration frees few prices: the rows (7 quantitative claims and 2 shape claims) cannot determine more.
        Assert.InRange(fitted.Prices.Count(p => p.Provenance.Basis == ProvenanceBasis.Fitted), 1, 9);
    }

    [Fact]
    public void EverySourceNamedInTheProfileIsListedInSourcesMd()
    {
        // A fixed price's source is "[ID] what; [ID] what": every ID has its row in models/SOURCES.md.
        string sourcesMd = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "models", "SOURCES.md"));
        foreach (Price price in Load(ClaimsCalibration.SourcesProfile).Prices.Where(p => p.Provenance.IsFixed))
        {
            foreach (System.Text.RegularExpressions.Match id in System.Text.RegularExpressions.Regex.Matches(price.Provenance.Source, @"(?:^|; )\[([A-Z][A-Z0-9]*)\] "))
            {
                Assert.Contains($"**[{id.Groups[1].Value}]**", sourcesMd);
            }
        }
    }
}

using HvSim.Models.Calibration;
using HvSim.Models.Profiles;
using static HvSim.Tests.Models.CalibrationFixtures;

namespace HvSim.Tests.Models;

/// <summary>What a fitted price's provenance note says about how it was fitted.</summary>
public sealed class FittedProfileNoteTests
{
    private static readonly CostProfile s_prior = new("prior", "test prior",
    [
        new Price(Entry, 60, new Provenance(ProvenanceBasis.Assumed, "sources.md [R] a recollection", "Rests on an unverified recollection ([R]).")),
        new Price(Exit, 40, new Provenance(ProvenanceBasis.Assumed, "sources.md [M] a measurement", "Measured elsewhere.")),
        new Price(Signal, 1000, new Provenance(ProvenanceBasis.Assumed, "sources.md [R] another recollection", "Unverified: check it.")),
    ]);

    private static CostProfile Fit(double syscallNs)
    {
        // Entry and Exit are seen only as a sum; Signal is determined by a target of its own.
        Experiment syscall = Exp("syscall", (Entry, 1), (Exit, 1));
        Experiment signal = Exp("signal", (Signal, 1));
        var priors = s_prior.Prices.Select(p => new PriorPrice(p.Key, p.Ns, 1e-6)).ToArray();
        var problem = new CalibrationProblem([syscall, signal],
            [new MeasuredTarget("syscall", "syscall", syscallNs, 1), new MeasuredTarget("signal", "signal", 1200, 1)], priors);
        return FittedProfile.Build(Calibrator.Fit(problem), "fitted", "test", "t.csv", s_prior);
    }

    [Fact]
    public void APriceThePriorsSettleSaysItRestsOnItsPrior()
    {
        Price entry = Fit(syscallNs: 80).Find(Entry.Kind, Entry.Layer, Entry.Platform)!;
        Assert.True(entry.Ns > 0);
        Assert.Contains("rests on its prior", entry.Provenance.Note);
        Assert.DoesNotContain("at the bound", entry.Provenance.Note);
    }

    [Fact]
    public void APricePushedToZeroAgainstItsPriorSaysSo()
    {
        // A sum of 10 ns against priors of 60 + 40: keeping both near their priors would make one negative.
        CostProfile fitted = Fit(syscallNs: 10);
        Price[] split = [fitted.Find(Entry.Kind, Entry.Layer, Entry.Platform)!, fitted.Find(Exit.Kind, Exit.Layer, Exit.Platform)!];
        Assert.Equal(10, split.Sum(p => p.Ns), 3);
        Price zero = Assert.Single(split, p => p.Ns == 0);
        Assert.Contains("at the bound", zero.Provenance.Note);
        Assert.DoesNotContain("rests on its prior", zero.Provenance.Note);
        Assert.DoesNotContain("at the bound", split.Single(p => p.Ns > 0).Provenance.Note);
    }

    [Fact]
    public void AnUnverifiedPriorIsNamedEvenWhenTheRowsDetermineThePrice()
    {
        Price signal = Fit(syscallNs: 80).Find(Signal.Kind, Signal.Layer, Signal.Platform)!;
        Assert.Equal(1200, signal.Ns, 3);
        Assert.Contains("Determined by the rows", signal.Provenance.Note);
        Assert.Contains("unverified", signal.Provenance.Note);
        Price exit = Fit(syscallNs: 80).Find(Exit.Kind, Exit.Layer, Exit.Platform)!;
        Assert.DoesNotContain("unverified", exit.Provenance.Note);
    }
}

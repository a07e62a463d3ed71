using HvSim.Models.Calibration;
using HvSim.Models.Profiles;
using static HvSim.Tests.Models.CalibrationFixtures;

namespace HvSim.Tests.Models;

/// <summary>Calibration on synthetic data whose true prices are known.</summary>
public sealed class CalibratorTests
{
    private static readonly Dictionary<PriceKey, double> s_truth = new()
    {
        [Entry] = 70,
        [Exit] = 30,
        [Signal] = 1150,
        [Fault] = 150,
        [Copy] = 0.15,
    };

    private static readonly Experiment[] s_experiments =
    [
        Exp("syscall", (Entry, 1), (Exit, 1)),
        Exp("entry-twice", (Entry, 2), (Exit, 1)),
        Exp("signal", (Entry, 1), (Exit, 1), (Signal, 1)),
        Exp("fault", (Fault, 1), (Signal, 1)),
        Exp("copy-page", (Copy, 4096), (Fault, 1)),
    ];

    private static MeasuredTarget Measured(Experiment e, double weight = 1) => new(e.Name, e.Name, Time(e, s_truth), weight);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EnoughMeasuredTargetsRecoverTheTruePricesExactly(bool relative)
    {
        // Five independent experiments, five prices, exact times: the fit is the truth, residuals 0.
        var problem = new CalibrationProblem(s_experiments, s_experiments.Select(e => Measured(e)), []);
        CalibrationResult result = Calibrator.Fit(problem, new CalibrationOptions { RelativeResiduals = relative });
        foreach ((PriceKey key, double truth) in s_truth)
        {
            Assert.Equal(truth, result.Price(key).Ns, 6);
            Assert.Equal(Determination.Determined, result.Price(key).Determination);
        }
        Assert.All(result.Residuals, r => Assert.True(Math.Abs(r.Relative) < 1e-9, $"{r.Target.Name}: {r.Relative}"));
        Assert.Equal(5, result.Condition.Rank);
        Assert.False(result.Contradictions.Any);
    }

    [Fact]
    public void ARatioAndOneAbsoluteTargetFixTheScale()
    {
        // Two prices, one per experiment: the ratio fixes their proportion, the absolute time the scale.
        Experiment slow = Exp("slow", (Signal, 1));
        Experiment fast = Exp("fast", (Entry, 1));
        var targets = new Target[] { new RelationTarget("slow-over-fast", "slow", 10, "fast", 1), new MeasuredTarget("fast-time", "fast", 70, 1) };
        CalibrationResult result = Calibrator.Fit(new CalibrationProblem([slow, fast], targets, []));
        Assert.Equal(70, result.Price(Entry).Ns, 8);
        Assert.Equal(700, result.Price(Signal).Ns, 6);
        Assert.Equal(10, result.Residual("slow-over-fast").Achieved, 8);
        Assert.Equal(2, result.Condition.Rank);

        // The ratio alone leaves the scale open: one null direction along (700, 70) up to scaling.
        CalibrationResult ratioOnly = Calibrator.Fit(new CalibrationProblem([slow, fast], [targets[0]], []));
        Assert.Equal(1, ratioOnly.Condition.Rank);
        IReadOnlyList<(PriceKey Key, double Component)> direction = Assert.Single(ratioOnly.Condition.NullDirections);
        Assert.Equal(0.1, direction.First(c => c.Key == Entry).Component / direction.First(c => c.Key == Signal).Component, 8);
    }

    [Fact]
    public void NonNegativityBindsWhereTheUnconstrainedFitIsNegative()
    {
        // time(a) = 100 with a = Entry + Exit, time(b) = 40 with b = Entry + 2 Exit: unconstrained Exit = -60.
        Experiment a = Exp("a", (Entry, 1), (Exit, 1));
        Experiment b = Exp("b", (Entry, 1), (Exit, 2));
        var targets = new Target[] { new MeasuredTarget("a", "a", 100, 1), new MeasuredTarget("b", "b", 40, 1) };
        CalibrationResult result = Calibrator.Fit(new CalibrationProblem([a, b], targets, []));
        Assert.Equal(0, result.Price(Exit).Ns);
        Assert.Equal(70, result.Price(Entry).Ns, 8); // the least-squares Entry with Exit = 0: mean of 100 and 40
        Assert.Equal(-30, result.Residual("a").AbsoluteNs, 8);
        Assert.Equal(30, result.Residual("b").AbsoluteNs, 8);
        // The targets contradict each other once prices must be ≥ 0: both are reported.
        Assert.Equal(2, result.Contradictions.Contradicted.Count);
    }

    [Fact]
    public void AnUndeterminedPriceIsReportedAndStaysAtItsPrior()
    {
        // Copy appears in no target; Entry and Exit only as a sum. Priors settle both.
        Experiment syscall = Exp("syscall", (Entry, 1), (Exit, 1));
        Experiment copy = Exp("copy", (Copy, 4096));
        var priors = new[] { new PriorPrice(Copy, 0.2, 1e-3), new PriorPrice(Entry, 60, 1e-6), new PriorPrice(Exit, 40, 1e-6) };
        var problem = new CalibrationProblem([syscall, copy], [new MeasuredTarget("syscall", "syscall", 100, 1)], priors);
        CalibrationResult result = Calibrator.Fit(problem);

        FittedPrice copyPrice = result.Price(Copy);
        Assert.Equal(Determination.Undetermined, copyPrice.Determination);
        Assert.Equal(1, copyPrice.NullSpaceShare, 12);
        Assert.Equal(0.2, copyPrice.Ns, 12);
        Assert.Contains(Copy, result.Condition.Unused);

        // Only Entry + Exit is seen: each is half in the null space, the sum holds, the priors split it.
        Assert.Equal(Determination.Undetermined, result.Price(Entry).Determination);
        Assert.Equal(0.5, result.Price(Entry).NullSpaceShare, 9);
        Assert.Equal(100, result.Price(Entry).Ns + result.Price(Exit).Ns, 4);
        Assert.Equal(60, result.Price(Entry).Ns, 3);
        Assert.Equal(1, result.Condition.Rank);
    }

    [Fact]
    public void TwoContradictoryRatiosLeaveResidualsOnBoth()
    {
        // time(a) = 2 time(b) and time(a) = 3 time(b) cannot both hold; time(b) = 10 fixes the scale.
        Experiment a = Exp("a", (Signal, 1));
        Experiment b = Exp("b", (Entry, 1));
        var targets = new Target[]
        {
            new RelationTarget("twice", "a", 2, "b", 1),
            new RelationTarget("thrice", "a", 3, "b", 1),
            new MeasuredTarget("b-time", "b", 10, 1),
        };
        CalibrationResult result = Calibrator.Fit(new CalibrationProblem([a, b], targets, []), new CalibrationOptions { RelativeResiduals = true });
        TargetResidual twice = result.Residual("twice"), thrice = result.Residual("thrice");
        Assert.True(twice.Relative > 0.05, $"twice: {twice.Relative}");
        Assert.True(thrice.Relative < -0.05, $"thrice: {thrice.Relative}");
        Assert.InRange(twice.Achieved, 2.01, 2.99);
        Assert.Equal(twice.Achieved, thrice.Achieved, 12);
        Assert.Equal(["twice", "thrice"], result.Contradictions.Contradicted.Select(r => r.Target.Name));
        Assert.Equal(["twice", "thrice"], result.Contradictions.ResolvedByDropping);
        Assert.True(Math.Abs(result.Residual("b-time").Relative) < 1e-6);
    }

    [Fact]
    public void AZeroWeightTargetIsPredictedNotFitted()
    {
        // A holdout: weight 0 rows get a residual (the model's prediction) but do not move the fit.
        Experiment syscall = Exp("syscall", (Entry, 1), (Exit, 1));
        Experiment entry = Exp("entry", (Entry, 1));
        var targets = new Target[]
        {
            new MeasuredTarget("syscall", "syscall", 100, 1),
            new MeasuredTarget("entry", "entry", 70, 1),
            new MeasuredTarget("holdout", "syscall", 500, 0),
        };
        CalibrationResult result = Calibrator.Fit(new CalibrationProblem([syscall, entry], targets, []));
        Assert.Equal(30, result.Price(Exit).Ns, 8);
        Assert.Equal(-0.8, result.Residual("holdout").Relative, 8);
        Assert.False(result.Contradictions.Any);
    }

    [Fact]
    public void ATargetNamingAMissingExperimentIsABadInput()
    {
        var error = Assert.Throws<HvSim.Models.ModelInputException>(() =>
            new CalibrationProblem([Exp("a", (Entry, 1))], [new RelationTarget("r", "a", 2, "b", 1)], []));
        Assert.Contains("no experiment named 'b'", error.Message);
    }
}

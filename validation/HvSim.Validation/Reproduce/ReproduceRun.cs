using HvSim.Models.Profiles;
using HvSim.Validation.Claims;

namespace HvSim.Validation.Reproduce;

/// <summary>What one reproduction produced: the measurements, the figures, Table 2, the claims, and what failed.</summary>
/// <param name="Failures">One line each: an experiment that failed its checks, a figure or Table 2 row that could not be made.</param>
public sealed record ReproduceResult(ReproduceSettings Settings, CostProfile Profile, ClaimMeasurements Measurements, int Experiments,
    IReadOnlyList<FigureData> Figures, IReadOnlyList<Table2Row> Table2, IReadOnlyList<ClaimResult> Claims, IReadOnlyList<string> Failures)
{
    /// <summary>How the claims' prediction bands were made (null when none were asked for).</summary>
    public BandSummary? Bands { get; init; }

    /// <summary>Table 2 of the other suite (<see cref="ReproduceRun.ContrastSuite"/>), for contrast beside the paper's and ours.</summary>
    public IReadOnlyList<Table2Row> ContrastTable2 { get; init; } = [];

    public bool Ok => Failures.Count == 0;
}

/// <summary>
/// The paper's evaluation end to end: the union of the claims' points and every figure's, run once
/// in one parallel pass (<see cref="ClaimMeasurements.Run(ClaimSettings, bool, IEnumerable{MicroPoint}, IEnumerable{WorkloadPoint}, Action{PointResult}?)"/>),
/// then the figures, Table 2 (from the same Emulxen workload runs) and the claims, priced under one profile.
/// </summary>
public static class ReproduceRun
{
    /// <summary>The distinct points the run makes (for a progress bar's length), the contrast suite's Table 2 runs last.</summary>
    public static IReadOnlyList<object> Jobs(ReproduceSettings s)
    {
        IReadOnlyList<FigureDefinition> figures = FigureCatalog.For(s);
        return [.. ClaimMeasurements.Jobs(s.Claims, workloads: true, figures.SelectMany(f => f.MicroPoints), figures.SelectMany(f => f.WorkloadPoints)),
            .. ContrastSpecs(s)];
    }

    /// <summary>The suite whose Table 2 report.md shows for contrast: the one the figures and claims do not run.</summary>
    public static WorkloadSuite ContrastSuite(ReproduceSettings s) => s.Claims.Suite == WorkloadSuite.Textbook ? WorkloadSuite.Ours : WorkloadSuite.Textbook;

    private static IReadOnlyList<WorkloadSpec> ContrastSpecs(ReproduceSettings s) =>
        WorkloadSuites.AcceptsOps(ContrastSuite(s), s.Claims.WorkloadOps)
            ? Table2.Specs(s.Claims.WorkloadOps, s.Claims.Seed, suite: ContrastSuite(s))
            : [];

    /// <param name="step">Called once per finished point, from worker threads.</param>
    public static ReproduceResult Run(ReproduceSettings s, CostProfile profile, Action? step = null)
    {
        IReadOnlyList<FigureDefinition> definitions = FigureCatalog.For(s);
        int experiments = Jobs(s).Count;
        // The contrast suite's Table 2 (40 Emulxen runs) goes alongside the main pass, one run at a
        // time, so that it fills the cores the main pass leaves idle at its end.
        Task<IReadOnlyList<Table2Entry>> contrast = Task.Run(() => (IReadOnlyList<Table2Entry>)ParallelRuns.Map(ContrastSpecs(s),
            spec => Table2.Measure(Path.Combine(s.Claims.GuestDirectory, spec.GuestName), spec), _ => step?.Invoke(), parallelism: 1));
        ClaimMeasurements m = ClaimMeasurements.Run(s.Claims, workloads: true, definitions.SelectMany(f => f.MicroPoints),
            definitions.SelectMany(f => f.WorkloadPoints), _ => step?.Invoke());
        var failures = new List<string>();
        failures.AddRange(m.Results.Where(r => !r.Ok).Select(r => $"experiment failed: {OneLine(r.Failure ?? r.Point.ToString() ?? "?")}"));
        var context = new FigureContext(m, profile, s);
        var figures = new List<FigureData>();
        foreach (FigureDefinition definition in definitions)
        {
            try
            {
                figures.Add(definition.Build(context));
            }
            catch (InvalidOperationException e)
            {
                failures.Add($"{definition.Id} not produced: {OneLine(e.Message)}");
            }
        }
        IReadOnlyList<Table2Row> table2 = Table2Reproduced.From(m, failures);
        IReadOnlyList<Table2Row> contrastTable2 = Table2Reproduced.From(contrast.Result, failures);
        IReadOnlyList<ClaimResult> claims = ClaimsTable.Evaluate(m, profile);
        BandSummary? bands = null;
        if (s.BandDraws > 0)
        {
            (claims, bands) = PredictionBands.Add(m, profile, claims, s.BandDraws);
        }
        return new ReproduceResult(s, profile, m, experiments, figures, table2, claims, failures) { Bands = bands, ContrastTable2 = contrastTable2 };
    }

    private static string OneLine(string text) => string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

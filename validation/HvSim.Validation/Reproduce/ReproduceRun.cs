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
/// The paper's evaluation end to end, in two halves: <see cref="Measure"/> runs every distinct point
/// once (the claims', every figure's and the contrast suite's Table 2 runs, in one parallel pass);
/// <see cref="Evaluate"/> makes the figures, Table 2 and the claims from those measurements under one
/// profile. The halves meet in <see cref="ClaimMeasurements"/>, which a sharded sweep rebuilds from its
/// shards' results (Sweeps/ReproduceSweep), so a sharded reproduction gives the same files.
/// </summary>
public static class ReproduceRun
{
    /// <summary>The distinct points the run makes, in the order it lists them (the contrast suite's Table 2 runs among the workloads; ClaimMeasurements.StartOrder says which start first).</summary>
    public static IReadOnlyList<object> Jobs(ReproduceSettings s)
    {
        IReadOnlyList<FigureDefinition> figures = FigureCatalog.For(s);
        return ClaimMeasurements.Jobs(s.Claims, workloads: true, figures.SelectMany(f => f.MicroPoints),
            [.. figures.SelectMany(f => f.WorkloadPoints), .. ContrastPoints(s)]);
    }

    /// <summary>The suite whose Table 2 report.md shows for contrast: the one the figures and claims do not run.</summary>
    public static WorkloadSuite ContrastSuite(ReproduceSettings s) => s.Claims.Suite == WorkloadSuite.Textbook ? WorkloadSuite.Ours : WorkloadSuite.Textbook;

    /// <summary>The contrast suite's Table 2 runs (none when that suite cannot run the settings' operations).</summary>
    private static IReadOnlyList<WorkloadPoint> ContrastPoints(ReproduceSettings s) =>
        WorkloadSuites.AcceptsOps(ContrastSuite(s), s.Claims.WorkloadOps)
            ? [.. PaperTable2.Rows.SelectMany(row => Table2.Opts.Select(opt =>
                new WorkloadPoint(row.Structure, row.Operation, (int)opt, Table2.CountingTechnique) { Suite = ContrastSuite(s) }))]
            : [];

    /// <summary>Runs every point of <see cref="Jobs"/> once, in parallel.</summary>
    /// <param name="step">Called once per finished point, from worker threads.</param>
    public static ClaimMeasurements Measure(ReproduceSettings s, Action? step = null)
    {
        IReadOnlyList<FigureDefinition> definitions = FigureCatalog.For(s);
        return ClaimMeasurements.Run(s.Claims, workloads: true, definitions.SelectMany(f => f.MicroPoints),
            [.. definitions.SelectMany(f => f.WorkloadPoints), .. ContrastPoints(s)], _ => step?.Invoke());
    }

    /// <summary>The figures, Table 2 and the claims from the measurements of <see cref="Jobs"/>, priced under <paramref name="profile"/>.</summary>
    public static ReproduceResult Evaluate(ReproduceSettings s, CostProfile profile, ClaimMeasurements m)
    {
        var failures = new List<string>();
        failures.AddRange(m.Results.Where(r => !r.Ok).Select(r => $"experiment failed: {OneLine(r.Failure ?? r.Point.ToString() ?? "?")}"));
        var context = new FigureContext(m, profile, s);
        var figures = new List<FigureData>();
        foreach (FigureDefinition definition in FigureCatalog.For(s))
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
        IReadOnlyList<Table2Row> contrastTable2 = ContrastPoints(s).Count == 0 ? [] : Table2Reproduced.From(m, failures, ContrastSuite(s));
        IReadOnlyList<ClaimResult> claims = ClaimsTable.Evaluate(m, profile);
        BandSummary? bands = null;
        if (s.BandDraws > 0)
        {
            (claims, bands) = PredictionBands.Add(m, profile, claims, s.BandDraws);
        }
        return new ReproduceResult(s, profile, m, m.Results.Count(), figures, table2, claims, failures) { Bands = bands, ContrastTable2 = contrastTable2 };
    }

    /// <summary>Both halves in one process.</summary>
    /// <param name="step">Called once per finished point, from worker threads.</param>
    public static ReproduceResult Run(ReproduceSettings s, CostProfile profile, Action? step = null) => Evaluate(s, profile, Measure(s, step));

    private static string OneLine(string text) => string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

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

    public bool Ok => Failures.Count == 0;
}

/// <summary>
/// The paper's evaluation end to end: the union of the claims' points and every figure's, run once
/// in one parallel pass (<see cref="ClaimMeasurements.Run(ClaimSettings, bool, IEnumerable{MicroPoint}, IEnumerable{WorkloadPoint}, Action{PointResult}?)"/>),
/// then the figures, Table 2 (from the same Emulxen workload runs) and the claims, priced under one profile.
/// </summary>
public static class ReproduceRun
{
    /// <summary>The distinct points the run makes (for a progress bar's length).</summary>
    public static IReadOnlyList<object> Jobs(ReproduceSettings s)
    {
        IReadOnlyList<FigureDefinition> figures = FigureCatalog.For(s);
        return ClaimMeasurements.Jobs(s.Claims, workloads: true, figures.SelectMany(f => f.MicroPoints), figures.SelectMany(f => f.WorkloadPoints));
    }

    /// <param name="step">Called once per finished point, from worker threads.</param>
    public static ReproduceResult Run(ReproduceSettings s, CostProfile profile, Action? step = null)
    {
        IReadOnlyList<FigureDefinition> definitions = FigureCatalog.For(s);
        int experiments = Jobs(s).Count;
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
        IReadOnlyList<ClaimResult> claims = ClaimsTable.Evaluate(m, profile);
        BandSummary? bands = null;
        if (s.BandDraws > 0)
        {
            (claims, bands) = PredictionBands.Add(m, profile, claims, s.BandDraws);
        }
        return new ReproduceResult(s, profile, m, experiments, figures, table2, claims, failures) { Bands = bands };
    }

    private static string OneLine(string text) => string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

using HvSim.Models;
using HvSim.Models.Calibration;
using HvSim.Models.Profiles;
using MathNet.Numerics.Random;

namespace HvSim.Validation.Claims;

/// <summary>The lowest and highest value of one of a claim's numbers over the admissible profiles.</summary>
public sealed record PartBand(string Name, double Low, double High);

/// <summary>
/// A claim's prediction band: <see cref="Low"/> and <see cref="High"/> bound its value (null for an
/// ordering), <see cref="Parts"/> bound each of its numbers, <see cref="SensitiveTo"/> names the prices
/// that move it most, and <see cref="Reachable"/> says whether some admissible profile makes it pass.
/// </summary>
public sealed record ClaimBand(double? Low, double? High, IReadOnlyList<PartBand> Parts, IReadOnlyList<string> SensitiveTo, bool Reachable);

/// <summary>How the bands were made: the draws, how many were admissible, and which prices varied.</summary>
public sealed record BandSummary(int Draws, int Kept, int Seed, IReadOnlyList<PriceKey> Varied, string? Unavailable)
{
    public static BandSummary None(string why) => new(0, 0, 0, [], why);
}

/// <summary>
/// Prediction bands (issue 11). Every price of the profile that rests on a range — sourced, or
/// measured with a spread — is drawn uniformly from that range (a seeded Mersenne Twister, so every
/// machine draws the same); for each draw the fitted prices are fitted again to the calibration rows
/// (<see cref="ClaimsCalibration"/>, from this run's counts: re-pricing, never re-simulating); the
/// draws whose calibration claims all hold are admissible, and each claim's band is the lowest and
/// highest value among them and the point profile itself. Sensitivity is one price at a time: each
/// varied price at the low and at the high end of its range (the others at their values), fitted
/// again, and the claim's numbers compared. Pass and fail stay decided by the point value.
/// </summary>
public static class PredictionBands
{
    public const int DefaultDraws = 1000;

    public const int DefaultSeed = 1;

    /// <summary>How many prices <see cref="ClaimBand.SensitiveTo"/> names at most.</summary>
    public const int SensitiveShown = 3;

    /// <summary>
    /// Weight of the profile's own fitted values as priors in the refits: far below every row, so
    /// prices the rows determine move freely, while a price the rows leave open (only in a profile
    /// that was not fitted to be determined) stays where the profile has it.
    /// </summary>
    private const double RefitPriorWeight = 1e-9;

    private static readonly CalibrationOptions s_fit = new() { RelativeResiduals = true };

    public static (IReadOnlyList<ClaimResult> Claims, BandSummary Summary) Add(ClaimMeasurements m, CostProfile profile, IReadOnlyList<ClaimResult> point,
        int draws = DefaultDraws, int seed = DefaultSeed)
    {
        Price[] varied = profile.Prices.Where(p => p.Provenance.IsFixed && p.Provenance.Range is PriceRange r && r.High > r.Low).ToArray();
        MeasurementSet rows;
        try
        {
            rows = MeasurementsCsv.Parse(ClaimsCalibration.Csv(m, profile), "the calibration rows");
            Refit(rows, profile, new Dictionary<PriceKey, double>());
        }
        catch (Exception e) when (e is InvalidOperationException or ModelInputException or NnlsException)
        {
            return (point, BandSummary.None($"no bands: the calibration rows cannot be refitted under profile '{profile.Name}' ({e.Message})"));
        }

        // Every draw's values first, in order, so that the parallel refits below see the same draws on every machine.
        var random = new MersenneTwister(seed, threadSafe: false);
        var samples = new Dictionary<PriceKey, double>[draws];
        for (int i = 0; i < draws; i++)
        {
            samples[i] = varied.ToDictionary(p => p.Key, p => p.Provenance.Range!.Value.Low + random.NextDouble() * (p.Provenance.Range!.Value.High - p.Provenance.Range!.Value.Low));
        }
        var outcomes = new IReadOnlyList<ClaimResult>?[draws];
        Parallel.For(0, draws, i => outcomes[i] = Evaluate(m, rows, profile, samples[i]));
        IReadOnlyList<ClaimResult>[] kept = outcomes
            .Where(o => o is not null && o.Where(r => r.Claim.Role == ClaimRole.Calibration).All(r => r.Pass))
            .Select(o => o!)
            .ToArray();

        // One price at a time, to its range's ends.
        var swings = new (string Name, IReadOnlyList<ClaimResult>? Low, IReadOnlyList<ClaimResult>? High)[varied.Length];
        Parallel.For(0, varied.Length, k =>
        {
            PriceRange range = varied[k].Provenance.Range!.Value;
            swings[k] = (varied[k].Key.ToString(),
                Evaluate(m, rows, profile, new Dictionary<PriceKey, double> { [varied[k].Key] = range.Low }),
                Evaluate(m, rows, profile, new Dictionary<PriceKey, double> { [varied[k].Key] = range.High }));
        });

        var banded = new List<ClaimResult>();
        for (int c = 0; c < point.Count; c++)
        {
            ClaimResult claim = point[c];
            var parts = new List<PartBand>();
            for (int j = 0; j < claim.Parts.Count; j++)
            {
                double low = claim.Parts[j].Value, high = low;
                foreach (IReadOnlyList<ClaimResult> draw in kept)
                {
                    if (j < draw[c].Parts.Count && double.IsFinite(draw[c].Parts[j].Value))
                    {
                        low = Math.Min(low, draw[c].Parts[j].Value);
                        high = Math.Max(high, draw[c].Parts[j].Value);
                    }
                }
                parts.Add(new PartBand(claim.Parts[j].Name, low, high));
            }
            PartBand? valueBand = claim.ValuePart >= 0 && claim.ValuePart < parts.Count ? parts[claim.ValuePart] : null;
            bool reachable = claim.Pass || kept.Any(draw => draw[c].Pass);
            banded.Add(claim with { Band = new ClaimBand(valueBand?.Low, valueBand?.High, parts, Sensitive(claim, c, swings), reachable) });
        }
        return (banded, new BandSummary(draws, kept.Length, seed, varied.Select(p => p.Key).ToArray(), null));
    }

    /// <summary>The prices whose range moves the claim's numbers most, relative to their point values, largest first.</summary>
    private static IReadOnlyList<string> Sensitive(ClaimResult claim, int index, (string Name, IReadOnlyList<ClaimResult>? Low, IReadOnlyList<ClaimResult>? High)[] swings)
    {
        var scored = new List<(string Name, double Swing)>();
        foreach ((string name, IReadOnlyList<ClaimResult>? low, IReadOnlyList<ClaimResult>? high) in swings)
        {
            if (low is null || high is null)
            {
                continue;
            }
            double swing = 0;
            for (int j = 0; j < claim.Parts.Count; j++)
            {
                if (j < low[index].Parts.Count && j < high[index].Parts.Count)
                {
                    double scale = Math.Max(Math.Abs(claim.Parts[j].Value), 1e-12);
                    double delta = Math.Abs(high[index].Parts[j].Value - low[index].Parts[j].Value) / scale;
                    swing += double.IsFinite(delta) ? delta : 0;
                }
            }
            if (swing > 1e-9)
            {
                scored.Add((name, swing));
            }
        }
        return scored.OrderByDescending(s => s.Swing).ThenBy(s => s.Name, StringComparer.Ordinal).Take(SensitiveShown).Select(s => s.Name).ToArray();
    }

    /// <summary>The claims under the profile with <paramref name="values"/> in place of its prices and the fitted prices fitted again; null when the refit fails.</summary>
    private static IReadOnlyList<ClaimResult>? Evaluate(ClaimMeasurements m, MeasurementSet rows, CostProfile profile, IReadOnlyDictionary<PriceKey, double> values)
    {
        try
        {
            CostProfile? refitted = Refit(rows, profile, values);
            return refitted is null ? null : ClaimsTable.Evaluate(m, refitted);
        }
        catch (Exception e) when (e is NnlsException or ModelInputException)
        {
            return null;
        }
    }

    /// <summary>
    /// The profile with <paramref name="values"/> in place of its fixed prices and every other price
    /// the rows involve fitted again (null when the fit does not settle).
    /// </summary>
    public static CostProfile? Refit(MeasurementSet rows, CostProfile profile, IReadOnlyDictionary<PriceKey, double> values)
    {
        CalibrationProblem problem = rows.ToProblem(profile, RefitPriorWeight, values);
        (double[] fitted, bool converged) = Calibrator.SolvePrices(problem, s_fit);
        if (!converged)
        {
            return null;
        }
        var byKey = new Dictionary<PriceKey, double>(values);
        for (int k = 0; k < problem.Keys.Count; k++)
        {
            byKey[problem.Keys[k]] = fitted[k];
        }
        // Ranges are the sources' and stay with the price: a drawn value lies inside its own range by construction.
        var prices = profile.Prices.Select(p => byKey.TryGetValue(p.Key, out double ns) ? p with { Ns = ns, Provenance = p.Provenance with { Range = null } } : p).ToList();
        prices.AddRange(problem.Keys.Where(k => profile.FindExact(k) is null)
            .Select(k => new Price(k, byKey[k], new Provenance(ProvenanceBasis.Fitted, "refit for a prediction band"))));
        return new CostProfile(profile.Name, profile.Description, prices);
    }
}

using HvSim.Models.Profiles;

namespace HvSim.Models.Calibration;

/// <summary>
/// Fits prices to targets: min Σ wᵢ (rowᵢ·p − yᵢ)² + Σ w_k (p_k − v_k)² subject to p ≥ 0 (non-negative
/// least squares on the stacked system) — or the same on relative residuals (see
/// <see cref="CalibrationOptions.RelativeResiduals"/>) — then says how well each target holds,
/// which prices the targets leave to their priors, and which targets contradict each other.
/// </summary>
public static class Calibrator
{
    public static CalibrationResult Fit(CalibrationProblem problem, CalibrationOptions? options = null)
    {
        options ??= new CalibrationOptions();
        (double[] prices, int passes, bool converged) = Solve(problem, options, priorFactor: 1, dropped: null);

        // The condition is that of the system at the solution (for relations: their Jacobian there).
        WeightedSystem final = WeightedSystem.Build(problem, prices, options.RelativeResiduals, 1, null);
        (ConditionReport condition, double[] nullShare) = ConditionAnalysis.Analyze(final.Targets, problem.Keys, options.RankTolerance);

        var priors = problem.Priors.ToDictionary(p => p.Key);
        var fitted = new List<FittedPrice>();
        for (int k = 0; k < problem.Keys.Count; k++)
        {
            PriceKey key = problem.Keys[k];
            double share = Math.Clamp(nullShare[k], 0, 1);
            Determination determination = share < 1e-6 ? Determination.Determined
                : share >= 0.5 - 1e-9 ? Determination.Undetermined
                : Determination.PartlyDetermined;
            string[] involving = problem.Targets
                .Where(t => t.Weight > 0 && Experiments(t).Any(e => problem.Experiment(e).Counts.TryGetValue(key, out double c) && c != 0))
                .Select(t => t.Name)
                .ToArray();
            fitted.Add(new FittedPrice(key, prices[k], priors.GetValueOrDefault(key), share, determination, involving));
        }

        IReadOnlyList<TargetResidual> residuals = Residuals(problem, prices);
        return new CalibrationResult(
            problem,
            fitted,
            residuals,
            condition,
            Contradictions(problem, options, residuals),
            passes,
            converged);
    }

    /// <summary>
    /// The fitted prices only (column order of <see cref="CalibrationProblem.Keys"/>), without the
    /// condition and contradiction reports: what a prediction band's thousand refits need.
    /// </summary>
    public static (double[] Prices, bool Converged) SolvePrices(CalibrationProblem problem, CalibrationOptions? options = null)
    {
        (double[] prices, _, bool converged) = Solve(problem, options ?? new CalibrationOptions(), priorFactor: 1, dropped: null);
        return (prices, converged);
    }

    /// <summary>The residual of every target at prices p.</summary>
    public static IReadOnlyList<TargetResidual> Residuals(CalibrationProblem problem, IReadOnlyList<double> prices)
    {
        var residuals = new List<TargetResidual>();
        foreach (Target target in problem.Targets)
        {
            switch (target)
            {
                case MeasuredTarget measured:
                    double time = problem.Time(measured.Experiment, prices);
                    residuals.Add(new TargetResidual(target, measured.Ns, time, time - measured.Ns,
                        measured.Ns != 0 ? (time - measured.Ns) / measured.Ns : double.NaN));
                    break;
                case RelationTarget relation:
                    double a = problem.Time(relation.A, prices);
                    double b = problem.Time(relation.B, prices);
                    double achieved = b != 0 ? a / b : double.NaN;
                    residuals.Add(new TargetResidual(target, relation.Ratio, achieved, a - relation.Ratio * b,
                        b != 0 ? achieved / relation.Ratio - 1 : double.NaN));
                    break;
            }
        }
        return residuals;
    }

    private static IEnumerable<string> Experiments(Target target) => target switch
    {
        MeasuredTarget m => [m.Experiment],
        RelationTarget r => [r.A, r.B],
        _ => [],
    };

    /// <summary>
    /// One NNLS for absolute residuals. For relative ones, Gauss–Newton: each pass solves the NNLS of
    /// the system linearised at the current prices, and a step that does not lower the true objective
    /// is halved until it does (p stays ≥ 0: a step is a convex combination of two such points).
    /// </summary>
    private static (double[] Prices, int Passes, bool Converged) Solve(CalibrationProblem problem, CalibrationOptions options, double priorFactor, string? dropped)
    {
        // The first reference prices: the priors where there are some, 1 ns elsewhere.
        double[] current = Enumerable.Repeat(1.0, problem.Keys.Count).ToArray();
        foreach (PriorPrice prior in problem.Priors)
        {
            current[problem.IndexOf(prior.Key)] = prior.Ns > 0 ? prior.Ns : 1;
        }
        if (!options.RelativeResiduals)
        {
            WeightedSystem system = WeightedSystem.Build(problem, current, relative: false, priorFactor, dropped);
            return (Nnls.Solve(system.A, system.B).ToArray(), 1, true);
        }
        double objective = double.PositiveInfinity;
        for (int pass = 1; ; pass++)
        {
            WeightedSystem system = WeightedSystem.Build(problem, current, relative: true, priorFactor, dropped);
            double[] candidate = Nnls.Solve(system.A, system.B).ToArray();
            double candidateObjective = Objective(problem, candidate, priorFactor, dropped);
            for (int halving = 0; !(candidateObjective <= objective) && halving < 40 && double.IsFinite(objective); halving++)
            {
                for (int k = 0; k < candidate.Length; k++)
                {
                    candidate[k] = 0.5 * (candidate[k] + current[k]);
                }
                candidateObjective = Objective(problem, candidate, priorFactor, dropped);
            }
            if (!(candidateObjective <= objective) && double.IsFinite(objective))
            {
                return (current, pass, true); // no step lowers the objective: a stationary point
            }
            double change = candidate.Zip(current, (x, y) => Math.Abs(x - y)).Max();
            double size = Math.Max(candidate.Max(Math.Abs), 1e-300);
            // A pass that repeats the prices exactly is a fixed point even where the objective is
            // infinite (every price of a ratio's B at zero: nothing fixes the scale; the report says so).
            bool settled = change == 0 || (double.IsFinite(objective)
                && (change <= 1e-12 * size || Math.Abs(objective - candidateObjective) <= 1e-14 * Math.Max(objective, 1e-300)));
            current = candidate;
            objective = candidateObjective;
            if (settled || pass >= options.MaxPasses)
            {
                // Every pass lowered the objective, so an unsettled result is still the best found; it is reported.
                return (current, pass, settled);
            }
        }
    }

    /// <summary>Σ wᵢ relᵢ² + Σ w_k ((p_k − v_k)/v_k)²: what the relative fit minimises (a relation with time(b) = 0 is +∞).</summary>
    private static double Objective(CalibrationProblem problem, double[] prices, double priorFactor, string? dropped)
    {
        double sum = 0;
        foreach (Target target in problem.Targets)
        {
            if (target.Name == dropped || target.Weight == 0)
            {
                continue;
            }
            double residual = target switch
            {
                MeasuredTarget m => (problem.Time(m.Experiment, prices) - m.Ns) / WeightedSystem.MeasuredScale(m, relative: true),
                RelationTarget r => problem.Time(r.B, prices) is double tb && tb > 0
                    ? problem.Time(r.A, prices) / (r.Ratio * tb) - 1
                    : double.PositiveInfinity,
                _ => 0,
            };
            sum += target.Weight * residual * residual;
        }
        foreach (PriorPrice prior in problem.Priors)
        {
            double residual = (prices[problem.IndexOf(prior.Key)] - prior.Ns) / WeightedSystem.PriorScale(prior, relative: true);
            sum += prior.Weight * priorFactor * residual * residual;
        }
        return sum;
    }

    /// <summary>
    /// Fits the targets with the priors weakened to almost nothing: a target whose relative residual
    /// stays large has no prices that satisfy it together with the others. Each such target is then
    /// left out in turn to see whether the rest hold without it. Targets that hold alone but not in
    /// the real fit are held back by the priors; the prices the targets alone move furthest from
    /// their priors say which priors those are.
    /// </summary>
    private static ContradictionReport Contradictions(CalibrationProblem problem, CalibrationOptions options, IReadOnlyList<TargetResidual> fitted)
    {
        double tolerance = options.ContradictionTolerance;
        (double[] alonePrices, IReadOnlyList<TargetResidual> alone) = WeakFit(problem, options, dropped: null);
        TargetResidual[] contradicted = alone
            .Where(r => r.Target.Weight > 0 && Math.Abs(r.Relative) > tolerance)
            .ToArray();
        var resolving = new List<string>();
        if (contradicted.Length > 1)
        {
            foreach (TargetResidual candidate in contradicted)
            {
                (_, IReadOnlyList<TargetResidual> without) = WeakFit(problem, options, candidate.Target.Name);
                if (without.All(r => r.Target.Name == candidate.Target.Name || r.Target.Weight == 0 || !(Math.Abs(r.Relative) > tolerance)))
                {
                    resolving.Add(candidate.Target.Name);
                }
            }
        }
        TargetResidual[] heldByPriors = fitted
            .Where((r, i) => r.Target.Weight > 0 && Math.Abs(r.Relative) > tolerance && !(Math.Abs(alone[i].Relative) > tolerance))
            .ToArray();
        var moved = problem.Priors
            .Select(prior => (prior.Key, Prior: prior.Ns, Alone: alonePrices[problem.IndexOf(prior.Key)]))
            .Where(m => Math.Abs(m.Alone - m.Prior) > tolerance * Math.Max(m.Prior, 1e-300))
            .OrderByDescending(m => Math.Abs(Math.Log((m.Alone + 1e-9) / (m.Prior + 1e-9))))
            .Take(MovedShown)
            .ToArray();
        return new ContradictionReport(contradicted, resolving, heldByPriors, moved, tolerance);
    }

    /// <summary>How many of the prices the targets alone move furthest are reported.</summary>
    private const int MovedShown = 8;

    private static (double[] Prices, IReadOnlyList<TargetResidual> Residuals) WeakFit(CalibrationProblem problem, CalibrationOptions options, string? dropped)
    {
        (double[] prices, _, _) = Solve(problem, options, options.WeakPriorFactor, dropped);
        return (prices, Residuals(problem, prices));
    }
}

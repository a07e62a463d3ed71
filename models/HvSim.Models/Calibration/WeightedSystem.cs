using MathNet.Numerics.LinearAlgebra;

namespace HvSim.Models.Calibration;

/// <summary>
/// The stacked least-squares system of a calibration, one row per target then one per prior, so
/// that ‖A p − b‖² is the objective (or, for relative residuals, its linearisation at a point).
/// </summary>
/// <remarks>
/// Absolute residuals: target rows √wᵢ (rowᵢ, yᵢ), prior rows √w_k (e_k, v_k) — the objective as
/// stated. Relative residuals: a measured time's row is divided by y; a prior's by v; a relation's
/// residual g(p) = time_a(p) / (r time_b(p)) − 1 is not linear, so its row is g's first-order
/// expansion at the reference prices p₀: g₀ + ∇g·(p − p₀). Times include the fixed prices' part,
/// so g is not homogeneous in the fitted prices alone; without fixed prices ∇g·p₀ = 0 and the row is
/// simply (ta − r tb)/(r tb₀) at consistency. Solving these systems in turn is Gauss–Newton.
/// </remarks>
internal sealed class WeightedSystem
{
    private WeightedSystem(Matrix<double> all, Vector<double> allRhs, int targetRows)
    {
        A = all;
        B = allRhs;
        Targets = all.SubMatrix(0, targetRows, 0, all.ColumnCount);
    }

    /// <summary>The weighted target rows only (for the condition report).</summary>
    public Matrix<double> Targets { get; }

    /// <summary>Targets and priors stacked.</summary>
    public Matrix<double> A { get; }

    public Vector<double> B { get; }

    /// <param name="problem">the experiments, targets and priors.</param>
    /// <param name="reference">the prices relations are linearised at (relative residuals only).</param>
    /// <param name="relative">whether residuals are relative (see the remarks).</param>
    /// <param name="priorFactor">multiplies every prior weight (1, or tiny for the contradiction check).</param>
    /// <param name="dropped">a target left out (its row zero), or null.</param>
    public static WeightedSystem Build(CalibrationProblem problem, IReadOnlyList<double> reference, bool relative, double priorFactor, string? dropped)
    {
        int n = problem.Keys.Count;
        int targetCount = problem.Targets.Count;
        int rows = targetCount + problem.Priors.Count;
        Matrix<double> a = Matrix<double>.Build.Dense(rows, n);
        Vector<double> b = Vector<double>.Build.Dense(rows);
        for (int i = 0; i < targetCount; i++)
        {
            Target target = problem.Targets[i];
            if (target.Name == dropped || target.Weight == 0)
            {
                continue;
            }
            (double[] row, double rhs) = relative ? RelativeRow(problem, target, reference) : problem.Equation(target);
            double root = Math.Sqrt(target.Weight);
            for (int k = 0; k < n; k++)
            {
                a[i, k] = root * row[k];
            }
            b[i] = root * rhs;
        }
        for (int j = 0; j < problem.Priors.Count; j++)
        {
            PriorPrice prior = problem.Priors[j];
            double factor = Math.Sqrt(prior.Weight * priorFactor) / PriorScale(prior, relative);
            a[targetCount + j, problem.IndexOf(prior.Key)] = factor;
            b[targetCount + j] = factor * prior.Ns;
        }
        return new WeightedSystem(a, b, targetCount);
    }

    /// <summary>What a prior's residual is divided by: its value for relative residuals (1 ns if it is 0).</summary>
    public static double PriorScale(PriorPrice prior, bool relative) => relative && prior.Ns > 0 ? prior.Ns : 1;

    /// <summary>What a measured target's residual is divided by: its time for relative residuals (1 ns if it is 0).</summary>
    public static double MeasuredScale(MeasuredTarget target, bool relative) => relative && target.Ns > 0 ? target.Ns : 1;

    private static (double[] Row, double Rhs) RelativeRow(CalibrationProblem problem, Target target, IReadOnlyList<double> reference)
    {
        switch (target)
        {
            case MeasuredTarget measured:
                (double[] row, double rhs) = problem.Equation(measured);
                double scale = MeasuredScale(measured, relative: true);
                return (row.Select(c => c / scale).ToArray(), rhs / scale);
            case RelationTarget relation:
                double[] ca = problem.Row(relation.A), cb = problem.Row(relation.B);
                double ta = problem.Time(relation.A, reference), tb = problem.Time(relation.B, reference);
                if (!(tb > 0))
                {
                    // No time(b) to be relative to yet: (ta − r tb) per unit of r·Σc_b, a linear stand-in.
                    double stand = relation.Ratio * Math.Max(cb.Sum(), 1);
                    return (ca.Zip(cb, (x, y) => (x - relation.Ratio * y) / stand).ToArray(), 0);
                }
                // g(p) = ta/(r tb) − 1 with ta = fa + ca·p (fa: the fixed prices' part). Linearised at p₀:
                // g₀ + ∇g·(p − p₀), ∇g = ca/(r tb₀) − ρ₀ cb/tb₀; as a row·p − rhs, rhs = ∇g·p₀ − g₀.
                double rho = ta / (relation.Ratio * tb);
                double[] gradient = ca.Zip(cb, (x, y) => x / (relation.Ratio * tb) - rho * y / tb).ToArray();
                double atReference = gradient.Select((g, k) => g * reference[k]).Sum();
                return (gradient, atReference - (rho - 1));
            default:
                throw new InvalidOperationException($"unknown target {target.GetType().Name}");
        }
    }
}

using MathNet.Numerics.LinearAlgebra;

namespace HvSim.Models.Calibration;

/// <summary>
/// Non-negative least squares, min ‖A x − b‖₂ subject to x ≥ 0, by the Lawson–Hanson active-set
/// method (Solving Least Squares Problems, 1974, ch. 23). MathNet.Numerics 5 has no NNLS, so the
/// method is here, with MathNet's matrices and SVD for each unconstrained sub-problem.
/// </summary>
/// <remarks>
/// Prices differ by orders of magnitude in their units (ns per byte against µs per signal), so
/// the columns are scaled to unit length first: x = D y with D > 0 keeps x ≥ 0 ⇔ y ≥ 0 and makes
/// the tolerances below mean the same for every price. The sub-problem uses a truncated SVD
/// (a pseudo-inverse) rather than QR, so that nearly dependent passive columns give the
/// minimum-norm step instead of a huge one.
/// </remarks>
public static class Nnls
{
    private const double Eps = 2.220446049250313e-16; // double's machine epsilon (2^-52)

    public static Vector<double> Solve(Matrix<double> a, Vector<double> b)
    {
        int m = a.RowCount, n = a.ColumnCount;
        if (b.Count != m)
        {
            throw new ArgumentException($"A has {m} rows but b has {b.Count} entries", nameof(b));
        }
        var scale = new double[n];
        Matrix<double> scaled = a.Clone();
        for (int j = 0; j < n; j++)
        {
            double norm = a.Column(j).L2Norm();
            scale[j] = norm > 0 ? norm : 1;
            scaled.SetColumn(j, a.Column(j) / scale[j]);
        }
        Vector<double> y = SolveScaled(scaled, b);
        return Vector<double>.Build.Dense(n, j => y[j] / scale[j]);
    }

    private static Vector<double> SolveScaled(Matrix<double> a, Vector<double> b)
    {
        int m = a.RowCount, n = a.ColumnCount;
        var x = Vector<double>.Build.Dense(n);
        var passive = new bool[n];
        // Lawson–Hanson's test on the dual vector w = Aᵀ(b − Ax): its entries are inner products of
        // unit columns with a residual no longer than b, so rounding is about eps·m·‖b‖.
        double tolerance = 10 * Eps * Math.Max(m, n) * b.L2Norm();
        int maxIterations = Math.Max(3 * n, 30);
        var rejected = new bool[n];
        for (int iteration = 0; ; iteration++)
        {
            if (iteration >= maxIterations)
            {
                throw new NnlsException($"non-negative least squares did not converge in {maxIterations} iterations ({n} prices, {m} rows)");
            }
            Vector<double> w = a.TransposeThisAndMultiply(b - a * x);
            int entering = -1;
            for (int j = 0; j < n; j++)
            {
                if (!passive[j] && !rejected[j] && w[j] > tolerance && (entering < 0 || w[j] > w[entering]))
                {
                    entering = j;
                }
            }
            if (entering < 0)
            {
                return x;
            }
            passive[entering] = true;
            bool firstStep = true;
            while (true)
            {
                Vector<double> z = SubproblemSolution(a, b, passive);
                if (firstStep && z[entering] <= 0)
                {
                    // Rounding made the entering column look useful when it is not (its w was at
                    // the noise level): leave it out until x changes, so the method cannot cycle.
                    passive[entering] = false;
                    rejected[entering] = true;
                    break;
                }
                firstStep = false;
                bool feasible = true;
                double alpha = double.PositiveInfinity;
                for (int j = 0; j < n; j++)
                {
                    if (passive[j] && z[j] <= 0)
                    {
                        feasible = false;
                        double toward = x[j] - z[j];
                        alpha = Math.Min(alpha, toward > 0 ? x[j] / toward : 0);
                    }
                }
                if (feasible)
                {
                    x = z;
                    Array.Clear(rejected);
                    break;
                }
                // Step from x towards z until the first passive price reaches zero, and free it.
                x += alpha * (z - x);
                for (int j = 0; j < n; j++)
                {
                    if (passive[j] && x[j] <= 1e-14 * Math.Max(1, x.AbsoluteMaximum()))
                    {
                        passive[j] = false;
                        x[j] = 0;
                    }
                }
                Array.Clear(rejected);
            }
        }
    }

    /// <summary>Least squares over the passive columns only (the others held at zero), by truncated SVD.</summary>
    private static Vector<double> SubproblemSolution(Matrix<double> a, Vector<double> b, bool[] passive)
    {
        int[] columns = Enumerable.Range(0, passive.Length).Where(j => passive[j]).ToArray();
        var z = Vector<double>.Build.Dense(passive.Length);
        if (columns.Length == 0)
        {
            return z;
        }
        Matrix<double> sub = Matrix<double>.Build.Dense(a.RowCount, columns.Length, (i, k) => a[i, columns[k]]);
        Vector<double> solution = PseudoInverseSolve(sub, b);
        for (int k = 0; k < columns.Length; k++)
        {
            z[columns[k]] = solution[k];
        }
        return z;
    }

    /// <summary>The minimum-norm least-squares solution of A x ≈ b, ignoring singular values at rounding level.</summary>
    internal static Vector<double> PseudoInverseSolve(Matrix<double> a, Vector<double> b)
    {
        var svd = a.Svd(computeVectors: true);
        Vector<double> s = svd.S;
        double cutoff = s.Count == 0 ? 0 : s[0] * Math.Max(a.RowCount, a.ColumnCount) * Eps * 10;
        Vector<double> utb = svd.U.TransposeThisAndMultiply(b);
        var coefficients = Vector<double>.Build.Dense(a.ColumnCount);
        for (int i = 0; i < s.Count; i++)
        {
            if (s[i] > cutoff)
            {
                coefficients[i] = utb[i] / s[i];
            }
        }
        return svd.VT.TransposeThisAndMultiply(coefficients);
    }
}

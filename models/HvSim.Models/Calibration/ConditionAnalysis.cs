using HvSim.Models.Profiles;
using MathNet.Numerics.LinearAlgebra;

namespace HvSim.Models.Calibration;

/// <summary>
/// Which prices the targets determine: an SVD of the weighted target matrix (no priors) with unit
/// columns. Price k is determined exactly when e_k lies in the row space; the share of e_k in the
/// null space, Σ_{j ≥ rank} V_kj², says how much of it only the priors can fix.
/// </summary>
internal static class ConditionAnalysis
{
    public static (ConditionReport Report, double[] NullShare) Analyze(Matrix<double> targets, IReadOnlyList<PriceKey> keys, double rankTolerance)
    {
        int n = keys.Count;
        var nullShare = new double[n];
        // A price no target involves is a zero column: in the null space by itself. Setting those
        // aside keeps the SVD's null basis free of arbitrary mixtures of unrelated unused prices.
        var used = new List<int>();
        var norms = new List<double>();
        var unused = new List<PriceKey>();
        for (int k = 0; k < n; k++)
        {
            double norm = targets.RowCount == 0 ? 0 : targets.Column(k).L2Norm();
            if (norm > 0)
            {
                used.Add(k);
                norms.Add(norm);
            }
            else
            {
                unused.Add(keys[k]);
                nullShare[k] = 1;
            }
        }
        if (used.Count == 0)
        {
            return (new ConditionReport([], 0, n, unused, []), nullShare);
        }
        Matrix<double> scaled = Matrix<double>.Build.Dense(targets.RowCount, used.Count, (i, j) => targets[i, used[j]] / norms[j]);
        var svd = scaled.Svd(computeVectors: true);
        double[] singular = svd.S.ToArray();
        int rank = singular.Count(s => s > rankTolerance * singular[0]);
        Matrix<double> vt = svd.VT;
        for (int row = rank; row < used.Count; row++)
        {
            for (int j = 0; j < used.Count; j++)
            {
                nullShare[used[j]] += vt[row, j] * vt[row, j];
            }
        }
        var directions = new List<IReadOnlyList<(PriceKey, double)>>();
        foreach ((int free, double[] direction) in NullBasis(scaled, rankTolerance * singular[0]))
        {
            // Back to price units: A D⁻¹ y = 0 means A (D⁻¹ y) = 0; the free price's component is 1.
            double[] inPrices = direction.Select((c, j) => c * norms[free] / norms[j]).ToArray();
            directions.Add(Enumerable.Range(0, used.Count)
                .Where(j => Math.Abs(inPrices[j]) >= 1e-9)
                .OrderByDescending(j => j == free)
                .ThenByDescending(j => Math.Abs(inPrices[j]))
                .Select(j => (keys[used[j]], inPrices[j]))
                .ToArray());
        }
        return (new ConditionReport(singular, rank, n, unused, directions), nullShare);
    }

    /// <summary>
    /// A readable basis of the null space: Gauss–Jordan elimination with partial pivoting, columns in
    /// the problem's order; each column without a pivot is a free price, and its direction sets it to
    /// 1 and the pivot prices to what keeps every row unchanged. Unlike an SVD basis (an arbitrary
    /// rotation of the null space), each direction then names one price the data cannot fix and the
    /// few it trades against — "+1 SyscallExit −1 SyscallEntry": only their sum is measured.
    /// </summary>
    private static List<(int Free, double[] Direction)> NullBasis(Matrix<double> a, double tolerance)
    {
        Matrix<double> r = a.Clone();
        int rows = r.RowCount, columns = r.ColumnCount;
        var pivotColumns = new List<int>();
        int pivotRow = 0;
        for (int column = 0; column < columns && pivotRow < rows; column++)
        {
            int best = pivotRow;
            for (int i = pivotRow + 1; i < rows; i++)
            {
                if (Math.Abs(r[i, column]) > Math.Abs(r[best, column]))
                {
                    best = i;
                }
            }
            if (Math.Abs(r[best, column]) <= tolerance)
            {
                continue;
            }
            for (int j = 0; j < columns; j++)
            {
                (r[pivotRow, j], r[best, j]) = (r[best, j], r[pivotRow, j]);
            }
            double pivot = r[pivotRow, column];
            for (int j = 0; j < columns; j++)
            {
                r[pivotRow, j] /= pivot;
            }
            for (int i = 0; i < rows; i++)
            {
                if (i != pivotRow && r[i, column] != 0)
                {
                    double factor = r[i, column];
                    for (int j = 0; j < columns; j++)
                    {
                        r[i, j] -= factor * r[pivotRow, j];
                    }
                }
            }
            pivotColumns.Add(column);
            pivotRow++;
        }
        var basis = new List<(int, double[])>();
        for (int free = 0; free < columns; free++)
        {
            if (pivotColumns.Contains(free))
            {
                continue;
            }
            var direction = new double[columns];
            direction[free] = 1;
            for (int p = 0; p < pivotColumns.Count; p++)
            {
                direction[pivotColumns[p]] = -r[p, free];
            }
            basis.Add((free, direction));
        }
        return basis;
    }
}

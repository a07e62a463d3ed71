using HvSim.Models.Calibration;
using MathNet.Numerics.LinearAlgebra;

namespace HvSim.Tests.Models;

/// <summary>Lawson–Hanson NNLS: exact where the bound is slack, on the bound where it binds, KKT always.</summary>
public sealed class NnlsTests
{
    private static Matrix<double> M(double[,] values) => Matrix<double>.Build.DenseOfArray(values);

    private static Vector<double> V(params double[] values) => Vector<double>.Build.Dense(values);

    [Fact]
    public void APositiveLeastSquaresSolutionIsReturnedAsIs()
    {
        // Rule: when the unconstrained minimiser is ≥ 0, NNLS is ordinary least squares.
        var a = M(new double[,] { { 1, 0 }, { 0, 2 }, { 1, 1 } });
        var b = a * V(3, 5);
        Vector<double> x = Nnls.Solve(a, b);
        Assert.Equal(3, x[0], 10);
        Assert.Equal(5, x[1], 10);
    }

    [Fact]
    public void ANegativeUnconstrainedPriceIsHeldAtZero()
    {
        // Unconstrained: x = (2, -1) fits exactly; with x ≥ 0 the second is 0 and the first refits alone.
        var a = M(new double[,] { { 1, 1 }, { 1, 2 }, { 1, 3 } });
        var b = a * V(2, -1);
        Vector<double> x = Nnls.Solve(a, b);
        Assert.Equal(0, x[1]);
        // With x2 = 0, x1 minimises Σ (x1 − bᵢ)² over b = (1, 0, −1): the mean, 0 — also on the bound.
        Assert.Equal(0, x[0], 12);
        var a2 = M(new double[,] { { 1, 1 }, { 1, 2 }, { 1, 3 } });
        var b2 = V(5, 4.5, 4);
        Vector<double> x2 = Nnls.Solve(a2, b2);
        Assert.Equal(0, x2[1]);
        Assert.Equal(4.5, x2[0], 10);
    }

    [Fact]
    public void ColumnsOfVeryDifferentScaleAreSolvedAlike()
    {
        // Rule: prices in ns per byte and ns per signal in one system (counts 1e6 against 1).
        var a = M(new double[,] { { 1e6, 1 }, { 2e6, 1 }, { 0, 3 } });
        var truth = V(0.15, 1150);
        Vector<double> x = Nnls.Solve(a, a * truth);
        Assert.Equal(0.15, x[0], 9);
        Assert.Equal(1150, x[1], 6);
    }

    [Fact]
    public void RandomProblemsMeetTheKktConditions()
    {
        // Karush–Kuhn–Tucker for min ‖Ax − b‖² s.t. x ≥ 0: x ≥ 0, w = Aᵀ(b − Ax) ≤ 0 where x = 0, w = 0 where x > 0.
        var random = new Random(6);
        for (int trial = 0; trial < 200; trial++)
        {
            int m = random.Next(1, 9), n = random.Next(1, 7);
            Matrix<double> a = Matrix<double>.Build.Dense(m, n, (_, _) => random.NextDouble() * 2 - 1);
            Vector<double> b = Vector<double>.Build.Dense(m, _ => random.NextDouble() * 2 - 1);
            Vector<double> x = Nnls.Solve(a, b);
            Vector<double> w = a.TransposeThisAndMultiply(b - a * x);
            for (int j = 0; j < n; j++)
            {
                Assert.True(x[j] >= 0, $"trial {trial}: x[{j}] = {x[j]} < 0");
                double scale = a.Column(j).L2Norm() * Math.Max(b.L2Norm(), 1);
                Assert.True(w[j] <= 1e-9 * scale, $"trial {trial}: w[{j}] = {w[j]} > 0 (a price could still lower the residual)");
                if (x[j] > 0)
                {
                    Assert.True(Math.Abs(w[j]) <= 1e-9 * scale, $"trial {trial}: x[{j}] > 0 but w[{j}] = {w[j]}");
                }
            }
        }
    }

    [Fact]
    public void DuplicateColumnsGiveAFiniteSolution()
    {
        // Two identical columns: the split is not determined, but the fit is and nothing blows up.
        var a = M(new double[,] { { 1, 1 }, { 2, 2 } });
        Vector<double> x = Nnls.Solve(a, V(3, 6));
        Assert.Equal(3, x[0] + x[1], 10);
        Assert.True(x[0] >= 0 && x[1] >= 0);
    }
}

using System.Collections.Concurrent;

namespace HvSim.Cpu.X87.Exact;

/// <summary>
/// Elementary functions on <see cref="BigBinary"/> to a requested precision: every result has a
/// relative error below 2^-(precision - <see cref="LostBits"/>), which is what
/// <see cref="CorrectRounding"/> assumes. The series are the textbook ones (Taylor for exp, sin and
/// cos, atanh for logarithms, arctan with argument halving); each is used only where its argument is
/// small enough that terms shrink fast and no cancellation costs relative accuracy.
/// </summary>
internal static class ExactFunctions
{
    /// <summary>Bits of relative accuracy a function may lose to truncation in its few hundred operations.</summary>
    public const int LostBits = 24;

    private static readonly ConcurrentDictionary<int, BigBinary> s_ln2 = new();
    private static readonly ConcurrentDictionary<int, BigBinary> s_pi = new();

    /// <summary>ln 2 = 2 atanh(1/3).</summary>
    public static BigBinary Ln2(int precision) =>
        s_ln2.GetOrAdd(precision, p => Atanh(BigBinary.Divide(BigBinary.One, BigBinary.FromInt(3), p + 8), p + 8).Scale(1).Truncate(p));

    /// <summary>π = 16 atan(1/5) − 4 atan(1/239) (Machin).</summary>
    public static BigBinary Pi(int precision) =>
        s_pi.GetOrAdd(precision, p =>
        {
            var w = p + 16;
            var a = AtanSeries(BigBinary.Divide(BigBinary.One, BigBinary.FromInt(5), w), w).Scale(4);
            var b = AtanSeries(BigBinary.Divide(BigBinary.One, BigBinary.FromInt(239), w), w).Scale(2);
            return BigBinary.Add(a, b.Negate(), w).Truncate(p);
        });

    /// <summary>e^t − 1 for |t| ≤ 1 by its Taylor series (every term has t's relative scale, so small t keeps full accuracy).</summary>
    public static BigBinary Expm1(BigBinary t, int precision)
    {
        var w = precision + 8;
        var term = t;
        var sum = t;
        for (var k = 2; !Negligible(term, sum, w); k++)
        {
            term = BigBinary.Divide(BigBinary.Multiply(term, t, w), BigBinary.FromInt(k), w);
            sum = BigBinary.Add(sum, term, w);
        }

        return WithTail(sum, term, w).Truncate(precision);
    }

    /// <summary>
    /// ln u of an exact positive u. u = m × 2^e with m in [√½, √2), then ln u = e ln 2 + 2 atanh((m − 1)/(m + 1)):
    /// m − 1 is exact, so u near 1 (e = 0) keeps full relative accuracy, and for e ≠ 0 the result is at least ln(2)/2.
    /// </summary>
    public static BigBinary Log(BigBinary u, int precision)
    {
        var w = precision + 8;
        var e = u.Magnitude;
        var m = u.Scale(-e);

        // m is in [1, 2); move it to [√½, √2) by comparing m² with 2.
        if (BigBinary.Compare(BigBinary.Multiply(m, m, w), BigBinary.FromInt(2)) >= 0)
        {
            m = m.Scale(-1);
            e++;
        }

        var z = BigBinary.Divide(m - BigBinary.One, m + BigBinary.One, w);
        var log = Atanh(z, w).Scale(1);
        return e == 0 ? log.Truncate(precision) : BigBinary.Add(BigBinary.Multiply(BigBinary.FromInt(e), Ln2(w), w), log, w).Truncate(precision);
    }

    /// <summary>ln(1 + x) for |x| &lt; 1/4 as 2 atanh(x / (2 + x)): x's relative accuracy survives without forming 1 + x.</summary>
    public static BigBinary Log1pSmall(BigBinary x, int precision)
    {
        var w = precision + 8;
        var z = BigBinary.Divide(x, BigBinary.Add(BigBinary.FromInt(2), x, w), w);
        return Atanh(z, w).Scale(1).Truncate(precision);
    }

    /// <summary>atan x for |x| ≤ 1 (FPATAN's caller takes the smaller ratio): three argument halvings atan x = 2 atan(x / (1 + √(1 + x²))), then the series.</summary>
    public static BigBinary Atan(BigBinary x, int precision)
    {
        var w = precision + 8;
        const int halvings = 3;
        for (var i = 0; i < halvings; i++)
        {
            var root = BigBinary.SquareRoot(BigBinary.Add(BigBinary.One, BigBinary.Multiply(x, x, w), w), w);
            x = BigBinary.Divide(x, BigBinary.Add(BigBinary.One, root, w), w);
        }

        return AtanSeries(x, w).Scale(halvings).Truncate(precision);
    }

    /// <summary>sin r for |r| ≤ 1: r − r³/3! + r⁵/5! − …</summary>
    public static BigBinary Sin(BigBinary r, int precision) => AlternatingSeries(r, r, 2, precision);

    /// <summary>cos r for |r| ≤ 1: 1 − r²/2! + r⁴/4! − …</summary>
    public static BigBinary Cos(BigBinary r, int precision) => AlternatingSeries(r, BigBinary.One, 1, precision);

    /// <summary>
    /// first + Σ (−1)^n first·r^(2n) / (k(k+1)(k+2)…) with k starting at <paramref name="k"/>: the Taylor
    /// series of sin (first r, k 2) and cos (first 1, k 1), each term from the last by −r²/(k(k+1)).
    /// </summary>
    private static BigBinary AlternatingSeries(BigBinary r, BigBinary first, int k, int precision)
    {
        var w = precision + 8;
        var r2 = BigBinary.Multiply(r, r, w);
        var term = first;
        var sum = first;
        for (; !Negligible(term, sum, w); k += 2)
        {
            term = BigBinary.Divide(BigBinary.Multiply(term, r2, w), BigBinary.FromInt((long)k * (k + 1)), w).Negate();
            sum = BigBinary.Add(sum, term, w);
        }

        return WithTail(sum, term, w).Truncate(precision);
    }

    /// <summary>atanh z = z + z³/3 + z⁵/5 + … for |z| ≤ 1/3 or so.</summary>
    private static BigBinary Atanh(BigBinary z, int w) => OddPowerSeries(z, w, alternate: false);

    /// <summary>atan z = z − z³/3 + z⁵/5 − … for small |z|.</summary>
    private static BigBinary AtanSeries(BigBinary z, int w) => OddPowerSeries(z, w, alternate: true);

    private static BigBinary OddPowerSeries(BigBinary z, int w, bool alternate)
    {
        var z2 = BigBinary.Multiply(z, z, w);
        var power = z;
        var sum = z;
        for (var k = 3; ; k += 2)
        {
            power = BigBinary.Multiply(power, z2, w);
            if (alternate)
            {
                power = power.Negate();
            }

            var term = BigBinary.Divide(power, BigBinary.FromInt(k), w);
            if (Negligible(term, sum, w))
            {
                return WithTail(sum, term, w);
            }

            sum = BigBinary.Add(sum, term, w);
        }
    }

    /// <summary>
    /// The sum with a stand-in for the first neglected term: one unit far below the error bound, with that
    /// term's sign. Without it the sum of a tiny argument's series is the argument itself (sin x = x for
    /// x = 2^-12000), which is representable, and the rounding could not tell the direction the true value
    /// lies in: C1 and, for denormal results, UE depend on it. Truncation toward zero keeps the stand-in
    /// whenever it points toward zero, which is the case that matters (sin, cos, atan of tiny arguments).
    /// </summary>
    private static BigBinary WithTail(BigBinary sum, BigBinary term, int w) =>
        term.IsZero || sum.IsZero ? sum : sum + new BigBinary(term.Sign, sum.Magnitude - w - 16);

    /// <summary>A term below 2^-(w + 4) of the sum cannot change its leading w bits.</summary>
    private static bool Negligible(BigBinary term, BigBinary sum, int w) =>
        term.IsZero || (!sum.IsZero && term.Magnitude < sum.Magnitude - w - 4);
}

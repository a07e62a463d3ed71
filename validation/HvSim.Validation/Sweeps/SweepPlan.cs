using System.Globalization;

namespace HvSim.Validation.Sweeps;

/// <summary>
/// A spec's points, in the spec's order (the last axis varies fastest), and their division into
/// shards: longest estimated runs first, each to the shard with the least estimated work so far
/// (ties: the lower shard, then the lower id), which depends on nothing but the spec, so every node
/// of a cluster computes the same division.
/// </summary>
public static class SweepPlan
{
    public static IReadOnlyList<SweepPoint> Points(SweepSpec spec)
    {
        var points = new List<SweepPoint>();
        var chosen = new int[spec.Axes.Count];
        while (true)
        {
            var inputs = new List<SweepInput>(spec.Fixed);
            for (int a = 0; a < spec.Axes.Count; a++)
            {
                inputs.Add(new SweepInput(spec.Axes[a].Option, spec.Axes[a].Values[chosen[a]]));
            }
            points.Add(SweepPoint.Create(points.Count, spec.Command, inputs));
            int k = spec.Axes.Count - 1;
            while (k >= 0 && ++chosen[k] == spec.Axes[k].Values.Count)
            {
                chosen[k] = 0;
                k--;
            }
            if (k < 0)
            {
                return points;
            }
        }
    }

    /// <summary>The points of shard <paramref name="index"/> of <paramref name="count"/>, in the spec's order.</summary>
    public static IReadOnlyList<SweepPoint> Shard(IReadOnlyList<SweepPoint> points, int index, int count)
    {
        if (count < 1 || index < 0 || index >= count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"shard {index}/{count}");
        }
        var load = new double[count];
        var mine = new List<SweepPoint>();
        foreach (SweepPoint point in points.OrderByDescending(Cost).ThenBy(p => p.Id, StringComparer.Ordinal))
        {
            int least = 0;
            for (int s = 1; s < count; s++)
            {
                if (load[s] < load[least])
                {
                    least = s;
                }
            }
            load[least] += Cost(point);
            if (least == index)
            {
                mine.Add(point);
            }
        }
        return mine.OrderBy(p => p.Index).ToList();
    }

    /// <summary>
    /// A rough, deterministic estimate of a point's run time, in arbitrary units: the microbenchmark's
    /// transactions times the words they write plus the CDA's initial copy; a workload's operations
    /// times 40 (a reproduce sweep's points are one or the other). Only the balance of the shards depends on it.
    /// </summary>
    public static double Cost(SweepPoint point)
    {
        double Number(string option, double fallback) =>
            double.TryParse(point.Value(option), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : fallback;
        bool micro = point.Command == "micro" || (point.Command == ReproduceSweep.Command && point.Value("kind") == "micro");
        return micro
            ? (Number("tcount", 1000) * ((Number("ppt", 4) * (Number("wpp", 4) + 16)) + 50)) + (Number("cda-kib", 1024) * 4)
            : Number("ops", 10000) * 40;
    }
}

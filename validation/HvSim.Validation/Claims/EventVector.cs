using HvSim.Core;
using HvSim.Models.Pricing;
using HvSim.Models.Profiles;

namespace HvSim.Validation.Claims;

/// <summary>
/// Event counts per (kind, layer) on one platform, possibly fractional (per transaction or per
/// operation: a steady-state interval's counts divided by its length). Arithmetic makes slopes.
/// </summary>
public sealed class EventVector
{
    private static readonly int s_layers = Enum.GetValues<Layer>().Length;
    private static readonly int s_size = Enum.GetValues<EventKind>().Length * s_layers;

    private readonly double[] _counts;

    public EventVector(string platform) : this(platform, new double[s_size])
    {
    }

    private EventVector(string platform, double[] counts)
    {
        Platform = platform;
        _counts = counts;
    }

    /// <summary>The run's platform name (native, xen-pv, xen-shadow).</summary>
    public string Platform { get; }

    public double this[EventKind kind, Layer layer]
    {
        get => _counts[Index(kind, layer)];
        set => _counts[Index(kind, layer)] = value;
    }

    /// <summary>A snapshot of a ledger's counts (every kind and layer).</summary>
    public static EventVector Snapshot(EventLedger ledger, string platform)
    {
        var vector = new EventVector(platform);
        foreach (EventKind kind in Enum.GetValues<EventKind>())
        {
            foreach (Layer layer in Enum.GetValues<Layer>())
            {
                vector[kind, layer] = ledger.Count(kind, layer);
            }
        }
        return vector;
    }

    public IEnumerable<(EventKind Kind, Layer Layer, double Count)> NonZero()
    {
        foreach (EventKind kind in Enum.GetValues<EventKind>())
        {
            foreach (Layer layer in Enum.GetValues<Layer>())
            {
                double count = this[kind, layer];
                if (count != 0)
                {
                    yield return (kind, layer, count);
                }
            }
        }
    }

    /// <summary>The same counts without one kind (e.g. CopyBytes: the paper's transaction times leave the copy to the helper out).</summary>
    public EventVector Without(EventKind kind)
    {
        var copy = new EventVector(Platform, (double[])_counts.Clone());
        foreach (Layer layer in Enum.GetValues<Layer>())
        {
            copy[kind, layer] = 0;
        }
        return copy;
    }

    public static EventVector operator -(EventVector a, EventVector b) => Combine(a, b, (x, y) => x - y);

    public static EventVector operator +(EventVector a, EventVector b) => Combine(a, b, (x, y) => x + y);

    public static EventVector operator /(EventVector a, double divisor) => new(a.Platform, a._counts.Select(c => c / divisor).ToArray());

    public static EventVector operator *(EventVector a, double factor) => new(a.Platform, a._counts.Select(c => c * factor).ToArray());

    /// <summary>Σ count × price under <paramref name="profile"/>; an event without a price throws (never a silent zero).</summary>
    public double Ns(CostProfile profile)
    {
        double total = 0;
        foreach ((EventKind kind, Layer layer, double count) in NonZero())
        {
            Price price = profile.Find(kind, layer, Platform)
                ?? throw new InvalidOperationException($"profile '{profile.Name}' has no price for {kind}@{LayerNames.Name(layer)}@{Platform}");
            total += count * price.Ns;
        }
        return total;
    }

    /// <summary>The counts as the pricer takes them (rounded: for whole-run vectors only).</summary>
    public IEnumerable<EventCount> ToEventCounts() => NonZero().Select(e => new EventCount(e.Kind, e.Layer, (long)Math.Round(e.Count)));

    private static EventVector Combine(EventVector a, EventVector b, Func<double, double, double> op)
    {
        if (a.Platform != b.Platform)
        {
            throw new ArgumentException($"cannot combine counts of {a.Platform} and {b.Platform}");
        }
        return new EventVector(a.Platform, a._counts.Zip(b._counts, op).ToArray());
    }

    private static int Index(EventKind kind, Layer layer) => ((int)kind * s_layers) + (int)layer;
}

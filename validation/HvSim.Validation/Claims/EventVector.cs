using HvSim.Core;
using HvSim.Models.Pricing;
using HvSim.Models.Profiles;

namespace HvSim.Validation.Claims;

/// <summary>
/// Event counts per (kind, layer) on one platform, possibly fractional (per transaction or per
/// operation: a steady-state interval's counts divided by its length), with the named parts of a
/// kind's count (hypercalls by name) beside it. Arithmetic makes slopes.
/// </summary>
public sealed class EventVector
{
    private static readonly int s_layers = Enum.GetValues<Layer>().Length;
    private static readonly int s_size = Enum.GetValues<EventKind>().Length * s_layers;

    /// <summary>Kind, layer, then the name ordinally: the same order, hence the same sums, on every machine.</summary>
    private static readonly Comparer<(EventKind Kind, Layer Layer, string Subkind)> s_order = Comparer<(EventKind Kind, Layer Layer, string Subkind)>.Create((x, y) =>
        x.Kind != y.Kind ? x.Kind.CompareTo(y.Kind) : x.Layer != y.Layer ? x.Layer.CompareTo(y.Layer) : string.CompareOrdinal(x.Subkind, y.Subkind));

    private readonly double[] _counts;
    private readonly SortedDictionary<(EventKind Kind, Layer Layer, string Subkind), double> _parts;

    // The priced terms, listed once: a reproduction prices each vector under a thousand refitted
    // profiles (the prediction bands), and the terms do not depend on the profile. Dropped by any
    // change of a count.
    private PricedTerm[]? _terms;

    private readonly record struct PricedTerm(EventKind Kind, Layer Layer, string? Subkind, double Count);

    // The last pricing, with the profile and the terms it was made from (a change of a count drops
    // the terms, and so this); replaced whole, so threads pricing under different profiles at once
    // only miss.
    private PricedUnder? _lastPriced;

    private sealed record PricedUnder(CostProfile Profile, PricedTerm[] Terms, double Ns);

    public EventVector(string platform) : this(platform, new double[s_size], new(s_order))
    {
    }

    private EventVector(string platform, double[] counts, SortedDictionary<(EventKind, Layer, string), double> parts)
    {
        Platform = platform;
        _counts = counts;
        _parts = parts;
    }

    /// <summary>The run's platform name (native, xen-pv, xen-shadow).</summary>
    public string Platform { get; }

    /// <summary>The whole count of a kind in a layer (its named parts included).</summary>
    public double this[EventKind kind, Layer layer]
    {
        get => _counts[Index(kind, layer)];
        set
        {
            _counts[Index(kind, layer)] = value;
            _terms = null;
        }
    }

    /// <summary>The part of a kind's count that has a name (e.g. Hypercall, kernel, "mmu_update"); setting it does not change the whole count.</summary>
    public double this[EventKind kind, Layer layer, string subkind]
    {
        get => _parts.GetValueOrDefault((kind, layer, subkind));
        set
        {
            _parts[(kind, layer, subkind)] = value;
            _terms = null;
        }
    }

    /// <summary>A snapshot of a ledger's counts (every kind and layer, and the named parts).</summary>
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
        foreach ((EventKind kind, Layer layer, string subkind, long count) in ledger.SubkindCounts())
        {
            vector[kind, layer, subkind] = count;
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

    /// <summary>The named parts of kinds' counts, in kind, layer, name order.</summary>
    public IEnumerable<(EventKind Kind, Layer Layer, string Subkind, double Count)> Parts() =>
        _parts.Select(p => (p.Key.Kind, p.Key.Layer, p.Key.Subkind, p.Value));

    /// <summary>
    /// The counts as they are priced: each named part under its subkind, and what the parts leave of
    /// a kind's count under the kind (subkind null); terms within 1e-9 of zero (rounding of differences) left out.
    /// </summary>
    public IEnumerable<(EventKind Kind, Layer Layer, string? Subkind, double Count)> PricedTerms() =>
        Terms().Select(t => (t.Kind, t.Layer, t.Subkind, t.Count));

    private PricedTerm[] Terms() => _terms ??= [.. ListTerms()];

    private IEnumerable<PricedTerm> ListTerms()
    {
        foreach ((EventKind kind, Layer layer, double count) in NonZero())
        {
            double named = 0;
            foreach (((EventKind k, Layer l, string subkind), double part) in _parts)
            {
                if (k == kind && l == layer && Math.Abs(part) > 1e-9)
                {
                    named += part;
                    yield return new PricedTerm(kind, layer, subkind, part);
                }
            }
            if (Math.Abs(count - named) > 1e-9)
            {
                yield return new PricedTerm(kind, layer, null, count - named);
            }
        }
    }

    /// <summary>The same counts without one kind (e.g. CopyBytes: the paper's transaction times leave the copy to the helper out).</summary>
    public EventVector Without(EventKind kind)
    {
        var copy = new EventVector(Platform, (double[])_counts.Clone(), new(_parts.Where(p => p.Key.Kind != kind).ToDictionary(), s_order));
        foreach (Layer layer in Enum.GetValues<Layer>())
        {
            copy[kind, layer] = 0;
        }
        return copy;
    }

    public static EventVector operator -(EventVector a, EventVector b) => Combine(a, b, (x, y) => x - y);

    public static EventVector operator +(EventVector a, EventVector b) => Combine(a, b, (x, y) => x + y);

    public static EventVector operator /(EventVector a, double divisor) => a.Map(c => c / divisor);

    public static EventVector operator *(EventVector a, double factor) => a.Map(c => c * factor);

    /// <summary>Σ count × price under <paramref name="profile"/>, named parts at their own prices; an event without a price throws (never a silent zero).</summary>
    public double Ns(CostProfile profile)
    {
        // The claims price the same vector several times under one profile (C12 and C13 the same
        // speedups, for instance); profiles never change, so the last price is kept with its profile.
        if (_lastPriced is { } last && ReferenceEquals(last.Profile, profile) && ReferenceEquals(last.Terms, _terms))
        {
            return last.Ns;
        }
        PricedTerm[] terms = Terms();
        double total = Sum(terms, profile);
        _lastPriced = new PricedUnder(profile, terms, total);
        return total;
    }

    private double Sum(PricedTerm[] terms, CostProfile profile)
    {
        double total = 0;
        foreach ((EventKind kind, Layer layer, string? subkind, double count) in terms)
        {
            Price price = profile.Find(kind, layer, Platform, subkind)
                ?? throw new InvalidOperationException($"profile '{profile.Name}' has no price for {new PriceKey(kind, layer, Platform, subkind)}");
            total += count * price.Ns;
        }
        return total;
    }

    /// <summary>The counts as the pricer takes them (rounded: for whole-run vectors only).</summary>
    public IEnumerable<EventCount> ToEventCounts() => NonZero().Select(e => new EventCount(e.Kind, e.Layer, (long)Math.Round(e.Count)))
        .Concat(_parts.Select(p => new EventCount(p.Key.Kind, p.Key.Layer, (long)Math.Round(p.Value), p.Key.Subkind)));

    private EventVector Map(Func<double, double> f) =>
        new(Platform, _counts.Select(f).ToArray(), new(_parts.ToDictionary(p => p.Key, p => f(p.Value)), s_order));

    private static EventVector Combine(EventVector a, EventVector b, Func<double, double, double> op)
    {
        if (a.Platform != b.Platform)
        {
            throw new ArgumentException($"cannot combine counts of {a.Platform} and {b.Platform}");
        }
        var parts = new SortedDictionary<(EventKind, Layer, string), double>(s_order);
        foreach (var key in a._parts.Keys.Union(b._parts.Keys))
        {
            parts[key] = op(a._parts.GetValueOrDefault(key), b._parts.GetValueOrDefault(key));
        }
        return new EventVector(a.Platform, a._counts.Zip(b._counts, op).ToArray(), parts);
    }

    private static int Index(EventKind kind, Layer layer) => ((int)kind * s_layers) + (int)layer;
}

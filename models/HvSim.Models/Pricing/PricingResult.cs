using HvSim.Core;

namespace HvSim.Models.Pricing;

/// <summary>
/// A run priced under a profile: the simulated time and its parts, and the events the profile
/// has no price for. Unpriced events are listed, never counted as zero silently: a total with
/// unpriced events is a lower bound, and whoever shows it must say so.
/// </summary>
public sealed record PricingResult(IReadOnlyList<PricedEvent> Priced, IReadOnlyList<EventCount> Unpriced)
{
    /// <summary>Σ count × price over the priced events.</summary>
    public double TotalNs => Priced.Sum(e => e.Ns);

    public bool IsComplete => Unpriced.Count == 0;

    public double NsIn(Layer layer) => Priced.Where(e => e.Layer == layer).Sum(e => e.Ns);

    /// <summary>The <paramref name="count"/> (kind, layer) pairs that take the most time, largest first.</summary>
    public IReadOnlyList<PricedEvent> Top(int count) => Priced
        .OrderByDescending(e => e.Ns)
        .ThenBy(e => e.Kind)
        .ThenBy(e => e.Layer)
        .Take(count)
        .ToArray();
}

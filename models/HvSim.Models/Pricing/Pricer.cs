using HvSim.Core;
using HvSim.Models.Profiles;

namespace HvSim.Models.Pricing;

/// <summary>Simulated time = Σ count × price(kind, layer, platform) (DESIGN.md, Principle 1).</summary>
public static class Pricer
{
    /// <summary>
    /// Prices a run's counts on <paramref name="platform"/> (a concrete platform name). Counts with a
    /// subkind are parts of their kind's total: each part takes its subkind's price (falling back to
    /// the kind's), and what the parts leave of the total takes the kind's price.
    /// </summary>
    public static PricingResult Price(CostProfile profile, string platform, IEnumerable<EventCount> counts)
    {
        if (!Platforms.IsConcrete(platform))
        {
            throw new ArgumentException($"a run's platform must be one of {string.Join(", ", Platforms.Concrete)}, not '{platform}'", nameof(platform));
        }
        EventCount[] all = counts.ToArray();
        var parts = new Dictionary<(EventKind, Layer), long>();
        foreach (EventCount part in all.Where(c => c.Subkind is not null))
        {
            parts[(part.Kind, part.Layer)] = parts.GetValueOrDefault((part.Kind, part.Layer)) + part.Count;
        }
        var priced = new List<PricedEvent>();
        var unpriced = new List<EventCount>();
        foreach (EventCount entry in all)
        {
            long count = entry.Subkind is null ? entry.Count - parts.GetValueOrDefault((entry.Kind, entry.Layer)) : entry.Count;
            if (count == 0)
            {
                continue;
            }
            Price? price = profile.Find(entry.Kind, entry.Layer, platform, entry.Subkind);
            if (price is null)
            {
                unpriced.Add(entry with { Count = count });
            }
            else
            {
                priced.Add(new PricedEvent(entry.Kind, entry.Layer, count, price, entry.Subkind));
            }
        }
        return new PricingResult(priced, unpriced);
    }
}

using HvSim.Models.Profiles;

namespace HvSim.Models.Pricing;

/// <summary>Simulated time = Σ count × price(kind, layer, platform) (DESIGN.md, Principle 1).</summary>
public static class Pricer
{
    /// <summary>Prices a run's counts on <paramref name="platform"/> (a concrete platform name).</summary>
    public static PricingResult Price(CostProfile profile, string platform, IEnumerable<EventCount> counts)
    {
        if (!Platforms.IsConcrete(platform))
        {
            throw new ArgumentException($"a run's platform must be one of {string.Join(", ", Platforms.Concrete)}, not '{platform}'", nameof(platform));
        }
        var priced = new List<PricedEvent>();
        var unpriced = new List<EventCount>();
        foreach (EventCount count in counts)
        {
            if (count.Count == 0)
            {
                continue;
            }
            Price? price = profile.Find(count.Kind, count.Layer, platform);
            if (price is null)
            {
                unpriced.Add(count);
            }
            else
            {
                priced.Add(new PricedEvent(count.Kind, count.Layer, count.Count, price));
            }
        }
        return new PricingResult(priced, unpriced);
    }
}

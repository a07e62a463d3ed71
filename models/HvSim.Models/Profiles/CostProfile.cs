using HvSim.Core;

namespace HvSim.Models.Profiles;

/// <summary>
/// A named set of prices. A price for a specific platform overrides the "*" price of the same
/// (kind, layer), so a profile states what is common once and only the platform differences again.
/// </summary>
public sealed class CostProfile
{
    private readonly Dictionary<PriceKey, Price> _byKey = new();

    /// <summary>Builds a profile; two prices for the same (kind, layer, platform) are an error.</summary>
    public CostProfile(string name, string description, IEnumerable<Price> prices)
    {
        Name = name;
        Description = description;
        var list = new List<Price>();
        foreach (Price price in prices)
        {
            if (!Platforms.IsValidForPrice(price.Key.Platform))
            {
                throw new ModelInputException($"profile '{name}': {price.Key}: unknown platform (expected {Platforms.Expected})");
            }
            if (!double.IsFinite(price.Ns) || price.Ns < 0)
            {
                throw new ModelInputException($"profile '{name}': {price.Key}: ns must be a finite number >= 0, not {price.Ns}");
            }
            if (!_byKey.TryAdd(price.Key, price))
            {
                throw new ModelInputException($"profile '{name}': {price.Key} is priced twice");
            }
            list.Add(price);
        }
        Prices = list;
    }

    public string Name { get; }

    public string Description { get; }

    /// <summary>The prices in the order they were given (the file's order).</summary>
    public IReadOnlyList<Price> Prices { get; }

    /// <summary>The price of an event on a concrete platform: the platform's own, else the "*" one, else null.</summary>
    public Price? Find(EventKind kind, Layer layer, string platform) => Find(kind, layer, platform, null);

    /// <summary>
    /// The price of one subkind of an event (a hypercall by name) on a concrete platform: the
    /// subkind's own price (the platform's, else "*"), else the whole kind's (the platform's, else
    /// "*"), else null. What a subkind is named for decides its cost before where it runs does.
    /// </summary>
    public Price? Find(EventKind kind, Layer layer, string platform, string? subkind)
    {
        if (subkind is not null)
        {
            if (_byKey.TryGetValue(new PriceKey(kind, layer, platform, subkind), out Price? ownSub))
            {
                return ownSub;
            }
            if (_byKey.TryGetValue(new PriceKey(kind, layer, Platforms.Any, subkind), out Price? commonSub))
            {
                return commonSub;
            }
        }
        if (_byKey.TryGetValue(new PriceKey(kind, layer, platform), out Price? own))
        {
            return own;
        }
        return _byKey.TryGetValue(new PriceKey(kind, layer, Platforms.Any), out Price? common) ? common : null;
    }

    /// <summary>The price stored under exactly this key (no "*" fallback).</summary>
    public Price? FindExact(PriceKey key) => _byKey.TryGetValue(key, out Price? price) ? price : null;

    /// <summary>
    /// The price that applies to a key: for a concrete platform as <see cref="Find(EventKind, Layer, string, string?)"/>; for "*" only a
    /// "*" price, since no single platform's price stands for all of them.
    /// </summary>
    public Price? Resolve(PriceKey key) => key.Platform == Platforms.Any
        ? FindExact(key) ?? (key.Subkind is null ? null : FindExact(key.WholeKind))
        : Find(key.Kind, key.Layer, key.Platform, key.Subkind);
}

using System.Text.Json.Nodes;
using HvSim.Models.Pricing;
using HvSim.Models.Profiles;

namespace HvSim.Models.Runs;

/// <summary>
/// Writes re-priced runs back in the shape they came in, every field kept, with simulated_ns set
/// (whole nanoseconds, as the simulator's own field), the profile's name, and "unpriced" — the
/// (kind, layer, count) the profile could not price — when there are any.
/// </summary>
public static class RunJsonWriter
{
    public static string Write(RunFile file, IReadOnlyList<PricingResult> prices, CostProfile profile)
    {
        if (prices.Count != file.Runs.Count)
        {
            throw new ArgumentException("one pricing result per run", nameof(prices));
        }
        var objects = new List<JsonObject>();
        for (int i = 0; i < file.Runs.Count; i++)
        {
            objects.Add(Priced(file.Runs[i].Json, prices[i], profile));
        }
        return file.Shape switch
        {
            RunFileShape.Object => objects[0].ToJsonString(),
            RunFileShape.Array => new JsonArray(objects.ToArray<JsonNode?>()).ToJsonString(),
            _ => string.Join("\n", objects.Select(o => o.ToJsonString())),
        };
    }

    private static JsonObject Priced(JsonObject original, PricingResult price, CostProfile profile)
    {
        var run = (JsonObject)original.DeepClone();
        run["simulated_ns"] = (long)Math.Round(price.TotalNs, MidpointRounding.AwayFromZero);
        run["cost_profile"] = profile.Name;
        run.Remove("unpriced");
        if (!price.IsComplete)
        {
            var unpriced = new JsonArray();
            foreach (EventCount count in price.Unpriced)
            {
                var entry = new JsonObject
                {
                    ["kind"] = count.Kind.ToString(),
                    ["layer"] = LayerNames.Name(count.Layer),
                    ["count"] = count.Count,
                };
                if (count.Subkind is not null)
                {
                    entry["subkind"] = count.Subkind;
                }
                unpriced.Add(entry);
            }
            run["unpriced"] = unpriced;
        }
        return run;
    }
}

using HvSim.Core;
using System.Text;
using System.Text.Json;

namespace HvSim.Validation.Sweeps;

/// <summary>
/// One point's result as a line of a shard's results file (JSON lines): the point (id, index,
/// command, inputs), whether its run passed its checks, the run priced under each of the spec's
/// profiles, and the run's report as the command's --json prints it. Nothing in it depends on
/// where or when it ran, so shards merge into the bytes of an unsharded run.
/// </summary>
public static class SweepResult
{
    /// <param name="report">The run report, one JSON object (the command's --json for the one run).</param>
    /// <param name="prices">Simulated nanoseconds per profile, in the spec's order; null where a count has no price.</param>
    public static string Line(SweepPoint point, bool ok, string? failure, IReadOnlyList<(string Profile, long? Ns)> prices, string report)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", point.Id);
            json.WriteNumber("index", point.Index);
            json.WriteString("command", point.Command);
            json.WriteStartObject("inputs");
            foreach (SweepInput input in point.Inputs)
            {
                json.WriteString(input.Option, input.Value);
            }
            json.WriteEndObject();
            json.WriteBoolean("ok", ok);
            json.WriteStringOrNull("failure", failure);
            json.WriteStartObject("simulated_ns");
            foreach ((string profile, long? ns) in prices)
            {
                json.WriteNumberOrNull(profile, ns);
            }
            json.WriteEndObject();
            json.WritePropertyName("report");
            using (JsonDocument parsed = JsonDocument.Parse(report))
            {
                parsed.RootElement.WriteTo(json);
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The id of a results line, or null when the line is not a complete result (a shard killed mid-write).</summary>
    public static string? Id(string line)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.String
                && document.RootElement.TryGetProperty("report", out _)
                ? id.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

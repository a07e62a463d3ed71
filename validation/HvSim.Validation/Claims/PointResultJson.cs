using System.Text;
using System.Text.Json;
using HvSim.Checkpoint;
using HvSim.Core;
using HvSim.Hypervisor;
using HvSim.Models.Profiles;

namespace HvSim.Validation.Claims;

/// <summary>A measurement that cannot be read back, with what is wrong (one line).</summary>
public sealed class PointResultFormatException(string message) : Exception(message);

/// <summary>
/// A measured point as JSON and back, exactly: the point (what ran), its counts per unit (doubles
/// written in their shortest round-trip form, so reading gives the same bits), the units, the
/// checks' verdict and Table 2's write counts. The form a sharded reproduction's results carry
/// (docs/sweeps.md), from which <see cref="ClaimMeasurements.From"/> evaluates as if it had run them.
/// </summary>
public static class PointResultJson
{
    public static string Write(PointResult result)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            BuildVersion.WriteJson(json);
            json.WritePropertyName("point");
            WritePoint(json, result.Point);
            json.WriteNumber("units", result.Units);
            json.WriteBoolean("ok", result.Ok);
            json.WriteStringOrNull("failure", result.Failure);
            json.WritePropertyName("per_unit");
            WriteVector(json, result.PerUnit);
            if (result.Writes is TransactionWrites writes)
            {
                json.WriteStartObject("writes");
                json.WriteNumber("transactions", writes.Transactions);
                json.WriteNumber("writes", writes.Writes);
                json.WriteNumber("written_bytes", writes.WrittenBytes);
                json.WriteNumber("pages", writes.Pages);
                json.WriteNumber("whole_pages", writes.WholePages);
                json.WriteNumber("fallbacks", writes.Fallbacks);
                json.WriteNumber("empty_transactions", writes.EmptyTransactions);
                json.WriteNumber("max_writes", writes.MaxWrites);
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("writes");
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads what <see cref="Write"/> wrote; <paramref name="where"/> prefixes an error.</summary>
    public static PointResult Read(JsonElement root, string where)
    {
        object point = ReadPoint(Property(root, "point", where), $"{where}: point");
        EventVector perUnit = ReadVector(Property(root, "per_unit", where), $"{where}: per_unit");
        long units = Long(root, "units", where);
        bool ok = Property(root, "ok", where).ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Bad(where, "ok is not true or false"),
        };
        JsonElement failure = Property(root, "failure", where);
        JsonElement writes = Property(root, "writes", where);
        return new PointResult(point, perUnit, units, ok, failure.ValueKind == JsonValueKind.String ? failure.GetString() : null)
        {
            Writes = writes.ValueKind == JsonValueKind.Object
                ? TransactionWrites.Of(Long(writes, "transactions", where), Long(writes, "writes", where), Long(writes, "written_bytes", where),
                    Long(writes, "pages", where), Long(writes, "whole_pages", where), Long(writes, "fallbacks", where),
                    Long(writes, "empty_transactions", where), Long(writes, "max_writes", where))
                : null,
        };
    }

    private static void WritePoint(Utf8JsonWriter json, object point)
    {
        json.WriteStartObject();
        switch (point)
        {
            case MicroPoint m:
                json.WriteString("kind", "micro");
                json.WriteString("technique", Techniques.Name(m.Technique));
                json.WriteString("platform", PlatformNames.Name(m.Platform));
                json.WriteNumber("cda_kib", m.CdaKib);
                json.WriteString("wpp", m.Wpp);
                json.WriteString("ppt", m.Ppt);
                break;
            case WorkloadPoint w:
                json.WriteString("kind", "workload");
                json.WriteString("structure", w.Structure);
                json.WriteString("operation", DataStructures.Name(w.Operation));
                json.WriteNumber("opt", w.Opt);
                json.WriteString("technique", Techniques.Name(w.Technique));
                if (w.Suite is WorkloadSuite suite)
                {
                    json.WriteString("suite", WorkloadSuites.Name(suite));
                }
                break;
            default:
                throw new ArgumentException($"not a measured point: {point}", nameof(point));
        }
        json.WriteEndObject();
    }

    private static object ReadPoint(JsonElement point, string where)
    {
        Technique technique = Techniques.TryParse(String(point, "technique", where), out Technique t) ? t : throw Bad(where, "unknown technique");
        switch (String(point, "kind", where))
        {
            case "micro":
                return new MicroPoint(technique,
                    PlatformNames.TryParse(String(point, "platform", where), out Platform platform) ? platform : throw Bad(where, "unknown platform"),
                    (int)Long(point, "cda_kib", where), String(point, "wpp", where), String(point, "ppt", where));
            case "workload":
                string structure = String(point, "structure", where);
                if (DataStructures.Find(structure) is null)
                {
                    throw Bad(where, $"unknown structure '{structure}'");
                }
                WorkloadSuite? suite = null;
                if (point.TryGetProperty("suite", out JsonElement suiteElement))
                {
                    suite = suiteElement.ValueKind == JsonValueKind.String && WorkloadSuites.TryParse(suiteElement.GetString()!, out WorkloadSuite s)
                        ? s
                        : throw Bad(where, "unknown suite");
                }
                return new WorkloadPoint(structure,
                    DataStructures.TryParse(String(point, "operation", where), out DsOperation operation) ? operation : throw Bad(where, "unknown operation"),
                    (int)Long(point, "opt", where), technique) { Suite = suite };
            default:
                throw Bad(where, "kind is neither micro nor workload");
        }
    }

    private static void WriteVector(Utf8JsonWriter json, EventVector vector)
    {
        json.WriteStartObject();
        json.WriteString("platform", vector.Platform);
        json.WriteStartArray("counts");
        foreach ((EventKind kind, Layer layer, double count) in vector.NonZero())
        {
            json.WriteStartObject();
            json.WriteString("kind", kind.ToString());
            json.WriteString("layer", LayerNames.Name(layer));
            json.WriteNumber("count", count);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("parts");
        foreach ((EventKind kind, Layer layer, string subkind, double count) in vector.Parts())
        {
            json.WriteStartObject();
            json.WriteString("kind", kind.ToString());
            json.WriteString("layer", LayerNames.Name(layer));
            json.WriteString("subkind", subkind);
            json.WriteNumber("count", count);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static EventVector ReadVector(JsonElement element, string where)
    {
        var vector = new EventVector(String(element, "platform", where));
        foreach (JsonElement count in Array(element, "counts", where))
        {
            (EventKind kind, Layer layer) = KindAndLayer(count, where);
            vector[kind, layer] = Double(count, "count", where);
        }
        foreach (JsonElement part in Array(element, "parts", where))
        {
            (EventKind kind, Layer layer) = KindAndLayer(part, where);
            vector[kind, layer, String(part, "subkind", where)] = Double(part, "count", where);
        }
        return vector;
    }

    private static (EventKind, Layer) KindAndLayer(JsonElement element, string where) =>
        (EventKindNames.TryParse(String(element, "kind", where), out EventKind kind) ? kind : throw Bad(where, $"unknown event kind '{String(element, "kind", where)}'"),
         LayerNames.TryParse(String(element, "layer", where), out Layer layer) ? layer : throw Bad(where, $"unknown layer '{String(element, "layer", where)}'"));

    private static JsonElement Property(JsonElement element, string name, string where) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) ? value : throw Bad(where, $"'{name}' is missing");

    private static string String(JsonElement element, string name, string where) =>
        Property(element, name, where) is { ValueKind: JsonValueKind.String } value ? value.GetString()! : throw Bad(where, $"'{name}' is not a string");

    private static long Long(JsonElement element, string name, string where) =>
        Property(element, name, where) is { ValueKind: JsonValueKind.Number } number && number.TryGetInt64(out long value)
            ? value
            : throw Bad(where, $"'{name}' is not a whole number");

    private static double Double(JsonElement element, string name, string where) =>
        Property(element, name, where) is { ValueKind: JsonValueKind.Number } value ? value.GetDouble() : throw Bad(where, $"'{name}' is not a number");

    private static JsonElement.ArrayEnumerator Array(JsonElement element, string name, string where) =>
        Property(element, name, where) is { ValueKind: JsonValueKind.Array } value ? value.EnumerateArray() : throw Bad(where, $"'{name}' is not an array");

    private static PointResultFormatException Bad(string where, string what) => new($"{where}: {what}");
}

using System.Text.Json;
using System.Text.Json.Nodes;

namespace HvSim.Models;

/// <summary>Typed reads of JSON fields that fail with a one-line message naming the field.</summary>
internal static class JsonFields
{
    public static string RequiredString(JsonObject obj, string field, string where) =>
        OptionalString(obj, field, where) ?? throw new ModelInputException($"{where}: missing string field '{field}'");

    public static string? OptionalString(JsonObject obj, string field, string where)
    {
        JsonNode? node = obj[field];
        if (node is null)
        {
            return null;
        }
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            return value.GetValue<string>();
        }
        throw new ModelInputException($"{where}: '{field}' must be a string, not {Describe(node)}");
    }

    public static double RequiredNumber(JsonObject obj, string field, string where)
    {
        JsonNode? node = obj[field];
        if (node is null)
        {
            throw new ModelInputException($"{where}: missing number field '{field}'");
        }
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number)
        {
            double number = value.GetValue<double>();
            if (double.IsFinite(number))
            {
                return number;
            }
        }
        throw new ModelInputException($"{where}: '{field}' must be a finite number, not {Describe(node)}");
    }

    /// <summary>A count: a whole number >= 0 (event counts are integers in runs' JSON).</summary>
    public static long Count(JsonNode? node, string where)
    {
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue(out long count) && count >= 0)
        {
            return count;
        }
        if (node is JsonValue number && number.GetValueKind() == JsonValueKind.Number)
        {
            double asDouble = number.GetValue<double>();
            if (asDouble >= 0 && asDouble == Math.Floor(asDouble) && asDouble <= long.MaxValue)
            {
                return (long)asDouble;
            }
        }
        throw new ModelInputException($"{where}: a count must be a whole number >= 0, not {Describe(node)}");
    }

    public static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        _ => node.ToJsonString(),
    };
}

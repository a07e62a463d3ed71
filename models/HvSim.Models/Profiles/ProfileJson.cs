using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HvSim.Core;

namespace HvSim.Models.Profiles;

/// <summary>
/// Reads and writes profiles as JSON: { "name", "description", "prices": [ { "kind", ["subkind",]
/// "layer", "platform", "ns", "provenance": { "basis", "source", "note", ["range": [low, high],]
/// ["determined": bool] } } ] }. Reading checks every field and names the first bad one (file,
/// prices[i], field), because a profile is edited by hand: a sourced price without a range, or a
/// price outside its own range, is refused.
/// </summary>
public static class ProfileJson
{
    public static CostProfile Load(string path)
    {
        string text = InputFile.ReadAllText(path, "profile ");
        return Parse(text, path);
    }

    /// <summary>Parses a profile; <paramref name="source"/> (a file name) prefixes every error message.</summary>
    public static CostProfile Parse(string text, string source)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ModelInputException($"profile {source}: not valid JSON: {OneLine(e.Message)}", e);
        }
        if (root is not JsonObject obj)
        {
            throw new ModelInputException($"profile {source}: expected a JSON object with name, description and prices");
        }
        string where = $"profile {source}";
        string name = JsonFields.RequiredString(obj, "name", where);
        string description = JsonFields.OptionalString(obj, "description", where) ?? "";
        if (obj["prices"] is not JsonArray prices)
        {
            throw new ModelInputException($"{where}: 'prices' must be an array of prices");
        }
        var list = new List<Price>();
        for (int i = 0; i < prices.Count; i++)
        {
            list.Add(ParsePrice(prices[i], $"{where}: prices[{i}]"));
        }
        try
        {
            return new CostProfile(name, description, list);
        }
        catch (ModelInputException e)
        {
            throw new ModelInputException($"{where}: {e.Message}", e);
        }
    }

    private static Price ParsePrice(JsonNode? node, string where)
    {
        if (node is not JsonObject price)
        {
            throw new ModelInputException($"{where}: expected an object with kind, layer, platform, ns and provenance");
        }
        string kindText = JsonFields.RequiredString(price, "kind", where);
        string? subkind = JsonFields.OptionalString(price, "subkind", where);
        string layer = JsonFields.RequiredString(price, "layer", where);
        string platform = JsonFields.RequiredString(price, "platform", where);
        (EventKind kind, string? dottedSubkind) = PriceKey.ParseKind(kindText, where);
        if (subkind is not null && (dottedSubkind is not null || !PriceKey.IsSubkindName(subkind)))
        {
            throw new ModelInputException($"{where}: subkind '{subkind}' must be a name of letters, digits, '_' or '-' beside a plain kind");
        }
        PriceKey key = PriceKey.Of(kind, subkind ?? dottedSubkind, layer, platform, where);
        double ns = JsonFields.RequiredNumber(price, "ns", where);
        if (ns < 0)
        {
            throw new ModelInputException($"{where} ({key}): ns must be >= 0, not {ns}");
        }
        if (price["provenance"] is not JsonObject provenance)
        {
            throw new ModelInputException($"{where} ({key}): 'provenance' must be an object with basis, source and note");
        }
        string provenanceWhere = $"{where} ({key}).provenance";
        string basisName = JsonFields.RequiredString(provenance, "basis", provenanceWhere);
        if (!Provenance.TryParseBasis(basisName, out ProvenanceBasis basis))
        {
            throw new ModelInputException($"{provenanceWhere}: basis '{basisName}' is not {Provenance.ExpectedBases}");
        }
        string source = JsonFields.RequiredString(provenance, "source", provenanceWhere);
        if (source.Trim().Length == 0)
        {
            throw new ModelInputException($"{provenanceWhere}: source is empty (say where the figure comes from)");
        }
        string note = JsonFields.OptionalString(provenance, "note", provenanceWhere) ?? "";
        PriceRange? range = ParseRange(provenance["range"], provenanceWhere);
        if (basis == ProvenanceBasis.Sourced && range is null)
        {
            throw new ModelInputException($"{provenanceWhere}: a sourced price needs a range [low, high] (what its source supports)");
        }
        if (range is PriceRange r && !r.Contains(ns))
        {
            throw new ModelInputException($"{where} ({key}): ns {PriceKey.FormatNs(ns)} lies outside its own range {r}");
        }
        bool? determined = null;
        if (provenance["determined"] is JsonNode determinedNode)
        {
            if (determinedNode is not JsonValue v || !v.TryGetValue(out bool d))
            {
                throw new ModelInputException($"{provenanceWhere}: 'determined' must be true or false");
            }
            determined = d;
        }
        return new Price(key, ns, new Provenance(basis, source, note, range, determined));
    }

    private static PriceRange? ParseRange(JsonNode? node, string where)
    {
        if (node is null)
        {
            return null;
        }
        if (node is not JsonArray array || array.Count != 2
            || array[0] is not JsonValue lowNode || !lowNode.TryGetValue(out double low)
            || array[1] is not JsonValue highNode || !highNode.TryGetValue(out double high)
            || !double.IsFinite(low) || !double.IsFinite(high) || low < 0 || low > high)
        {
            throw new ModelInputException($"{where}: 'range' must be [low, high] with 0 <= low <= high");
        }
        return new PriceRange(low, high);
    }

    /// <summary>The profile as indented JSON, prices in the profile's order.</summary>
    public static string Serialize(CostProfile profile)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("name", profile.Name);
            json.WriteString("description", profile.Description);
            json.WriteStartArray("prices");
            foreach (Price price in profile.Prices)
            {
                json.WriteStartObject();
                json.WriteString("kind", price.Key.Kind.ToString());
                if (price.Key.Subkind is not null)
                {
                    json.WriteString("subkind", price.Key.Subkind);
                }
                json.WriteString("layer", LayerNames.Name(price.Key.Layer));
                json.WriteString("platform", price.Key.Platform);
                json.WriteNumber("ns", price.Ns);
                json.WriteStartObject("provenance");
                json.WriteString("basis", Provenance.BasisName(price.Provenance.Basis));
                json.WriteString("source", price.Provenance.Source);
                json.WriteString("note", price.Provenance.Note);
                if (price.Provenance.Range is PriceRange range)
                {
                    json.WriteStartArray("range");
                    json.WriteNumberValue(range.Low);
                    json.WriteNumberValue(range.High);
                    json.WriteEndArray();
                }
                if (price.Provenance.Determined is bool determined)
                {
                    json.WriteBoolean("determined", determined);
                }
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    public static void Save(CostProfile profile, string path)
    {
        try
        {
            File.WriteAllText(path, Serialize(profile));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelInputException($"cannot write profile {path}: {e.Message}", e);
        }
    }

    internal static string OneLine(string message) => message.ReplaceLineEndings(" ");
}

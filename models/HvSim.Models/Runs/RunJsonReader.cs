using System.Text.Json;
using System.Text.Json.Nodes;
using HvSim.Core;
using HvSim.Models.Pricing;
using HvSim.Models.Profiles;

namespace HvSim.Models.Runs;

/// <summary>
/// Reads runs' JSON (sim/Cli/RunReport.cs): a file with one run object, an array of them, or one
/// object per line. Only technique, platform and events_by_layer are needed to re-price; they are
/// checked strictly (an unknown kind or layer is an error, not a skipped count), because a count
/// that is dropped would make the simulated time silently smaller.
/// </summary>
public static class RunJsonReader
{
    public static RunFile Load(string path)
    {
        string text = InputFile.ReadAllText(path);
        return Parse(text, path);
    }

    /// <summary>Parses runs; <paramref name="source"/> (a file name) prefixes every error message.</summary>
    public static RunFile Parse(string text, string source)
    {
        if (text.Trim().Length == 0)
        {
            throw new ModelInputException($"{source}: empty (expected a run object, an array of runs or one run per line)");
        }
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text);
        }
        catch (JsonException whole)
        {
            return TryLines(text, source) ?? throw new ModelInputException($"{source}: not valid JSON: {ProfileJson.OneLine(whole.Message)}", whole);
        }
        return root switch
        {
            JsonObject run => new RunFile(RunFileShape.Object, [ReadRun(run, 1, $"{source}: run 1")]),
            JsonArray runs => new RunFile(RunFileShape.Array, ReadArray(runs, source)),
            _ => throw new ModelInputException($"{source}: expected a run object or an array of runs, not {JsonFields.Describe(root)}"),
        };
    }

    private static List<RunRecord> ReadArray(JsonArray runs, string source)
    {
        if (runs.Count == 0)
        {
            throw new ModelInputException($"{source}: the array holds no runs");
        }
        var list = new List<RunRecord>();
        for (int i = 0; i < runs.Count; i++)
        {
            if (runs[i] is not JsonObject run)
            {
                throw new ModelInputException($"{source}: run {i + 1}: expected an object, not {JsonFields.Describe(runs[i])}");
            }
            list.Add(ReadRun(run, i + 1, $"{source}: run {i + 1}"));
        }
        return list;
    }

    /// <summary>
    /// JSON lines: taken only when the first non-blank line is a complete object by itself, so that
    /// a broken pretty-printed object reports its own syntax error rather than one about line 1.
    /// </summary>
    private static RunFile? TryLines(string text, string source)
    {
        string[] lines = text.Split('\n');
        var runs = new List<RunRecord>();
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(line);
            }
            catch (JsonException e)
            {
                if (runs.Count == 0)
                {
                    return null;
                }
                throw new ModelInputException($"{source}: line {i + 1}: not valid JSON: {ProfileJson.OneLine(e.Message)}", e);
            }
            if (node is not JsonObject run)
            {
                if (runs.Count == 0)
                {
                    return null;
                }
                throw new ModelInputException($"{source}: line {i + 1}: expected a run object, not {JsonFields.Describe(node)}");
            }
            runs.Add(ReadRun(run, runs.Count + 1, $"{source}: line {i + 1} (run {runs.Count + 1})"));
        }
        return runs.Count < 2 ? null : new RunFile(RunFileShape.Lines, runs);
    }

    private static RunRecord ReadRun(JsonObject run, int number, string where)
    {
        string technique = JsonFields.RequiredString(run, "technique", where);
        string platform = JsonFields.RequiredString(run, "platform", where);
        if (!Platforms.IsConcrete(platform))
        {
            throw new ModelInputException($"{where}: unknown platform '{platform}' (expected {string.Join(", ", Platforms.Concrete)})");
        }
        if (run["events_by_layer"] is not JsonObject byLayer)
        {
            throw new ModelInputException($"{where}: 'events_by_layer' must be an object {{user|kernel|hypervisor: {{Kind: count}}}}");
        }
        var counts = new List<EventCount>();
        foreach ((string layerName, JsonNode? kinds) in byLayer)
        {
            if (!LayerNames.TryParse(layerName, out Layer layer))
            {
                throw new ModelInputException($"{where}: events_by_layer: unknown layer '{layerName}' (expected {LayerNames.Expected})");
            }
            if (kinds is not JsonObject kindCounts)
            {
                throw new ModelInputException($"{where}: events_by_layer.{layerName} must be an object {{Kind: count}}");
            }
            foreach ((string kindName, JsonNode? value) in kindCounts)
            {
                string field = $"{where}: events_by_layer.{layerName}.{kindName}";
                if (!EventKindNames.TryParse(kindName, out EventKind kind))
                {
                    throw new ModelInputException($"{field}: unknown event kind (known: {EventKindNames.Expected})");
                }
                counts.Add(new EventCount(kind, layer, JsonFields.Count(value, field)));
            }
        }
        // Hypercalls by name (optional; older runs lack it): parts of Hypercall@kernel, priced by name.
        if (run["hypercalls"] is JsonObject hypercalls)
        {
            foreach ((string name, JsonNode? value) in hypercalls)
            {
                string field = $"{where}: hypercalls.{name}";
                if (!PriceKey.IsSubkindName(name))
                {
                    throw new ModelInputException($"{field}: a hypercall's name must be letters, digits, '_' or '-'");
                }
                counts.Add(new EventCount(EventKind.Hypercall, Layer.Kernel, JsonFields.Count(value, field), name));
            }
        }
        else if (run["hypercalls"] is not null)
        {
            throw new ModelInputException($"{where}: 'hypercalls' must be an object {{name: count}}");
        }
        // VM exits by reason (optional; hvm runs): parts of VmExit@hypervisor, priced by reason.
        if (run["vm_exits"] is JsonObject exits)
        {
            foreach ((string reason, JsonNode? value) in exits)
            {
                string field = $"{where}: vm_exits.{reason}";
                if (!PriceKey.IsSubkindName(reason))
                {
                    throw new ModelInputException($"{field}: an exit reason must be letters, digits, '_' or '-'");
                }
                counts.Add(new EventCount(EventKind.VmExit, Layer.Hypervisor, JsonFields.Count(value, field), reason));
            }
        }
        else if (run["vm_exits"] is not null)
        {
            throw new ModelInputException($"{where}: 'vm_exits' must be an object {{reason: count}}");
        }
        return new RunRecord(number, technique, platform, counts, run);
    }
}

using System.Text;
using System.Text.Json;
using HvSim.Validation.Reproduce;

namespace HvSim.Validation.Sweeps;

/// <summary>
/// Merges the shards' results files of one sweep (from one or more directories) into the table an
/// unsharded run gives: every point present exactly once, in the spec's order, as JSON and CSV.
/// </summary>
public sealed class SweepMerge
{
    private SweepMerge(SweepSpec spec, IReadOnlyList<string> lines)
    {
        Spec = spec;
        Lines = lines;
    }

    public SweepSpec Spec { get; }

    /// <summary>One results line per point, in the spec's order.</summary>
    public IReadOnlyList<string> Lines { get; }

    /// <param name="pointsOf">The spec's points (its axes' product, or a reproduce sweep's runs).</param>
    public static SweepMerge Read(IReadOnlyList<string> directories, Func<SweepSpec, IReadOnlyList<SweepPoint>> pointsOf)
    {
        SweepSpec? spec = null;
        var found = new Dictionary<string, (string Line, string File)>(StringComparer.Ordinal);
        var duplicated = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string directory in directories)
        {
            string specPath = Path.Combine(directory, SweepShardFile.SpecFileName);
            if (!File.Exists(specPath))
            {
                throw new SweepSpecException($"{directory}: no {SweepShardFile.SpecFileName} (not a sweep's output directory)");
            }
            SweepSpec here = SweepSpec.Parse(File.ReadAllText(specPath), specPath);
            if (spec is not null && here.Canonical != spec.Canonical)
            {
                throw new SweepSpecException($"{directory}: the results of another sweep ({SweepShardFile.SpecFileName} differs from the first directory's)");
            }
            spec ??= here;
            foreach (string file in Directory.EnumerateFiles(directory, "shard-*" + SweepShardFile.Extension).Order(StringComparer.Ordinal))
            {
                foreach (string line in File.ReadAllLines(file))
                {
                    string id = SweepResult.Id(line) ?? throw new SweepSpecException($"{file}: a line that is not a point's result");
                    if (!found.TryAdd(id, (line, file)))
                    {
                        duplicated.Add($"{id} ({found[id].File} and {file})");
                    }
                }
            }
        }
        if (spec is null)
        {
            throw new SweepSpecException("no directory to merge");
        }
        if (duplicated.Count > 0)
        {
            throw new SweepSpecException($"{duplicated.Count} point(s) present twice: {string.Join(", ", duplicated.Take(5))}{(duplicated.Count > 5 ? ", …" : "")}");
        }
        IReadOnlyList<SweepPoint> points = pointsOf(spec);
        string[] missing = points.Where(p => !found.ContainsKey(p.Id)).Select(p => $"{p.Id} (#{p.Index})").ToArray();
        if (missing.Length > 0)
        {
            throw new SweepSpecException($"{missing.Length} of {points.Count} point(s) missing (a shard not run or not finished?): {string.Join(", ", missing.Take(5))}{(missing.Length > 5 ? ", …" : "")}");
        }
        var known = points.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        string? stranger = found.Keys.Order(StringComparer.Ordinal).FirstOrDefault(id => !known.Contains(id));
        if (stranger is not null)
        {
            throw new SweepSpecException($"point {stranger} ({found[stranger].File}) is not a point of the spec");
        }
        return new SweepMerge(spec, points.Select(p => found[p.Id].Line).ToArray());
    }

    /// <summary>The results as one JSON array, one point per line.</summary>
    public string Json() => "[\n" + string.Join(",\n", Lines) + "\n]\n";

    /// <summary>
    /// The results as CSV: the point (id, then every option its points set), whether it passed, its
    /// simulated time under each profile ("simulated_ns:PROFILE"), then every scalar field of the run
    /// report that is not an input already (nested counts stay in the JSON).
    /// </summary>
    public string Csv()
    {
        var options = new List<string>();
        var reportFields = new List<string>();
        var rows = new List<JsonDocument>();
        try
        {
            foreach (string line in Lines)
            {
                JsonDocument document = JsonDocument.Parse(line);
                rows.Add(document);
                // The points' options in the order they first appear: the spec's fixed then its axes (a reproduce sweep's: each run's).
                foreach (JsonProperty input in document.RootElement.GetProperty("inputs").EnumerateObject())
                {
                    if (!options.Contains(input.Name))
                    {
                        options.Add(input.Name);
                    }
                }
                foreach (JsonProperty field in document.RootElement.GetProperty("report").EnumerateObject())
                {
                    // A field that repeats an input (the report's "cda_kib" is the input "cda-kib") is the input's column.
                    bool input = options.Any(o => o.Replace('-', '_') == field.Name) || field.Name == "ok";
                    if (field.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array) && !input && !reportFields.Contains(field.Name))
                    {
                        reportFields.Add(field.Name);
                    }
                }
            }
            // A reproduce sweep's points are priced at merge, in its reproduction: no per-point column.
            IReadOnlyList<string> profiles = Spec.Command == ReproduceSweep.Command ? [] : Spec.Profiles;
            var text = new StringBuilder();
            text.Append(Reproduce.Csv.Line([
                "id", .. options, "ok", .. profiles.Select(p => "simulated_ns:" + p), .. reportFields]));
            foreach (JsonDocument row in rows)
            {
                JsonElement root = row.RootElement;
                JsonElement inputs = root.GetProperty("inputs");
                JsonElement prices = root.GetProperty("simulated_ns");
                JsonElement report = root.GetProperty("report");
                text.Append(Reproduce.Csv.Line([
                    root.GetProperty("id").GetString()!,
                    .. options.Select(o => inputs.TryGetProperty(o, out JsonElement v) ? Reproduce.Csv.Field(v.GetString()!) : ""),
                    root.GetProperty("ok").GetBoolean() ? "true" : "false",
                    .. profiles.Select(p => prices.TryGetProperty(p, out JsonElement v) ? Scalar(v) : ""),
                    .. reportFields.Select(f => report.TryGetProperty(f, out JsonElement v) ? Scalar(v) : ""),
                ]));
            }
            return text.ToString();
        }
        finally
        {
            foreach (JsonDocument row in rows)
            {
                row.Dispose();
            }
        }
    }

    private static string Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => Reproduce.Csv.Field(value.GetString()!),
        JsonValueKind.Null => "",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.GetRawText(),
    };
}

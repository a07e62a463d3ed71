using System.Text;
using System.Text.Json;

namespace HvSim.Validation.Sweeps;

/// <summary>A sweep specification that cannot be used, with what is wrong (one line, naming the field).</summary>
public sealed class SweepSpecException(string message) : Exception(message);

/// <summary>One option of a point: its name as the command takes it (without the dashes) and its value.</summary>
public readonly record struct SweepInput(string Option, string Value);

/// <summary>
/// A design-space sweep (docs/sweeps.md): the command every point runs (micro or workload), the
/// options every point shares, the axes whose cartesian product makes the points, and the cost
/// profiles that price every run. Or the paper's evaluation ("reproduce": its options fixed, no
/// axes; the points are its runs, <see cref="ReproduceSweep"/>). Read from JSON; <see cref="Canonical"/> is the same spec
/// written back in one fixed form, which every shard stores and merge compares.
/// </summary>
public sealed class SweepSpec
{
    /// <summary>The commands a sweep may run.</summary>
    public static readonly IReadOnlyList<string> Commands = ["micro", "workload", ReproduceSweep.Command];

    private SweepSpec(string name, string command, IReadOnlyList<SweepInput> fixedInputs, IReadOnlyList<(string Option, IReadOnlyList<string> Values)> axes, IReadOnlyList<string> profiles)
    {
        Name = name;
        Command = command;
        Fixed = fixedInputs;
        Axes = axes;
        Profiles = profiles;
        Canonical = Write();
    }

    public string Name { get; }

    public string Command { get; }

    /// <summary>Options every point takes, in the spec's order.</summary>
    public IReadOnlyList<SweepInput> Fixed { get; }

    /// <summary>The axes, in the spec's order: the last varies fastest.</summary>
    public IReadOnlyList<(string Option, IReadOnlyList<string> Values)> Axes { get; }

    /// <summary>The profiles every run is priced under (the first also prices the run report).</summary>
    public IReadOnlyList<string> Profiles { get; }

    /// <summary>The spec in one fixed form (indented JSON, the spec's order), ending in a newline.</summary>
    public string Canonical { get; }

    /// <summary>The number of points of the axes' product (1 for reproduce, whose points are its runs).</summary>
    public long PointCount => Axes.Aggregate(1L, (n, axis) => n * axis.Values.Count);

    /// <summary>The most points a spec may have (the plan holds them all in memory).</summary>
    public const long MaxPoints = 1_000_000;

    public static SweepSpec Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new SweepSpecException($"{path}: no such file");
        }
        return Parse(File.ReadAllText(path), path);
    }

    public static SweepSpec Parse(string text, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new SweepSpecException($"{source}: not valid JSON ({e.Message})");
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new SweepSpecException($"{source}: a sweep spec is a JSON object");
            }
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (property.Name is not ("name" or "command" or "fixed" or "axes" or "profiles"))
                {
                    throw new SweepSpecException($"{source}: unknown field '{property.Name}' (expected name, command, fixed, axes, profiles)");
                }
            }
            string name = String(root, "name", source) ?? Path.GetFileNameWithoutExtension(source);
            string command = String(root, "command", source) ?? throw new SweepSpecException($"{source}: 'command' is missing (micro or workload)");
            if (!Commands.Contains(command))
            {
                throw new SweepSpecException($"{source}: command '{command}': expected micro, workload or reproduce");
            }
            bool reproduce = command == ReproduceSweep.Command;
            var fixedInputs = new List<SweepInput>();
            if (root.TryGetProperty("fixed", out JsonElement fixedElement))
            {
                foreach (JsonProperty option in Object(fixedElement, "fixed", source).EnumerateObject())
                {
                    fixedInputs.Add(new SweepInput(OptionName(option.Name, source), Scalar(option.Value, $"fixed.{option.Name}", source)));
                }
            }
            var axes = new List<(string, IReadOnlyList<string>)>();
            bool hasAxes = root.TryGetProperty("axes", out JsonElement axesElement);
            if (!hasAxes && !reproduce)
            {
                throw new SweepSpecException($"{source}: 'axes' is missing (an object of option: [values])");
            }
            IEnumerable<JsonProperty> axisElements = hasAxes ? Object(axesElement, "axes", source).EnumerateObject() : [];
            if (reproduce && axisElements.Any())
            {
                throw new SweepSpecException($"{source}: a reproduce sweep has no axes (its points are the evaluation's runs); its options go in 'fixed'");
            }
            foreach (JsonProperty axis in axisElements)
            {
                if (axis.Value.ValueKind != JsonValueKind.Array || axis.Value.GetArrayLength() == 0)
                {
                    throw new SweepSpecException($"{source}: axes.{axis.Name}: expected a non-empty array of values");
                }
                string[] values = axis.Value.EnumerateArray().Select((v, i) => Scalar(v, $"axes.{axis.Name}[{i}]", source)).ToArray();
                if (values.Distinct(StringComparer.Ordinal).Count() != values.Length)
                {
                    throw new SweepSpecException($"{source}: axes.{axis.Name}: a value is listed twice");
                }
                axes.Add((OptionName(axis.Name, source), values));
            }
            string[] options = [.. fixedInputs.Select(f => f.Option), .. axes.Select(a => a.Item1)];
            string? repeated = options.GroupBy(o => o).FirstOrDefault(g => g.Count() > 1)?.Key;
            if (repeated is not null)
            {
                throw new SweepSpecException($"{source}: option '{repeated}' is given twice (in fixed and axes, or twice in one)");
            }
            string[] profiles = root.TryGetProperty("profiles", out JsonElement profilesElement)
                ? profilesElement.ValueKind == JsonValueKind.Array && profilesElement.GetArrayLength() > 0
                    ? profilesElement.EnumerateArray().Select((p, i) => p.ValueKind == JsonValueKind.String ? p.GetString()! : throw new SweepSpecException($"{source}: profiles[{i}]: expected a profile name or file")).ToArray()
                    : throw new SweepSpecException($"{source}: profiles: expected a non-empty array of profile names or files")
                : ["xen-4.1-pv"];
            if (reproduce && profiles.Length != 1)
            {
                throw new SweepSpecException($"{source}: profiles: a reproduce sweep is evaluated under one profile (merge again with another spec for another)");
            }
            var spec = new SweepSpec(name, command, fixedInputs, axes, profiles);
            if (spec.PointCount > MaxPoints)
            {
                throw new SweepSpecException($"{source}: {spec.PointCount} points; a spec may have at most {MaxPoints}");
            }
            return spec;
        }
    }

    private static string OptionName(string name, string source) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') && !name.StartsWith('-')
            ? name
            : throw new SweepSpecException($"{source}: '{name}' is not an option name (write them as the command takes them, without dashes: \"cda-kib\")");

    private static JsonElement Object(JsonElement element, string field, string source) => element.ValueKind == JsonValueKind.Object
        ? element
        : throw new SweepSpecException($"{source}: '{field}' must be an object");

    private static string? String(JsonElement root, string field, string source) => !root.TryGetProperty(field, out JsonElement value)
        ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString() : throw new SweepSpecException($"{source}: '{field}' must be a string");

    /// <summary>A value as the command line would carry it: a string as it is, a number as written, true or false for a flag.</summary>
    private static string Scalar(JsonElement value, string where, string source) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => throw new SweepSpecException($"{source}: {where}: expected a string, a number, true or false"),
    };

    private string Write()
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("name", Name);
            json.WriteString("command", Command);
            json.WriteStartObject("fixed");
            foreach (SweepInput input in Fixed)
            {
                json.WriteString(input.Option, input.Value);
            }
            json.WriteEndObject();
            json.WriteStartObject("axes");
            foreach ((string option, IReadOnlyList<string> values) in Axes)
            {
                json.WriteStartArray(option);
                foreach (string value in values)
                {
                    json.WriteStringValue(value);
                }
                json.WriteEndArray();
            }
            json.WriteEndObject();
            json.WriteStartArray("profiles");
            foreach (string profile in Profiles)
            {
                json.WriteStringValue(profile);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
    }
}

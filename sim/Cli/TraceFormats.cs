using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using HvSim.Core;
using HvSim.Hypervisor;

namespace HvSim.Cli;

/// <summary>The text table and the JSON form of a trace.</summary>
public static class TraceFormats
{
    /// <summary>A layer as the command line and JSON name it: user, kernel, hypervisor.</summary>
    public static string LayerName(Layer layer) => layer switch
    {
        Layer.User => "user",
        Layer.Kernel => "kernel",
        _ => "hypervisor",
    };

    /// <summary>The platform and the knobs that matter on it, e.g. "xen-pv (syscalls: compat, PTE updates: hypercall)".</summary>
    public static string DescribePlatform(PlatformOptions platform)
    {
        string name = PlatformNames.Name(platform.Platform);
        string syscalls = SyscallPathNames.Name(platform.SyscallPath);
        return platform.Platform switch
        {
            Platform.Native => name,
            Platform.XenPv => $"{name} (syscalls: {syscalls}, PTE updates: {(platform.PteUpdates == PteUpdateMode.Hypercall ? "hypercall" : "trapped-write")})",
            _ => $"{name} (syscalls: {syscalls}, shadow page tables)",
        };
    }

    /// <summary>
    /// A numbered, column-aligned table "step layer event detail", one row per step, then one
    /// summary line: steps per layer, the platform, and how the write ended.
    /// </summary>
    public static string Text(TraceRecording recording)
    {
        IReadOnlyList<TraceStep> steps = recording.Steps;
        int stepWidth = Math.Max("step".Length, steps.Count.ToString(CultureInfo.InvariantCulture).Length);
        int layerWidth = Math.Max("layer".Length, steps.Select(s => LayerName(s.Layer).Length).DefaultIfEmpty(0).Max());
        int eventWidth = Math.Max("event".Length, steps.Select(s => s.Kind.ToString().Length).DefaultIfEmpty(0).Max());

        var text = new StringBuilder();
        text.Append("step".PadLeft(stepWidth)).Append("  ")
            .Append("layer".PadRight(layerWidth)).Append("  ")
            .Append("event".PadRight(eventWidth)).Append("  ")
            .Append("detail").Append('\n');
        for (int i = 0; i < steps.Count; i++)
        {
            TraceStep step = steps[i];
            string row = (i + 1).ToString(CultureInfo.InvariantCulture).PadLeft(stepWidth) + "  " +
                LayerName(step.Layer).PadRight(layerWidth) + "  " +
                step.Kind.ToString().PadRight(eventWidth) + "  " +
                step.Detail;
            text.Append(row.TrimEnd()).Append('\n');
        }
        text.Append(Summary(recording)).Append('\n');
        return text.ToString();
    }

    /// <summary>One line: "24 steps (user 4, kernel 11, hypervisor 9) on xen-pv (...), technique pt: ...".</summary>
    public static string Summary(TraceRecording recording)
    {
        IReadOnlyList<TraceStep> steps = recording.Steps;
        string perLayer = string.Join(", ", Enum.GetValues<Layer>()
            .Where(layer => layer != Layer.Hypervisor || recording.Platform.Platform != Platform.Native)
            .Select(layer => $"{LayerName(layer)} {steps.Count(s => s.Layer == layer)}"));
        int faults = steps.Count(s => s.Kind == EventKind.PageFault && s.Layer == Layer.User);
        string outcome = recording.Technique == "pt"
            ? recording.GuestBehavedAsExpected
                ? $"the store faulted {Times(faults)} and then succeeded"
                : $"the guest did not complete the write (status {recording.ExitStatus})"
            : recording.ExitStatus == 139
                ? "no handler: the store killed the process (SIGSEGV, status 139)"
                : $"the guest ended with status {recording.ExitStatus}";
        return $"{steps.Count} steps ({perLayer}) on {DescribePlatform(recording.Platform)}, technique {recording.Technique}: {outcome}";
    }

    private static string Times(int n) => n switch
    {
        1 => "once",
        2 => "twice",
        _ => $"{n} times",
    };

    private static readonly JsonWriterOptions s_json = new()
    {
        Indented = true,
        // Keep "->" and quotes readable; the output is data, never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>{"platform": ..., "technique": ..., "steps": [{"layer", "event", "detail"}]} in path order.</summary>
    public static string Json(TraceRecording recording)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_json))
        {
            writer.WriteStartObject();
            writer.WriteString("platform", PlatformNames.Name(recording.Platform.Platform));
            writer.WriteString("technique", recording.Technique);
            writer.WriteStartArray("steps");
            foreach (TraceStep step in recording.Steps)
            {
                writer.WriteStartObject();
                writer.WriteString("layer", LayerName(step.Layer));
                writer.WriteString("event", step.Kind.ToString());
                writer.WriteString("detail", step.Detail);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}

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

    /// <summary>A lane as the text and JSON name it: cpu, user, kernel, hypervisor.</summary>
    public static string LaneName(Lane lane) => lane switch
    {
        Lane.Cpu => "cpu",
        Lane.User => "user",
        Lane.Kernel => "kernel",
        _ => "hypervisor",
    };

    /// <summary>Where the trace's terms (bounce frame, rt_sigframe, mmu_update, ...) are explained; the text's last line points there.</summary>
    public const string GlossaryPath = "docs/glossary.md";

    /// <summary>A step's detail: its template filled from its data, code addresses named from the guest's symbol table.</summary>
    public static string Detail(TraceRecording recording, TraceStep step) => TraceFields.Detail(step.Data, recording.Symbols);

    /// <summary>The platform and the knobs that matter on it, e.g. "xen-pv (syscalls: compat, PTE updates: hypercall)".</summary>
    public static string DescribePlatform(PlatformOptions platform)
    {
        string name = PlatformNames.Name(platform.Platform);
        string syscalls = SyscallPathNames.Name(platform.SyscallPath);
        return platform.Platform switch
        {
            Platform.Native => name,
            Platform.Hvm => $"{name} (VT-x with EPT)",
            Platform.XenPv => $"{name} (syscalls: {syscalls}, PTE updates: {(platform.PteUpdates == PteUpdateMode.Hypercall ? "hypercall" : "trapped-write")})",
            _ => $"{name} (syscalls: {syscalls}, shadow page tables)",
        };
    }

    /// <summary>
    /// A numbered, column-aligned table "step lane event detail", one row per step (the lane is
    /// who acted: the CPU for the exception it raises, else the layer), then one summary line
    /// (steps per lane, the platform, how the write ended) and a pointer to the glossary.
    /// </summary>
    public static string Text(TraceRecording recording)
    {
        IReadOnlyList<TraceStep> steps = recording.Steps;
        int stepWidth = Math.Max("step".Length, steps.Count.ToString(CultureInfo.InvariantCulture).Length);
        int laneWidth = Math.Max("lane".Length, steps.Select(s => LaneName(s.Lane).Length).DefaultIfEmpty(0).Max());
        int eventWidth = Math.Max("event".Length, steps.Select(s => s.Kind.ToString().Length).DefaultIfEmpty(0).Max());

        var text = new StringBuilder();
        text.Append("step".PadLeft(stepWidth)).Append("  ")
            .Append("lane".PadRight(laneWidth)).Append("  ")
            .Append("event".PadRight(eventWidth)).Append("  ")
            .Append("detail").Append('\n');
        for (int i = 0; i < steps.Count; i++)
        {
            TraceStep step = steps[i];
            string row = (i + 1).ToString(CultureInfo.InvariantCulture).PadLeft(stepWidth) + "  " +
                LaneName(step.Lane).PadRight(laneWidth) + "  " +
                step.Kind.ToString().PadRight(eventWidth) + "  " +
                Detail(recording, step);
            text.Append(row.TrimEnd()).Append('\n');
        }
        text.Append(Summary(recording)).Append('\n');
        text.Append("The terms (bounce frame, rt_sigframe, mmu_update, #PF error code, ...) are explained in ").Append(GlossaryPath).Append('\n');
        return text.ToString();
    }

    /// <summary>One line: "25 steps (cpu 1, user 3, kernel 13, hypervisor 8) on xen-pv (...), technique pt: ...".</summary>
    public static string Summary(TraceRecording recording)
    {
        IReadOnlyList<TraceStep> steps = recording.Steps;
        string perLane = string.Join(", ", Enum.GetValues<Lane>()
            .Where(lane => lane != Lane.Hypervisor || recording.Platform.Platform != Platform.Native)
            .Select(lane => $"{LaneName(lane)} {steps.Count(s => s.Lane == lane)}"));
        int faults = steps.Count(s => s.Kind == EventKind.PageFault && s.Layer == Layer.User);
        string outcome = recording.Technique == "pt"
            ? recording.GuestBehavedAsExpected
                ? $"the store faulted {Times(faults)} and then succeeded"
                : $"the guest did not complete the write (status {recording.ExitStatus})"
            : recording.ExitStatus == 139
                ? "no handler: the store killed the process (SIGSEGV, status 139)"
                : $"the guest ended with status {recording.ExitStatus}";
        return $"{steps.Count} steps ({perLane}) on {DescribePlatform(recording.Platform)}, technique {recording.Technique}: {outcome}";
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

    /// <summary>
    /// {"platform": ..., "technique": ..., "steps": [{"layer", "lane", "event", "detail", typed fields...}]}
    /// in path order: layer is who the ledger charges, lane who acted; the typed fields are
    /// <see cref="TraceFields"/>'s (docs/trace.md lists them).
    /// </summary>
    public static string Json(TraceRecording recording)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_json))
        {
            writer.WriteStartObject();
            HvSim.Core.BuildVersion.WriteJson(writer);
            writer.WriteString("platform", PlatformNames.Name(recording.Platform.Platform));
            writer.WriteString("technique", recording.Technique);
            writer.WriteStartArray("steps");
            foreach (TraceStep step in recording.Steps)
            {
                writer.WriteStartObject();
                writer.WriteString("layer", LayerName(step.Layer));
                writer.WriteString("lane", LaneName(step.Lane));
                writer.WriteString("event", step.Kind.ToString());
                writer.WriteString("detail", Detail(recording, step));
                TraceFields.WriteJson(writer, step.Data, recording.Symbols);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}

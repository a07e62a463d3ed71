using HvSim.Checkpoint;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;

namespace HvSim.Cli;

/// <summary>
/// hvsim trace: every step of one write to a write-protected page, in order — which layer did
/// it, which event it was and what the code did — as a table (text), JSON or a Mermaid sequence
/// diagram. The write is the bundled guest <c>trace</c>'s (guests/src/trace.c), run in process.
/// </summary>
public static class TraceCommand
{
    private const string Usage =
        "usage: hvsim trace --platform native|xen-pv|xen-shadow --technique pt|none|emul|ptxen|emulxen|scanxen [--format text|json|mermaid] " +
        "[--syscall-path compat|trap-gate|hypervisor] [--pte-updates hypercall|trapped-write] " + CpuOption.Usage + " " + GuestLimitOption.Usage + " [--verbose]";

    public static int Run(string[] args)
    {
        var options = new OptionReader(args);
        PlatformOptions platform = new();
        var limits = new KernelOptions();
        bool platformGiven = false;
        string? technique = null;
        string format = "text";
        bool verbose = false;
        for (string? option = options.NextOption(); option is not null; option = options.NextOption())
        {
            switch (option)
            {
                case "--platform":
                    platformGiven = true;
                    platform = PlatformOption.Apply(platform, option, options.Value(option));
                    break;
                case "--syscall-path":
                case "--pte-updates":
                    platform = PlatformOption.Apply(platform, option, options.Value(option));
                    break;
                case "--technique":
                    technique = options.Value(option);
                    if (!TraceRecorder.Techniques.Contains(technique))
                    {
                        throw new UsageException($"trace: --technique {technique}: expected one of {string.Join(' ', TraceRecorder.Techniques)}");
                    }
                    break;
                case "--format":
                    format = options.Value(option);
                    if (format is not ("text" or "json" or "mermaid"))
                    {
                        throw new UsageException($"trace: --format {format}: expected text, json or mermaid");
                    }
                    break;
                case "--verbose":
                    verbose = true;
                    break;
                case "--cpu":
                    limits = CpuOption.Apply(limits, options.Value(option));
                    break;
                case "--guest-ram":
                case "--max-instructions":
                case "--max-seconds":
                    limits = GuestLimitOption.Apply(limits, option, options);
                    break;
                case "--help":
                    Console.Out.WriteLine(Usage);
                    return 0;
                default:
                    throw new UsageException($"trace: unknown option {option} ({Usage})");
            }
        }
        if (options.Rest().Length > 0)
        {
            throw new UsageException($"trace: unexpected argument '{options.Rest()[0]}' ({Usage})");
        }
        if (!platformGiven)
        {
            throw new UsageException("trace: which platform? --platform native, xen-pv or xen-shadow");
        }
        PlatformOption.CheckRelevant(platform, options);
        if (technique is null)
        {
            throw new UsageException("trace: which technique? --technique pt, none, emul, ptxen, emulxen or scanxen");
        }

        TechniqueOption.CheckSupported(TechniqueOption.Parse(technique), platform.Platform);
        TraceRecording recording = TraceRecorder.Record(platform, technique, limits);
        if (recording.Outcome != RunOutcome.Exited)
        {
            RunEnd end = recording.Outcome == RunOutcome.TimeLimit ? RunEnd.TimeLimit : RunEnd.InstructionLimit;
            return Program.Fail($"trace: {GuestLimitOption.Describe(end, limits, recording.Instructions, recording.Rip)}", GuestLimitOption.Status(end)!.Value);
        }
        if (verbose)
        {
            Console.Error.Write(recording.GuestStdout);
            Console.Error.Write(recording.GuestStderr);
            if (recording.FatalReport is not null)
            {
                Console.Error.WriteLine(recording.FatalReport);
            }
        }
        string output = format switch
        {
            "json" => TraceFormats.Json(recording),
            "mermaid" => TraceMermaid.Diagram(recording),
            _ => TraceFormats.Text(recording),
        };
        Console.Out.Write(output);
        if (!recording.GuestBehavedAsExpected)
        {
            return Program.Fail(
                $"trace: the guest did not behave as technique {technique} must (status {recording.ExitStatus}, {recording.MarkersPassed} marker(s) passed)", 1);
        }
        return 0;
    }
}

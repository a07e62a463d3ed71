using System.CommandLine;
using HvSim.Checkpoint;
using HvSim.Cli.CommandLine;
using HvSim.Cpu;
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
    public static Command Create()
    {
        var platform = new PlatformOption(required: true);
        CliOption<Technique> technique = TechniqueOption.Create(Technique.None, required: true);
        CliOption<string> format = CliOptions.Value("--format", "text|json|mermaid",
            "text (a table), json (one object per step, for tools) or mermaid (a sequence diagram)",
            text => text is "text" or "json" or "mermaid" ? text : throw new UsageException($"trace: --format {text}: expected text, json or mermaid"),
            "text", "text");
        Option<bool> json = CliOptions.Flag("--json", "the same as --format json");
        Option<bool> verbose = CliOptions.Flag("--verbose", "also the guest's own output, on stderr");
        CliOption<CpuIdentity> cpu = CpuOption.Create(CpuIdentity.Paper);
        CliOption<bool> jit = JitOption.Create();
        GuestLimitOption.Group limits = GuestLimitOption.Create();
        var command = new Command("trace",
            "one store to a write-protected page, step by step through user space, guest kernel and hypervisor: which layer did what, and each event (the paper's Figure 3)")
        {
            platform, technique, format, json, verbose, cpu, jit, limits,
        };
        command.SetAction(result =>
        {
            if (result.GetValue(json) && format.Given(result) && format.Read(result) != "json")
            {
                throw new UsageException($"trace: --json and --format {format.Read(result)} disagree (--json is --format json)");
            }
            return Run(platform.Read(result), Techniques.Name(technique.Read(result)), result.GetValue(json) ? "json" : format.Read(result),
                result.GetValue(verbose), limits.Apply(new KernelOptions { Cpu = cpu.Read(result), Jit = jit.Read(result), JitInBackground = true }, result));
        });
        return command;
    }

    private static int Run(PlatformOptions platform, string technique, string format, bool verbose, KernelOptions limits)
    {
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

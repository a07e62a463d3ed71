using HvSim.Core;
using HvSim.GuestOs.Elf;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;

namespace HvSim.Cli;

/// <summary>
/// What one traced write did: the steps between the guest's two markers, and how the guest ended
/// (or where a limit stopped it); <see cref="Symbols"/> names the guest's code addresses when rendered.
/// </summary>
public sealed record TraceRecording(
    PlatformOptions Platform,
    string Technique,
    IReadOnlyList<TraceStep> Steps,
    int ExitStatus,
    string? FatalReport,
    int MarkersPassed,
    string GuestStdout,
    string GuestStderr,
    RunOutcome Outcome = RunOutcome.Exited,
    long Instructions = 0,
    ulong Rip = 0,
    ElfSymbolizer? Symbols = null)
{
    /// <summary>The guest did what the technique says it must: none dies of SIGSEGV at the write; every other exits 0 past both markers.</summary>
    public bool GuestBehavedAsExpected => Technique == "none"
        ? ExitStatus == 128 + 11 && MarkersPassed == 1
        : ExitStatus == 0 && MarkersPassed == 2;
}

/// <summary>
/// Runs the bundled guest <c>trace</c> in process and records every step of its one write to a
/// write-protected page: the guest passes a marker (xchg bx, bx) just before the store and
/// another just after it; the first starts the ledger's trace, the second stops it. When the
/// store kills the process (technique none), the trace ends with the process's death.
/// </summary>
public static class TraceRecorder
{
    /// <summary>The bundled guest (guests/src/trace.c).</summary>
    public const string GuestName = "trace";

    /// <summary>
    /// The guest of the library techniques (guests/src/tracecycle.c): one write in a checkpoint
    /// cycle of the real checkpoint library, the write and ckpt_end between the markers.
    /// </summary>
    public const string CycleGuestName = "tracecycle";

    /// <summary>
    /// The techniques that can be traced: pt and none with the hand-written guest (the paper's
    /// Figure 3), the others through the checkpoint library.
    /// </summary>
    public static readonly IReadOnlyList<string> Techniques = new[] { "pt", "none", "emul", "ptxen", "emulxen", "scanxen", "eptwp", "eptscan", "pml", "epml", "spp", "softdirty", "uffdwp" };

    /// <summary>More than enough for the guest (about 2,000 instructions); a runaway guest stops here.</summary>
    private const long InstructionLimit = 10_000_000;

    /// <param name="limits">The machine's guest RAM and the run's limits (the recorder's own instruction limit still applies).</param>
    public static TraceRecording Record(PlatformOptions platform, string technique, KernelOptions? limits = null)
    {
        if (!Techniques.Contains(technique))
        {
            throw new ArgumentException($"unknown technique '{technique}'", nameof(technique));
        }
        bool library = technique is not ("pt" or "none");
        string guest = library ? CycleGuestName : GuestName;
        string path = BundledGuests.Find(guest);
        byte[] elf = File.ReadAllBytes(path);
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        limits ??= new KernelOptions();
        var options = limits with { Platform = platform, MaxInstructions = Math.Min(limits.MaxInstructions, InstructionLimit) };
        var kernel = new GuestKernel(options, Stream.Null, stdout, stderr);
        if (library)
        {
            HvSim.Checkpoint.Techniques.TryParse(technique, out HvSim.Checkpoint.Technique chosen);
            _ = new HvSim.Checkpoint.CheckpointSession(kernel, new HvSim.Checkpoint.CheckpointOptions { Technique = chosen }, guest);
        }
        int markers = 0;
        kernel.MarkerPassed = () =>
        {
            markers++;
            if (markers == 1)
            {
                kernel.Ledger.StartTrace();
            }
            else
            {
                kernel.Ledger.StopTrace();
            }
        };
        // The process's death ends the trace (technique none): what follows is its address
        // space being torn down, not the path of the write.
        kernel.ProcessExiting = _ => kernel.Ledger.StopTrace();
        // A fixed argv[0] and exec name and an empty environment: the stack, and so every address
        // in the trace, is the same wherever the repository is.
        string[] argv = library ? [guest] : [guest, technique];
        Process process = kernel.CreateProcess(elf, BundledFiles.GuestRunName(path), argv, Array.Empty<string>());
        RunOutcome outcome = kernel.Run(process);
        if (outcome == RunOutcome.InstructionLimit && limits.MaxInstructions > InstructionLimit)
        {
            throw new InvalidOperationException($"the trace guest ran past {InstructionLimit} instructions (rip 0x{kernel.Cpu.Rip:x})");
        }
        return new TraceRecording(
            platform,
            technique,
            kernel.Ledger.Trace.ToArray(),
            process.ExitStatus ?? -1,
            process.FatalReport,
            markers,
            System.Text.Encoding.UTF8.GetString(stdout.ToArray()),
            System.Text.Encoding.UTF8.GetString(stderr.ToArray()),
            outcome,
            kernel.Cpu.InstructionsRetired,
            kernel.Cpu.Rip,
            ElfSymbolizer.Of(elf));
    }
}

using System.Text;
using HvSim.Checkpoint;
using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;

namespace HvSim.Validation;

/// <summary>What one run of a data-structure workload did.</summary>
/// <param name="Spec">What ran.</param>
/// <param name="Run">The checkpointed run: kernel (event ledger), process, session (stats), backup check.</param>
/// <param name="GuestOutput">The guest's stdout and stderr: its one summary line, or why it failed.</param>
public sealed record WorkloadResult(WorkloadSpec Spec, CheckpointedResult Run, string GuestOutput)
{
    /// <summary>The guest checked its structure's invariants and found them intact (it prints "invariants=ok" and exits 0).</summary>
    public bool InvariantsOk => Run.ExitStatus == 0 && GuestOutput.Contains("invariants=ok", StringComparison.Ordinal);

    /// <summary>The backup equals the primary at exit (true when nothing was registered).</summary>
    public bool BackupEqual => Run.Check.Equal;

    /// <summary>The run exited 0 with its invariants and its backup intact.</summary>
    public bool Ok => Run.ExitStatus == 0 && InvariantsOk && BackupEqual;

    /// <summary>Why the run is not <see cref="Ok"/>, in one line (null when it is).</summary>
    public string? Failure => Ok ? null
        : Run.ExitStatus != 0 ? $"exit status {Run.ExitStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}: {Run.Process.FatalReport ?? GuestOutput.Trim()}"
        : !InvariantsOk ? $"invariants broken: {GuestOutput.Trim()}"
        : Run.Check.Detail;
}

/// <summary>Runs the suite's guests under a technique and platform.</summary>
public static class WorkloadRunner
{
    /// <summary>
    /// Runs <paramref name="spec"/> (the ELF at <paramref name="elfPath"/>, normally
    /// guests/bin/ds-NAME) under <paramref name="technique"/> on <paramref name="platform"/>.
    /// </summary>
    /// <param name="writes">When given, counts every committed transaction's writes and pages (from each commit's record, as the session hands it over).</param>
    public static WorkloadResult Run(string elfPath, WorkloadSpec spec, Technique technique, PlatformOptions platform, TransactionWrites? writes = null) =>
        Run(elfPath, spec, technique, new KernelOptions { Platform = platform }, writes);

    /// <summary>The same on a machine of <paramref name="kernelOptions"/> (its platform, guest RAM and limits).</summary>
    /// <param name="audit">Audit the technique against the ground truth (<see cref="CheckpointOptions.Audit"/>).</param>
    public static WorkloadResult Run(string elfPath, WorkloadSpec spec, Technique technique, KernelOptions kernelOptions, TransactionWrites? writes = null, bool audit = false)
    {
        byte[] elf = File.ReadAllBytes(elfPath);
        string name = BundledFiles.GuestRunName(elfPath);
        var argv = new List<string> { name };
        argv.AddRange(spec.GuestArguments);
        var options = new CheckpointOptions { Technique = technique, Audit = audit };
        var output = new MemoryStream();
        CheckpointedResult result = CheckpointedRun.Run(elf, name, argv, [], kernelOptions, options, Stream.Null, output, output,
            observe: writes is null ? null : session => session.Committed += commit => writes.Add(commit.Record));
        return new WorkloadResult(spec, result, Encoding.UTF8.GetString(output.ToArray()));
    }
}

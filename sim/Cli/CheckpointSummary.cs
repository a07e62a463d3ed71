using HvSim.Checkpoint;
using HvSim.Core;
using HvSim.Hypervisor;

namespace HvSim.Cli;

/// <summary>The one-line summary of a checkpointed run, and its fields in the JSON report.</summary>
public static class CheckpointSummary
{
    public static string Line(CheckpointedResult result)
    {
        CheckpointStats stats = result.Session.Stats;
        EventLedger ledger = result.Kernel.Ledger;
        long user = 0, kernel = 0, hypervisor = 0;
        foreach ((EventKind kind, Layer layer, long count) in ledger.NonZero())
        {
            if (kind is EventKind.Instruction or EventKind.CopyBytes)
            {
                continue; // counted in instructions and bytes, not occurrences
            }
            switch (layer)
            {
                case Layer.User: user += count; break;
                case Layer.Kernel: kernel += count; break;
                default: hypervisor += count; break;
            }
        }
        string fallbacks = stats.Fallbacks > 0 ? $", {stats.Fallbacks} emulation fallbacks (page tracked)" : "";
        string crash = result.End == RunEnd.Crashed ? $"crashed at instruction {result.Kernel.Cpu.InstructionsRetired}; recovery: " : "";
        return $"{Techniques.Name(result.Session.Technique)} on {PlatformNames.Name(result.Kernel.Options.Platform.Platform)}: "
            + $"{stats.Commits} commits, {stats.DirtyPages} dirty pages, {stats.LoggedWords} logged words ({stats.LoggedBytes} log bytes), "
            + $"{stats.CopiedBytes} bytes copied{fallbacks}; {result.Kernel.Cpu.InstructionsRetired} instructions; "
            + $"other events user {user} / kernel {kernel} / hypervisor {hypervisor}; {crash}{result.Check.Detail}"
            + (result.Check.BackupSha256 is string sha ? $" (sha256 {sha[..16]})" : "")
            + (result.Session.Audit is { } audit ? $"; {AuditLine(audit)}" : "");
    }

    /// <summary>The audit's totals in words (issue 17): misses are data the backup lacks, extras are copying overhead.</summary>
    public static string AuditLine(HvSim.Checkpoint.Audit.AuditTotals audit) =>
        $"audit: {audit.Cycles} cycles, {audit.WrittenPages} pages written, {audit.MissedPages} missed, {audit.ExtraPages} extra, {audit.MissedBlocks} missed 128-byte blocks";

    /// <summary>The run's JSON report with the checkpoint fields filled in.</summary>
    /// <param name="profile">Prices the run (simulated_ns); null leaves the time null.</param>
    public static RunReport Report(CheckpointedResult result, HvSim.Models.Profiles.CostProfile? profile = null) =>
        RunReport.From(result.Kernel, result.Process, Techniques.Name(result.Session.Technique)) with
        {
            SimulatedNs = RunPricing.SimulatedNs(result, profile),
            DirtyPages = result.Session.Stats.DirtyPages,
            LoggedBytes = result.Session.Stats.LoggedBytes,
            CopiedBytes = result.Session.Stats.CopiedBytes,
            CdaSha256 = result.Check.PrimarySha256,
            BackupSha256 = result.Check.BackupSha256,
            BackupEqual = result.Session.Registered ? result.Check.Equal : null,
            Audit = result.Session.Audit,
        };
}

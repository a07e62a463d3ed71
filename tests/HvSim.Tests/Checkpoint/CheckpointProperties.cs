using FsCheck;
using FsCheck.Xunit;
using HvSim.Checkpoint;

namespace HvSim.Tests.Checkpoint;

/// <summary>
/// The checkpoint properties of the techniques issue, each over random transaction programs
/// (txprog scripts: random CDA size, destinations, instruction forms and sizes, writes per page
/// and pages per transaction) and each under every technique on every platform that supports it.
/// A shrunk counterexample prints the script disassembled.
/// </summary>
public sealed class CheckpointProperties
{
    /// <summary>Backup equals primary byte for byte after every ckpt_end; all techniques end with the same CDA.</summary>
    [Property(MaxTest = 40, Arbitrary = [typeof(TxScriptGenerators)], QuietOnSuccess = true)]
    public void BackupEqualsPrimaryAfterEveryCommitAndEveryTechniqueEndsAlike(TxScript script) =>
        AssertEveryPairKeepsItsBackupAndEndsAlike(script, TxRun.AllPairs);

    /// <summary>The same with the CDA-stack forms (push and call with RSP inside the CDA), where no signal handler runs.</summary>
    [Property(MaxTest = 20, Arbitrary = [typeof(StackScripts)], QuietOnSuccess = true)]
    public void StackInsideTheCdaIsTrackedByTheHypervisorTechniques(TxScript script) =>
        AssertEveryPairKeepsItsBackupAndEndsAlike(script, TxRun.HandlerFreePairs);

    /// <summary>
    /// Every pair: backup checked after every commit and audited against the ground truth (a page
    /// written but not recorded fails the run); every pair prints the same CDA and extra-page
    /// digests as the first (none natively).
    /// </summary>
    internal static void AssertEveryPairKeepsItsBackupAndEndsAlike(TxScript script, IEnumerable<TechniquePair> pairs)
    {
        string? reference = null;
        foreach (TechniquePair pair in pairs)
        {
            TxRun.Outcome outcome = TxRun.Run(script, pair, new CheckpointOptions { VerifyEveryCommit = true, Audit = true });
            TxRun.AssertHealthy(outcome, pair);
            reference ??= outcome.Stdout;
            Assert.True(reference == outcome.Stdout, $"{pair} ends with a different CDA: {outcome.Stdout.Trim()} vs {reference.Trim()}");
        }
    }

    /// <summary>
    /// The reported dirty set contains every page the transaction changed; for page tracking (and
    /// Emul's fallback pages) it contains only pages the transaction wrote.
    /// </summary>
    [Property(MaxTest = 25, Arbitrary = [typeof(TxScriptGenerators)], QuietOnSuccess = true)]
    public void DirtySetHoldsEveryChangedPageAndOnlyWrittenPages(TxScript script)
    {
        foreach (TechniquePair pair in TxRun.AllPairs.Where(p => p.Technique != Technique.None))
        {
            var problems = new List<string>();
            TxRun.Outcome outcome = TxRun.Run(script, pair, new CheckpointOptions { KeepCommittedImage = true }, observe: session =>
                session.Committed += commit =>
                {
                    ulong cda = session.CdaStart;
                    var reported = new HashSet<ulong>(commit.Record.Pages.Select(p => (p - cda) / 4096));
                    var logged = new HashSet<ulong>(commit.Record.Words.Select(w => (w.Address - cda) / 4096));
                    for (ulong page = 0; page < script.CdaPages; page++)
                    {
                        bool changed = !commit.PreviousImage.AsSpan((int)(page * 4096), 4096).SequenceEqual(commit.Image.AsSpan((int)(page * 4096), 4096));
                        if (changed && !reported.Contains(page) && !logged.Contains(page))
                        {
                            problems.Add($"commit {commit.Index}: page {page} changed but is not in the record");
                        }
                    }
                    HashSet<ulong> written = script.PagesWritten((int)commit.Index - 1);
                    foreach (ulong page in reported.Concat(logged).Where(p => !written.Contains(p)))
                    {
                        problems.Add($"commit {commit.Index}: page {page} is in the record but transaction {commit.Index} never wrote it");
                    }
                });
            TxRun.AssertHealthy(outcome, pair);
            Assert.True(problems.Count == 0, $"{pair}: {string.Join("; ", problems)}");
        }
    }

    /// <summary>A crash at a random instruction recovers exactly the state of the last completed ckpt_end.</summary>
    [Property(MaxTest = 12, Arbitrary = [typeof(TxScriptGenerators)], QuietOnSuccess = true)]
    public void CrashAtAnyInstructionRecoversTheLastCommit(TxScript script, NormalFloat where)
    {
        double fraction = Math.Abs(where.Get) % 1.0;
        foreach (TechniquePair pair in TxRun.AllPairs.Where(p => p.Technique != Technique.None))
        {
            TxRun.Outcome full = TxRun.Run(script, pair);
            TxRun.AssertHealthy(full, pair);
            long total = full.Result.Kernel.Cpu.InstructionsRetired;
            long crashAt = 1 + (long)(fraction * (total - 1));
            TxRun.Outcome crashed = TxRun.Run(script, pair, crashAt: crashAt);
            Assert.True(crashed.Result.End == RunEnd.Crashed, $"{pair}: the crash at {crashAt} of {total} did not happen");
            Assert.True(crashed.Result.Check.Equal, $"{pair}, crash at instruction {crashAt} of {total}: {crashed.Result.Check.Detail}");
        }
    }

    /// <summary>Scripts with the CDA-stack forms.</summary>
    public static class StackScripts
    {
        public static Arbitrary<TxScript> Scripts() => TxScriptGenerators.ScriptsWithStackForms();
    }
}

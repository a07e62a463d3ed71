using FsCheck.Xunit;
using HvSim.Checkpoint;
using HvSim.Hypervisor;
using HvSim.Tests.Checkpoint;

namespace HvSim.Tests.Hvm;

/// <summary>
/// The checkpoint properties of <see cref="CheckpointProperties"/> on platform hvm, over the same
/// random transaction programs (every instruction form and size, page-straddling writes, the
/// stack inside the CDA), with fewer cases: the paper's platforms keep the larger counts.
/// </summary>
public sealed class HvmCheckpointProperties
{
    private static readonly TechniquePair[] s_pairs =
        Enum.GetValues<Technique>().Where(t => Techniques.SupportedOn(t, Platform.Hvm)).Select(t => new TechniquePair(t, Platform.Hvm)).ToArray();

    /// <summary>Backup equals primary after every ckpt_end under every technique hvm runs, and all end alike.</summary>
    [Property(MaxTest = 12, Arbitrary = [typeof(TxScriptGenerators)], QuietOnSuccess = true)]
    public void BackupEqualsPrimaryAfterEveryCommitAndEveryTechniqueEndsAlike(TxScript script) =>
        CheckpointProperties.AssertEveryPairKeepsItsBackupAndEndsAlike(script, s_pairs);

    /// <summary>The stack inside the CDA: hvm's techniques run no signal handler, so push and call there are tracked too.</summary>
    [Property(MaxTest = 6, Arbitrary = [typeof(CheckpointProperties.StackScripts)], QuietOnSuccess = true)]
    public void StackInsideTheCdaIsTrackedByTheHvmTechniques(TxScript script) =>
        CheckpointProperties.AssertEveryPairKeepsItsBackupAndEndsAlike(script, s_pairs.Where(p => Techniques.InHypervisor(p.Technique) || p.Technique == Technique.None));

    /// <summary>Every page a transaction changed is in its record (whole, or by its 128-byte blocks under spp), and only pages it wrote.</summary>
    [Property(MaxTest = 8, Arbitrary = [typeof(TxScriptGenerators)], QuietOnSuccess = true)]
    public void DirtySetHoldsEveryChangedPageAndOnlyWrittenPages(TxScript script)
    {
        foreach (TechniquePair pair in s_pairs.Where(p => p.Technique != Technique.None))
        {
            var problems = new List<string>();
            TxRun.Outcome outcome = TxRun.Run(script, pair, new CheckpointOptions { KeepCommittedImage = true }, observe: session =>
                session.Committed += commit =>
                {
                    ulong cda = session.CdaStart;
                    var reported = new HashSet<ulong>(commit.Record.Pages.Select(p => (p - cda) / 4096));
                    var logged = new HashSet<ulong>(commit.Record.Words.Select(w => (w.Address - cda) / 4096));
                    var blocks = new HashSet<ulong>(commit.Record.Blocks.Select(b => b - cda));
                    for (ulong page = 0; page < script.CdaPages; page++)
                    {
                        for (ulong block = 0; block < 4096 / 128; block++)
                        {
                            int at = (int)((page * 4096) + (block * 128));
                            bool changed = !commit.PreviousImage.AsSpan(at, 128).SequenceEqual(commit.Image.AsSpan(at, 128));
                            if (changed && !reported.Contains(page) && !logged.Contains(page) && !blocks.Contains((ulong)at))
                            {
                                problems.Add($"commit {commit.Index}: page {page} block {block} changed but is not in the record");
                            }
                        }
                    }
                    HashSet<ulong> written = script.PagesWritten((int)commit.Index - 1);
                    foreach (ulong page in reported.Concat(logged).Concat(blocks.Select(b => b / 4096)).Where(p => !written.Contains(p)))
                    {
                        problems.Add($"commit {commit.Index}: page {page} is in the record but transaction {commit.Index} never wrote it");
                    }
                });
            TxRun.AssertHealthy(outcome, pair);
            Assert.True(problems.Count == 0, $"{pair}: {string.Join("; ", problems)}");
        }
    }
}

using FsCheck.Xunit;
using HvSim.Checkpoint;
using HvSim.Core;
using HvSim.Hypervisor;

namespace HvSim.Tests.Checkpoint;

/// <summary>
/// Issue 13: shadow tables are evicted when their pool is full, wherever in a run that falls —
/// between a CycleBegin and the fault that tracks a page, after a write set a shadow D bit that
/// Scanxen has not read yet. Each random transaction program runs twice under every technique on
/// xen-shadow, once with shadows dropped every few fills (the tests' knob: a full pool at
/// arbitrary points), and both runs must keep their backup after every commit and record exactly
/// the same pages and words at every commit: no write lost, none invented.
/// </summary>
public sealed class ShadowEvictionProperties
{
    [Property(MaxTest = 20, Arbitrary = [typeof(TxScriptGenerators)], QuietOnSuccess = true)]
    public void Evicting_every_few_fills_records_the_same_writes(TxScript script)
    {
        var evicting = new PlatformOptions { Platform = Platform.XenShadow, ShadowEvictEveryFills = ShadowPager.MinFillsBetweenEvictions };
        foreach (TechniquePair pair in TxRun.AllPairs.Where(p => p.Platform == Platform.XenShadow))
        {
            (TxRun.Outcome steady, List<string> steadyRecords) = Run(script, pair, platform: null);
            (TxRun.Outcome evicted, List<string> evictedRecords) = Run(script, pair, evicting);
            TxRun.AssertHealthy(steady, pair);
            TxRun.AssertHealthy(evicted, pair);
            Assert.True(evicted.Result.Kernel.Ledger.Count(EventKind.ShadowEviction) > 0, $"{pair}: no eviction happened");
            Assert.True(steady.Stdout == evicted.Stdout, $"{pair} ends with another CDA when evicting: {evicted.Stdout.Trim()} vs {steady.Stdout.Trim()}");
            Assert.Equal(steadyRecords, evictedRecords);
        }
    }

    /// <summary>A run with the backup checked at every commit, and each commit's record as text (pages, then words).</summary>
    private static (TxRun.Outcome, List<string>) Run(TxScript script, TechniquePair pair, PlatformOptions? platform)
    {
        var records = new List<string>();
        TxRun.Outcome outcome = TxRun.Run(script, pair, new CheckpointOptions { VerifyEveryCommit = true }, platform: platform,
            observe: session => session.Committed += commit => records.Add(
                $"{commit.Index}: pages {string.Join(',', commit.Record.Pages.Order())}; words {string.Join(',', commit.Record.Words.Select(w => $"{w.Address:x}/{w.Size}={w.Data:x}"))}"));
        return (outcome, records);
    }
}

using HvSim.Checkpoint;
using HvSim.Hypervisor;

namespace HvSim.Tests.Checkpoint;

/// <summary>The classic traps of write tracking, as named regression tests.</summary>
public sealed class CheckpointRegressionTests
{
    private static TxScript TwoTransactionsOnOnePage => new(1,
    [
        [new TxWrite(3, 0, 0x1111)],
        [new TxWrite(3, 8, 0x2222)],
    ]);

    /// <summary>
    /// Emulxen logs a word on one page, then a write on another page it cannot emulate (fnstcw)
    /// makes it track that page whole and drop that page's words from the log. The drop compacted
    /// the log but wrote a chunk back only when a word before the chunk had gone, so a word dropped
    /// at the head left the log as it was with nwords one shorter: the other page's word (here the
    /// dec at CDA offset 0) was lost. Found by the stack-in-CDA property with the zero page.
    /// </summary>
    [Theory]
    [InlineData(Platform.XenPv)]
    [InlineData(Platform.XenShadow)]
    public void EmulxenFallbackDropsOnlyThePagesOwnWordsFromTheLog(Platform platform)
    {
        var script = new TxScript(3,
        [
            [new TxWrite(12, 0x1A13, 0), new TxWrite(26, 0, 0), new TxWrite(66, 0x1B82, 1)],
        ]);
        var pair = new TechniquePair(Technique.EmulXen, platform);
        TxRun.AssertHealthy(TxRun.Run(script, pair, new CheckpointOptions { VerifyEveryCommit = true }), pair);
    }

    /// <summary>
    /// PT re-protects the CDA at each begin. If the kernel changed the PTE but did not invalidate
    /// the TLB entry, the entry cached writable (and dirty) in the last cycle lets the next
    /// cycle's first write through without a fault: it is never recorded and the backup is stale.
    /// </summary>
    [Fact]
    public void PtReprotectionWithoutTlbFlushLosesWritesAndTheRealPathFlushes()
    {
        var pair = new TechniquePair(Technique.Pt, Platform.Native);
        TxRun.Outcome broken = TxRun.Run(TwoTransactionsOnOnePage, pair,
            platform: new PlatformOptions { Platform = Platform.Native, OmitTlbInvalidations = true });
        Assert.Equal(0, broken.Result.ExitStatus);
        Assert.False(broken.Result.Check.Equal, "without the flush the second cycle's write should have gone unrecorded");
        // txprog touched the page before registering it, so even the first cycle's write went
        // through the entry cached writable then: no fault, nothing recorded.
        Assert.Equal(0, broken.Result.Session.Stats.DirtyPages);

        TxRun.Outcome real = TxRun.Run(TwoTransactionsOnOnePage, pair);
        TxRun.AssertHealthy(real, pair);
        Assert.Equal(2, real.Result.Session.Stats.DirtyPages);
    }

    /// <summary>
    /// rep stosb that starts in the last bytes of the (protected) CDA and runs into the page after
    /// it, which is not part of the CDA: every technique must track the CDA part, leave the rest
    /// alone, and the program must see exactly what it sees natively.
    /// </summary>
    [Fact]
    public void RepStosFromAProtectedIntoAnUnprotectedPage()
    {
        // 200 bytes of 0x7e from 100 bytes before the CDA's end.
        var script = new TxScript(1, [[new TxWrite(TxForms.RepStosb, 4096 - 100, (0x7eUL << 8) | 200)]]);
        CheckpointProperties.AssertEveryPairKeepsItsBackupAndEndsAlike(script, TxRun.AllPairs);
    }

    /// <summary>
    /// An instruction the emulation engine does not emulate (fnstcw) falls back to page tracking
    /// for its page in that cycle: counted, listed as a whole page, never lost.
    /// </summary>
    [Theory]
    [InlineData(Technique.Emul, Platform.Native)]
    [InlineData(Technique.Emul, Platform.XenPv)]
    [InlineData(Technique.EmulXen, Platform.XenPv)]
    [InlineData(Technique.EmulXen, Platform.XenShadow)]
    public void UnemulatedInstructionFallsBackToPageTracking(Technique technique, Platform platform)
    {
        var script = new TxScript(2, [[new TxWrite(3, 16, 7), new TxWrite(TxForms.Fnstcw, 4096 + 40, 0), new TxWrite(3, 4096 + 48, 9)]]);
        var pair = new TechniquePair(technique, platform);
        TxRun.Outcome outcome = TxRun.Run(script, pair, new CheckpointOptions { VerifyEveryCommit = true });
        TxRun.AssertHealthy(outcome, pair);
        Assert.Equal(1, outcome.Result.Session.Stats.Fallbacks);
        Assert.Equal(1, outcome.Result.Session.Stats.DirtyPages); // page 1, whole
        Assert.Equal(1, outcome.Result.Session.Stats.LoggedWords); // the write to page 0
    }

    /// <summary>
    /// Found by the properties: Emul logs a word, then a later instruction on the same page falls
    /// back and the page is written natively. The commit copies the page whole; applying the
    /// older logged word after it would undo the newer write.
    /// </summary>
    [Theory]
    [InlineData(Technique.Emul, Platform.Native)]
    [InlineData(Technique.EmulXen, Platform.XenPv)]
    public void AWordLoggedBeforeItsPageFellBackDoesNotOverwriteTheNewerPage(Technique technique, Platform platform)
    {
        var script = new TxScript(1, [[new TxWrite(62, 0xFFB, 0x6f), new TxWrite(TxForms.Fnstcw, 0xFFC, 0)]]);
        var pair = new TechniquePair(technique, platform);
        TxRun.Outcome outcome = TxRun.Run(script, pair, new CheckpointOptions { VerifyEveryCommit = true });
        TxRun.AssertHealthy(outcome, pair);
        Assert.Equal(1, outcome.Result.Session.Stats.Fallbacks);
    }

    /// <summary>A technique the platform cannot run is refused with a clear reason.</summary>
    [Theory]
    [InlineData(Technique.PtXen, Platform.Native, "hypervisor")]
    [InlineData(Technique.EmulXen, Platform.Native, "hypervisor")]
    [InlineData(Technique.ScanXen, Platform.XenPv, "shadow")]
    public void UnsupportedTechniqueIsRefused(Technique technique, Platform platform, string reason)
    {
        var e = Assert.Throws<ArgumentException>(() => TxRun.Run(new TxScript(1, []), new TechniquePair(technique, platform)));
        Assert.Contains(reason, e.Message);
    }
}

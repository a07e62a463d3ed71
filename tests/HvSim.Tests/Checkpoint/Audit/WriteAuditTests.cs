using HvSim.Checkpoint;
using HvSim.Checkpoint.Audit;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
using HvSim.Tests.Guests;

namespace HvSim.Tests.Checkpoint.Audit;

/// <summary>
/// The ground-truth audit (issue 17): every technique's record against the CDA pages and blocks
/// really written, per commit; a deliberately broken technique is caught; the audit changes
/// nothing of what it watches.
/// </summary>
public sealed class WriteAuditTests
{
    private const int Transactions = 12;

    /// <summary>micro with a 64 KiB CDA, 3 words on each of 4 pages per transaction.</summary>
    private static readonly string[] s_microArgs = ["64", "3", "4", Transactions.ToString(System.Globalization.CultureInfo.InvariantCulture), "5"];

    [Theory]
    [MemberData(nameof(TxRun.TrackingPairs), MemberType = typeof(TxRun))]
    public void Micro_under_every_technique_misses_nothing(Technique technique, Platform platform)
    {
        CheckpointedResult r = Micro(technique, platform, audit: true);
        AuditTotals audit = r.Session.Audit!;
        Assert.True(r.ExitStatus == 0 && r.Session.Failure is null && r.Check.Equal, $"{r.Session.Failure ?? r.Check.Detail}");
        Assert.Equal(r.Session.Stats.Commits, audit.Cycles);
        Assert.Equal(Transactions, audit.Cycles);
        Assert.Equal(0, audit.MissedPages);
        Assert.Equal(0, audit.MissedBlocks);
        // micro writes 4 distinct pages per transaction, and every technique records exactly those.
        Assert.Equal(4 * Transactions, audit.WrittenPages);
        Assert.Equal(0, audit.ExtraPages);
    }

    /// <summary>
    /// The truth does not depend on the platform: the same program writes the same pages and 128-byte
    /// blocks on every platform, whatever the technique. (hvm's two-dimensional TLB fill once tagged
    /// audited frames for fast writes, so the audit saw only each page's first store there.)
    /// </summary>
    [Fact]
    public void The_audit_sees_the_same_writes_on_every_platform()
    {
        AuditTotals native = Micro(Technique.Pt, Platform.Native, audit: true).Session.Audit!;
        Assert.True(native.WrittenBlocks > native.WrittenPages, "micro's words fall in more blocks than pages");
        foreach ((Technique technique, Platform platform) in new[]
        {
            (Technique.Pt, Platform.Hvm), (Technique.EptWp, Platform.Hvm), (Technique.Spp, Platform.Hvm), (Technique.SoftDirty, Platform.Hvm), (Technique.UffdWp, Platform.Hvm),
            (Technique.PtXen, Platform.XenPv), (Technique.ScanXen, Platform.XenShadow),
        })
        {
            AuditTotals audit = Micro(technique, platform, audit: true).Session.Audit!;
            Assert.True((native.WrittenPages, native.WrittenBlocks) == (audit.WrittenPages, audit.WrittenBlocks),
                $"{technique} on {platform}: {audit.WrittenPages} pages, {audit.WrittenBlocks} blocks written; natively {native.WrittenPages}, {native.WrittenBlocks}");
        }
    }

    /// <summary>The audit watches without touching: every event count and the CDA are the same with it on or off.</summary>
    [Theory]
    [InlineData(Technique.Pt, Platform.Native)]
    [InlineData(Technique.Emul, Platform.XenShadow)]
    [InlineData(Technique.ScanXen, Platform.XenShadow)]
    public void The_audit_changes_no_event_count(Technique technique, Platform platform)
    {
        CheckpointedResult off = Micro(technique, platform, audit: false);
        CheckpointedResult on = Micro(technique, platform, audit: true);
        Assert.Null(off.Session.Audit);
        Assert.Null(off.Kernel.Mmu.WriteAudit);
        Assert.Equal(off.Kernel.Ledger.NonZero().ToArray(), on.Kernel.Ledger.NonZero().ToArray());
        Assert.Equal(off.Check.PrimarySha256, on.Check.PrimarySha256);
        Assert.Null(on.Kernel.Mmu.WriteAudit); // let go when the process exited
    }

    /// <summary>
    /// PTxen with one re-protect skipped (a test-only switch): the page stays writable, the next
    /// transaction writes it without a trap, and the record lacks it in every cycle after (nothing
    /// marks it again). The audit names the first cycle, the page and the storing instruction, and
    /// the run fails.
    /// </summary>
    [Theory]
    [InlineData(Platform.XenPv)]
    [InlineData(Platform.XenShadow)]
    public void A_skipped_reprotect_is_caught_with_its_cycle_page_and_instruction(Platform platform)
    {
        // 16 KiB CDA, 4 pages per transaction: every transaction writes every page again.
        CheckpointedResult r = Micro(Technique.PtXen, platform, audit: true, ["16", "2", "4", "6", "1"],
            kernel => kernel.Platform.Hypervisor!.Techniques.Tracking.SkipOneReprotect = true);
        AuditTotals audit = r.Session.Audit!;
        Assert.Equal(5, audit.MissedPages); // cycles 2 to 6
        Assert.True(audit.MissedBlocks >= 1);
        Assert.False(r.Check.Equal);
        Assert.NotNull(r.Session.Failure);
        Assert.Matches(@"^audit: cycle 2 missed CDA page 0x[0-9a-f]+000 \(written at 0x[0-9a-f]+ by instruction 0x[0-9a-f]+: mov ", r.Session.Failure);
    }

    internal static CheckpointedResult Micro(Technique technique, Platform platform, bool audit, string[]? args = null, Action<GuestKernel>? breakIt = null)
    {
        string path = RepositoryPaths.Guest("micro");
        var kernel = new GuestKernel(new KernelOptions { Platform = new PlatformOptions { Platform = platform }, MaxInstructions = 50_000_000 },
            Stream.Null, new MemoryStream(), new MemoryStream());
        var session = new CheckpointSession(kernel, new CheckpointOptions { Technique = technique, Audit = audit }, "micro");
        breakIt?.Invoke(kernel);
        HvSim.GuestOs.Kernel.Process process = kernel.CreateProcess(File.ReadAllBytes(path), path, [path, .. args ?? s_microArgs], []);
        RunOutcome outcome = kernel.Run(process);
        Assert.Equal(RunOutcome.Exited, outcome);
        return new CheckpointedResult(kernel, process, session, RunEnd.Exited, session.CheckAtExit());
    }
}

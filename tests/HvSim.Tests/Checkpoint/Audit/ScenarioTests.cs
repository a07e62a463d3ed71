using HvSim.Checkpoint;
using HvSim.Checkpoint.Audit;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
using HvSim.Tests.Guests;

namespace HvSim.Tests.Checkpoint.Audit;

/// <summary>
/// The known bug classes of dirty tracking (issue 17 item 4), guests/src/ckptscenario.c, under
/// every technique on every platform, audited: what each technique misses, and why.
/// </summary>
public sealed class ScenarioTests
{
    /// <summary>
    /// Page 1 written, mprotected read-only and back, written again in another block. Page
    /// tracking (pt) listed the page at its first write, so nothing is lost. Emul logs words and
    /// keeps the CDA read-only itself: the application's mprotect read-write opens the page, so
    /// the second write of cycle 1 goes unlogged (a missed block), and in cycles 2 to 4 the page
    /// stays writable and is missed whole (3 pages, 2 blocks each). Everything tracked below the
    /// application's mprotect (hypervisor, kernel) sees every write.
    /// </summary>
    [Theory]
    [MemberData(nameof(TxRun.TrackingPairs), MemberType = typeof(TxRun))]
    public void Protect_after_write(Technique technique, Platform platform)
    {
        AuditTotals audit = Run("protect-after-write", technique, platform, out CheckpointedResult r);
        Assert.Equal(4, audit.Cycles);
        Assert.Equal(4, audit.WrittenPages);
        (long pages, long blocks) = technique == Technique.Emul ? (3L, 7L) : (0L, 0L);
        Assert.Equal(pages, audit.MissedPages);
        Assert.Equal(blocks, audit.MissedBlocks);
        Assert.Equal(0, audit.ExtraPages);
        Assert.Equal(pages == 0, r.Check.Equal && r.Session.Failure is null);
    }

    /// <summary>
    /// Page 2 mprotected read-only and back (its VMA split off and merged again) before its first
    /// write of the transaction: pt and emul lose it in every cycle, since the application's
    /// mprotect read-write undid their protection; the hypervisor techniques protect below the
    /// guest's tables; softdirty keeps the clean PTE write-protected across mprotect
    /// (mm/mprotect.c can_change_pte_writable), so the write still faults and sets the bit.
    /// </summary>
    [Theory]
    [MemberData(nameof(TxRun.TrackingPairs), MemberType = typeof(TxRun))]
    public void Protect_before_write(Technique technique, Platform platform)
    {
        AuditTotals audit = Run("protect-before-write", technique, platform, out CheckpointedResult r);
        Assert.Equal(4, audit.Cycles);
        Assert.Equal(8, audit.WrittenPages);
        long missed = technique is Technique.Pt or Technique.Emul ? 4 : 0;
        Assert.Equal(missed, audit.MissedPages);
        Assert.Equal(missed, audit.MissedBlocks);
        Assert.Equal(0, audit.ExtraPages);
        Assert.Equal(missed == 0, r.Check.Equal && r.Session.Failure is null);
        if (missed > 0)
        {
            Assert.StartsWith("audit: cycle 1 missed CDA page ", r.Session.Failure);
        }
    }

    /// <summary>CDA pages never touched before the first cycle, populated by their first write inside one: no technique misses them.</summary>
    [Theory]
    [MemberData(nameof(TxRun.TrackingPairs), MemberType = typeof(TxRun))]
    public void Unpopulated_pages(Technique technique, Platform platform)
    {
        AuditTotals audit = Run("unpopulated", technique, platform, out CheckpointedResult r);
        Assert.Equal(4, audit.Cycles);
        Assert.Equal(8, audit.WrittenPages);
        Assert.Equal(0, audit.MissedPages);
        Assert.Equal(0, audit.MissedBlocks);
        Assert.Equal(0, audit.ExtraPages);
        Assert.True(r.Check.Equal, r.Check.Detail);
    }

    /// <summary>
    /// uffdwp on every platform, hvm included (the pairs above stop at xen-shadow): every scenario
    /// audited with nothing missed and nothing extra. The application's mprotect keeps the uffd-wp
    /// bit and the page write-protected (pte_modify keeps _PAGE_UFFD_WP; can_change_pte_writable
    /// refuses a uffd-wp PTE), and never-populated pages carry PTE markers (WP_UNPOPULATED), so each
    /// first write of a cycle faults into the kernel and the scan reports it.
    /// </summary>
    [Theory]
    [InlineData(Platform.Native)]
    [InlineData(Platform.XenPv)]
    [InlineData(Platform.XenShadow)]
    [InlineData(Platform.Hvm)]
    public void Uffdwp_misses_nothing_on_every_platform(Platform platform)
    {
        foreach ((string scenario, long written) in new[] { ("protect-after-write", 4L), ("protect-before-write", 8L), ("unpopulated", 8L) })
        {
            AuditTotals audit = Run(scenario, Technique.UffdWp, platform, out CheckpointedResult r);
            Assert.Equal((4L, written, 0L, 0L, 0L), (audit.Cycles, audit.WrittenPages, audit.MissedPages, audit.MissedBlocks, audit.ExtraPages));
            Assert.True(r.Check.Equal && r.Session.Failure is null, $"{scenario}: {r.Check.Detail} {r.Session.Failure}");
        }
    }

    private static AuditTotals Run(string scenario, Technique technique, Platform platform, out CheckpointedResult result)
    {
        string path = RepositoryPaths.Guest("ckptscenario");
        result = CheckpointedRun.Run(File.ReadAllBytes(path), "ckptscenario", ["ckptscenario", scenario], [],
            new KernelOptions { Platform = new PlatformOptions { Platform = platform }, MaxInstructions = 10_000_000 },
            new CheckpointOptions { Technique = technique, Audit = true }, Stream.Null, new MemoryStream(), new MemoryStream());
        Assert.Equal(0, result.ExitStatus);
        return result.Session.Audit!;
    }
}

using HvSim.Checkpoint;
using HvSim.Checkpoint.Audit;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
using HvSim.Tests.Guests;

namespace HvSim.Tests.Checkpoint.Audit;

/// <summary>
/// The bug classes that involve the CDA's mappings and stacks (issue 17 item 4),
/// guests/src/ckptvma.c, under every technique on every platform where it runs, audited; what
/// each technique reports, and why, is in docs/audit.md.
/// </summary>
public sealed class VmaScenarioTests
{
    /// <summary>The techniques that track guest-physical frames in the EPT: they follow a frame wherever it is mapped.</summary>
    private static bool TracksFrames(Technique t) => t is Technique.EptWp or Technique.EptScan or Technique.Pml or Technique.Spp;

    /// <summary>
    /// Pages 3 to 5 moved out of the CDA and straight back inside a cycle (page 3 written before,
    /// page 4 after): the pages come back with their PTEs and VMA protection, so every technique
    /// records what was written. Soft-dirty also reports page 5, which moved but was not written:
    /// Linux's move_ptes marks every moved PTE soft-dirty (one extra page a cycle).
    /// </summary>
    [Theory]
    [MemberData(nameof(TxRun.TrackingPairs), MemberType = typeof(TxRun))]
    public void Mremap_out_and_back(Technique technique, Platform platform)
    {
        CheckpointedResult r = Run(["mremap-back"], technique, platform);
        if (technique == Technique.UffdWp)
        {
            AssertUffdWpRegistrationLeftBehind(r);
            return;
        }
        Assert.Equal(0, r.ExitStatus);
        AuditTotals audit = r.Session.Audit!;
        Assert.Equal(4, audit.Cycles);
        Assert.Equal(8, audit.WrittenPages);
        Assert.Equal(0, audit.MissedPages);
        Assert.Equal(technique == Technique.SoftDirty ? 4 : 0, audit.ExtraPages);
        Assert.True(r.Check.Equal, r.Check.Detail);
    }

    /// <summary>
    /// Page 4 written while it lies outside the CDA, then moved back: the CDA's data changed
    /// without a store to a CDA address.
    /// <list type="bullet">
    /// <item>pt and emul cannot follow a moved CDA: the pages keep the library's read-only
    /// protection where they land, and the library's handler, which knows only the registered
    /// range, takes the write for the application's own fault: SIGSEGV ends the run in cycle 1.</item>
    /// <item>softdirty records it (the moved PTE is soft-dirty, and so is page 5: two extra a cycle).
    /// The EPT techniques that track frames (eptwp, eptscan, pml, spp) record it: the frame was
    /// written wherever it was mapped (one extra page a cycle, by the audit's count).</item>
    /// <item>ptxen, emulxen, scanxen and epml track the CDA's guest-virtual range: the write went
    /// elsewhere and the PTE that brought it back is no write, so the backup lacks it.</item>
    /// </list>
    /// The audit's truth is stores to CDA addresses (docs/audit.md): it lets a frame go when it is
    /// written outside the CDA, so it reports no miss here, and the end-of-run comparison of
    /// backup and primary is what catches the lost write.
    /// </summary>
    [Theory]
    [MemberData(nameof(TxRun.TrackingPairs), MemberType = typeof(TxRun))]
    public void Mremap_written_away(Technique technique, Platform platform)
    {
        CheckpointedResult r = Run(["mremap-away"], technique, platform);
        AuditTotals audit = r.Session.Audit!;
        if (technique == Technique.UffdWp)
        {
            AssertUffdWpRegistrationLeftBehind(r);
            return;
        }
        if (technique is Technique.Pt or Technique.Emul)
        {
            Assert.Equal(128 + 11, r.ExitStatus);
            Assert.Contains("SIGSEGV (SEGV_ACCERR)", r.Process.FatalReport);
            Assert.Equal(0, audit.Cycles);
            return;
        }
        Assert.Equal(0, r.ExitStatus);
        Assert.Equal(4, audit.Cycles);
        Assert.Equal(4, audit.WrittenPages);
        Assert.Equal(0, audit.MissedPages);
        long extra = technique == Technique.SoftDirty ? 8 : TracksFrames(technique) ? 4 : 0;
        Assert.Equal(extra, audit.ExtraPages);
        Assert.Equal(extra > 0, r.Check.Equal);
        if (extra == 0)
        {
            Assert.Contains("CDA offset 0x4008", r.Check.Detail);
        }
    }

    /// <summary>
    /// uffdwp and a CDA moved out and back: without UFFD_FEATURE_EVENT_REMAP Linux leaves the
    /// userfaultfd registration behind at the old place (mremap_userfaultfd_prep), so the pages
    /// come back unregistered. The library's end-of-cycle PAGEMAP_SCAN asks PM_SCAN_CHECK_WPASYNC,
    /// which makes an unregistered VMA an error (EPERM) instead of a silent skip: ckpt_end fails in
    /// the first cycle and the program stops (status 6) before any commit, so nothing is lost quietly.
    /// </summary>
    private static void AssertUffdWpRegistrationLeftBehind(CheckpointedResult r)
    {
        Assert.Equal(6, r.ExitStatus);
        Assert.Equal(0, r.Session.Audit!.Cycles);
        Assert.Equal(0, r.Session.Audit!.MissedPages);
    }

    /// <summary>
    /// A coroutine's stack in the CDA: a recursion pushes frames into it, then a signal's frame is
    /// written there by the kernel. pt tracks the pushes (its handler runs on its own alternate
    /// stack) and the signal frame lands in pages already made writable; the hypervisor and kernel
    /// techniques see every write. Emul keeps the CDA read-only for the whole run: its engine
    /// performs the pushes, but the kernel cannot write the signal frame into a read-only page and
    /// ends the process (force_sigsegv).
    /// </summary>
    [Theory]
    [MemberData(nameof(TxRun.TrackingPairs), MemberType = typeof(TxRun))]
    public void Stack_in_the_cda(Technique technique, Platform platform)
    {
        var stdout = new MemoryStream();
        CheckpointedResult r = Run(["stack"], technique, platform, stdout: stdout);
        AuditTotals audit = r.Session.Audit!;
        if (technique == Technique.Emul)
        {
            Assert.Equal(128 + 11, r.ExitStatus);
            Assert.Contains("SIGUSR1 frame could not be written", r.Process.FatalReport);
            Assert.Equal(0, audit.Cycles);
            return;
        }
        Assert.Equal(0, r.ExitStatus);
        Assert.Contains("signals handled 4", System.Text.Encoding.ASCII.GetString(stdout.ToArray()));
        Assert.Equal(4, audit.Cycles);
        Assert.Equal(12, audit.WrittenPages);
        Assert.Equal(0, audit.MissedPages);
        Assert.Equal(0, audit.MissedBlocks);
        Assert.Equal(0, audit.ExtraPages);
        Assert.True(r.Check.Equal, r.Check.Detail);
    }

    /// <summary>
    /// Isolated dirty pages under pt past vm.max_map_count, lowered to 1,000 so that 1,000 pages
    /// reach it (the default needs 70,000: <see cref="Isolated_pages_at_the_default_limit"/>). The
    /// library's mprotect fails with ENOMEM about halfway; it then tracks the whole CDA for the
    /// rest of the cycle (guests/ckpt/ckpt_mapcount.h): no write is missed, the unwritten pages
    /// are extra, and the next cycle tracks page by page again.
    /// </summary>
    [Fact]
    public void Isolated_pages_past_the_map_count_limit()
    {
        const int pages = 1000;
        CheckpointedResult r = Run(["isolated", $"{pages}"], Technique.Pt, Platform.Native, maxMapCount: 1000);
        AssertIsolated(r, pages);
    }

    /// <summary>
    /// The same at Linux's default vm.max_map_count (65,530) with 70,000 isolated pages: about
    /// 4 s and half a gigabyte of page copies on the host, so opt-in (HVSIM_LONG_TESTS=1).
    /// </summary>
    [OptInFact("HVSIM_LONG_TESTS")]
    public void Isolated_pages_at_the_default_limit()
    {
        const int pages = 70_000;
        CheckpointedResult r = Run(["isolated", $"{pages}"], Technique.Pt, Platform.Native);
        AssertIsolated(r, pages);
    }

    private static void AssertIsolated(CheckpointedResult r, int pages)
    {
        Assert.Equal(0, r.ExitStatus);
        AuditTotals audit = r.Session.Audit!;
        Assert.Equal(2, audit.Cycles);
        Assert.Equal(pages + 1, audit.WrittenPages);
        Assert.Equal(0, audit.MissedPages);
        Assert.Equal(0, audit.MissedBlocks);
        Assert.Equal(pages + 2, audit.ExtraPages); // cycle 1 copied all 2N + 2 CDA pages; cycle 2 exactly its one page
        Assert.True(r.Check.Equal, r.Check.Detail);
    }

    private static CheckpointedResult Run(string[] args, Technique technique, Platform platform, int maxMapCount = AddressSpace.DefaultMaxMapCount,
        MemoryStream? stdout = null)
    {
        string path = RepositoryPaths.Guest("ckptvma");
        return CheckpointedRun.Run(File.ReadAllBytes(path), "ckptvma", ["ckptvma", .. args], [],
            new KernelOptions { Platform = new PlatformOptions { Platform = platform }, MaxInstructions = 50_000_000, MaxMapCount = maxMapCount },
            new CheckpointOptions { Technique = technique, Audit = true }, Stream.Null, stdout ?? new MemoryStream(), new MemoryStream());
    }
}

/// <summary>A fact skipped unless the environment variable is "1" (long tests, run on request).</summary>
public sealed class OptInFactAttribute : FactAttribute
{
    public OptInFactAttribute(string variable)
    {
        if (Environment.GetEnvironmentVariable(variable) != "1")
        {
            Skip = $"opt-in: set {variable}=1";
        }
    }
}

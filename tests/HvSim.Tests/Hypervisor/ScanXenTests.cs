namespace HvSim.Tests.Hypervisor;

using HvSim.Core;
using HvSim.Hypervisor.Techniques;
using HvSim.Tests.FaultPath;

/// <summary>
/// Scanxen (paper Section IV.D; shadow paging only): nothing is protected; at each cycle's end
/// the hypervisor scans the CDA's shadow PTEs, lists the pages with D set, clears D and flushes
/// the TLB. The shadow D bit must mean "written through this entry": refills must not copy the
/// guest's D, and a dirty entry the shadow pager drops must not take its D bit with it.
/// </summary>
public sealed class ScanXenTests
{
    private const ulong ScanXenMode = (ulong)CheckpointMode.ScanXen;

    [Fact]
    public void Each_cycle_lists_exactly_the_pages_written_in_it()
    {
        var run = new TechniqueRun("xen-shadow");
        run.Execute(new TechniqueGuest(8)
            .Register(run.Token, ScanXenMode).Marker()                                   // marker 0
            .Begin().Store(1, 0, 1).Store(5, 0, 2).Store(5, 8, 3).Load(6).End().Marker() // marker 1
            .Begin().Store(2, 0, 4).End().Marker()                                       // marker 2
            .Begin().Load(3).End().Marker());                                            // marker 3
        Assert.Equal(Enumerable.Repeat(0L, 7), run.Results(7));

        Assert.Equal([1, 5], run.Markers[1].Record.PageNumbers);
        Assert.Equal([2], run.Markers[2].Record.PageNumbers);
        Assert.Empty(run.Markers[3].Record.Pages);

        LedgerSnapshot first = run.Between(0, 1);
        string trace = run.TraceBetween(0, 1);
        Assert.True(first.Count(EventKind.PteScan, Layer.Hypervisor) == 8, trace);
        Assert.True(first.Count(EventKind.PteUpdate, Layer.Hypervisor) == 2, trace);
        Assert.True(first.Count(EventKind.DirtyLogAppend, Layer.Hypervisor) == 2, trace);
        Assert.True(first.Count(EventKind.TlbFlush, Layer.Hypervisor) == 1, trace);
        Assert.True(first.Count(EventKind.PageFault) == 0, trace); // nothing is protected: the writes never fault

        LedgerSnapshot idle = run.Between(2, 3);
        Assert.Equal(8, idle.Count(EventKind.PteScan, Layer.Hypervisor));
        Assert.Equal(0, idle.Count(EventKind.PteUpdate, Layer.Hypervisor));
        Assert.Equal(0, idle.Count(EventKind.TlbFlush, Layer.Hypervisor));
    }

    /// <summary>
    /// The classic trap: clearing a D bit without flushing the TLB leaves the CPU a cached dirty
    /// translation, through which the next write goes without a walk — the CPU does not set D
    /// again — so the next scan misses it. With the flush (the real code) the write is listed.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_D_bit_cleared_without_a_TLB_flush_lets_a_later_write_go_unrecorded(bool flush)
    {
        var run = new TechniqueRun("xen-shadow");
        Assert.True(run.Techniques.ScanXen!.FlushAfterClear, "the real code flushes");
        // Switched after registration, whose own clean-up scan flushes as usual.
        run.AtMarker = index => run.Techniques.ScanXen.FlushAfterClear = index == 0 ? flush : run.Techniques.ScanXen.FlushAfterClear;
        run.Execute(new TechniqueGuest(4)
            .Register(run.Token, ScanXenMode).Marker()  // marker 0
            .Begin().Store(1, 0, 1).End().Marker()      // marker 1: page 1 listed, its D bit cleared
            .Begin().Store(1, 8, 2).End().Marker());    // marker 2: written again, through the cached dirty entry if not flushed
        Assert.Equal([1], run.Markers[1].Record.PageNumbers);
        Assert.Equal(flush ? 1 : 0, run.Between(0, 1).Count(EventKind.TlbFlush, Layer.Hypervisor));
        if (flush)
        {
            Assert.Equal([1], run.Markers[2].Record.PageNumbers);
        }
        else
        {
            Assert.Empty(run.Markers[2].Record.Pages); // the write the flush exists for: missed
        }
        Assert.Equal(2UL, run.Markers[2].CdaU64(4096 + 8));
    }

    [Fact]
    public void A_shadow_refill_after_a_read_does_not_report_a_page_the_guest_once_dirtied()
    {
        // Page 3 was written before registration (the guest's D is set). Its shadow entry is
        // dropped (PROT_NONE) and refilled by a read: the refill must not copy the guest's D.
        var run = new TechniqueRun("xen-shadow");
        run.Execute(new TechniqueGuest(4)
            .Register(run.Token, ScanXenMode).Begin()
            .Mprotect(3, 1, 0).Mprotect(3, 1, PtGuest.ProtRead | PtGuest.ProtWrite)
            .Load(3)
            .End().Marker());
        Assert.Empty(run.Markers[0].Record.Pages);
    }

    [Fact]
    public void A_dirty_shadow_entry_dropped_during_the_cycle_still_reports_its_page()
    {
        var run = new TechniqueRun("xen-shadow");
        run.Execute(new TechniqueGuest(4)
            .Register(run.Token, ScanXenMode).Begin()
            .Store(2, 0, 5)
            .Mprotect(2, 1, 0).Mprotect(2, 1, PtGuest.ProtRead | PtGuest.ProtWrite)
            .End().Marker());
        Assert.Equal([2], run.Markers[0].Record.PageNumbers);
    }
}

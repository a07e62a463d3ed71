namespace HvSim.Tests.Hypervisor;

using HvSim.Core;
using HvSim.Hypervisor.Techniques;
using HvSim.Mmu;
using HvSim.Tests.FaultPath;
using static Iced.Intel.AssemblerRegisters;

/// <summary>
/// PTxen (paper Section IV.A, Figure 5; DESIGN.md "The fault path per platform"): a write to a
/// protected CDA page enters the hypervisor, which lists the page in the application's record,
/// makes it writable, invalidates the TLB entry and returns straight to user mode — the guest
/// kernel never runs; CycleBegin re-protects what the last cycle listed. The guest kernel still
/// owns its PTEs, so a CDA page it maps or unprotects during a cycle must come out read-only.
/// </summary>
public sealed class PtXenTests
{
    private const ulong PtXenMode = (ulong)CheckpointMode.PtXen;

    public static TheoryData<string> Platforms => new() { "xen-pv", "xen-pv/trapped-write", "xen-shadow" };

    private static bool Writable(ulong pte) => PteFormat.Has(pte, Pte.P | Pte.RW);

    [Theory]
    [MemberData(nameof(Platforms))]
    public void The_first_write_to_a_protected_page_is_handled_in_the_hypervisor_and_the_second_does_not_fault(string platform)
    {
        var run = new TechniqueRun(platform);
        bool shadow = platform == "xen-shadow";
        run.Execute(new TechniqueGuest(4)
            .Register(run.Token, PtXenMode).Begin().Marker()    // marker 0
            .Store(1, 8, 7).Marker()                            // marker 1: the first write
            .Store(1, 16, 8).Marker()                           // marker 2: the second write to the page
            .End());
        Assert.Equal([0L, 0L, 0L], run.Results(3));

        // The first CycleBegin protected every CDA page.
        Assert.All(Enumerable.Range(0, 4), page => Assert.False(Writable(run.Markers[0].MmuPte(page, shadow)), $"page {page} is protected"));

        LedgerSnapshot first = run.Between(0, 1);
        string trace = run.TraceBetween(0, 1);
        Assert.True(first.Count(EventKind.PageFault, Layer.User) == 1, trace);
        Assert.True(first.Count(EventKind.FaultHandled, Layer.Hypervisor) == 1, trace);
        Assert.True(first.Count(EventKind.BounceToGuest) == 0, trace);
        Assert.True(first.Count(EventKind.FaultHandled, Layer.Kernel) == 0, trace);
        Assert.True(first.Count(EventKind.SignalDelivery) == 0, trace);
        Assert.True(first.Count(EventKind.SyscallEntry) == 0, trace);
        Assert.True(first.Count(EventKind.DirtyLogAppend, Layer.Hypervisor) == 1, trace);
        Assert.True(first.Count(EventKind.PteUpdate, Layer.Hypervisor) == 1, trace);
        Assert.True(first.Count(EventKind.TlbFlushPage, Layer.Hypervisor) == 1, trace);
        Assert.True(first.Count(EventKind.ReturnToUser, Layer.Hypervisor) == 1, trace);
        string[] expected = shadow
            ? ["user PageFault", "hypervisor TrapToHypervisor", "hypervisor DirtyLogAppend", "hypervisor PageWalk", "hypervisor PteUpdate",
               "hypervisor TlbFlushPage", "hypervisor FaultHandled", "hypervisor ReturnToUser"]
            : ["user PageFault", "hypervisor TrapToHypervisor", "hypervisor DirtyLogAppend", "hypervisor PteUpdate",
               "hypervisor TlbFlushPage", "hypervisor FaultHandled", "hypervisor ReturnToUser"];
        Assert.True(expected.SequenceEqual(run.StepsBetween(0, 1)), trace);

        Assert.Equal([1], run.Markers[1].Record.PageNumbers);
        Assert.True(Writable(run.Markers[1].MmuPte(1, shadow)), "the listed page is writable for the rest of the cycle");
        Assert.False(Writable(run.Markers[1].MmuPte(2, shadow)), "the other pages stay protected");
        Assert.Equal(7UL, run.Markers[1].CdaU64(4096 + 8));

        LedgerSnapshot second = run.Between(1, 2);
        Assert.Equal(0, second.Count(EventKind.PageFault));
        Assert.Equal(0, second.Count(EventKind.TrapToHypervisor));
        Assert.Equal([1], run.Markers[2].Record.PageNumbers);
        Assert.Equal(8UL, run.Markers[2].CdaU64(4096 + 16));
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void CycleBegin_protects_every_page_first_and_then_only_the_pages_listed_last_cycle(string platform)
    {
        var run = new TechniqueRun(platform);
        bool shadow = platform == "xen-shadow";
        run.Execute(new TechniqueGuest(4)
            .Register(run.Token, PtXenMode).Marker()            // marker 0
            .Begin().Marker()                                   // marker 1: the first CycleBegin
            .Store(1, 0, 1).Store(3, 0, 3).End().Marker()       // marker 2
            .Begin().Marker()                                   // marker 3: re-protects pages 1 and 3
            .Store(3, 8, 4).Marker()                            // marker 4
            .End());
        Assert.Equal([0L, 0L, 0L, 0L, 0L], run.Results(5));

        LedgerSnapshot firstBegin = run.Between(0, 1);
        Assert.Equal(4, firstBegin.Count(EventKind.PteUpdate, Layer.Hypervisor));
        Assert.Equal(4, firstBegin.Count(EventKind.TlbFlushPage, Layer.Hypervisor));

        Assert.Equal([1, 3], run.Markers[2].Record.PageNumbers);
        Assert.Equal(2, run.Between(1, 2).Count(EventKind.FaultHandled, Layer.Hypervisor));

        LedgerSnapshot begin = run.Between(2, 3);
        Assert.Equal(2, begin.Count(EventKind.PteUpdate, Layer.Hypervisor));
        Assert.Equal(2, begin.Count(EventKind.TlbFlushPage, Layer.Hypervisor));
        Assert.Equal(0, begin.Count(EventKind.TlbFlush, Layer.Hypervisor));
        Assert.Empty(run.Markers[3].Record.Pages);
        Assert.All(Enumerable.Range(0, 4), page => Assert.False(Writable(run.Markers[3].MmuPte(page, shadow)), $"page {page} is protected again"));

        Assert.Equal(1, run.Between(3, 4).Count(EventKind.FaultHandled, Layer.Hypervisor));
        Assert.Equal([3], run.Markers[4].Record.PageNumbers);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void A_CDA_page_the_kernel_maps_during_a_cycle_is_still_tracked(string platform)
    {
        // Page 3 is never touched before the cycle: it has no PTE until the store's fault makes the
        // kernel map it (demand paging), with a writable entry the hypervisor must not install as such.
        var run = new TechniqueRun(platform);
        bool shadow = platform == "xen-shadow";
        run.Execute(new TechniqueGuest(4, populated: [0, 1, 2])
            .Register(run.Token, PtXenMode).Begin().Marker()   // marker 0
            .Store(3, 0, 5).Marker()                           // marker 1
            .Store(3, 8, 6).Marker()                           // marker 2
            .End());
        Assert.Equal(0UL, run.Markers[0].GuestPtes[3]);

        LedgerSnapshot window = run.Between(0, 1);
        string trace = run.TraceBetween(0, 1);
        Assert.True(window.Count(EventKind.FaultHandled, Layer.Kernel) == 1, trace);   // the kernel populated the page
        Assert.True(window.Count(EventKind.BounceToGuest) == 1, trace);               // its not-present fault was the guest's
        Assert.True(window.Count(EventKind.PageFault, Layer.User) == 2, trace);       // then the store faulted on the protected page
        Assert.True(window.Count(EventKind.FaultHandled, Layer.Hypervisor) == 1, trace);
        Assert.Equal([3], run.Markers[1].Record.PageNumbers);
        Assert.True(Writable(run.Markers[1].MmuPte(3, shadow)));
        Assert.Equal(5UL, run.Markers[1].CdaU64((3 * 4096) + 0));
        Assert.Equal(0, run.Between(1, 2).Count(EventKind.PageFault));
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void A_page_the_application_makes_writable_during_a_cycle_is_still_tracked(string platform)
    {
        var run = new TechniqueRun(platform);
        bool shadow = platform == "xen-shadow";
        run.Execute(new TechniqueGuest(4)
            .Mprotect(2, 1, PtGuest.ProtRead)
            .Register(run.Token, PtXenMode).Begin().Marker()             // marker 0
            .Mprotect(2, 1, PtGuest.ProtRead | PtGuest.ProtWrite).Marker() // marker 1
            .Store(2, 0, 9).Marker()                                     // marker 2
            .End());
        Assert.True(PteFormat.Has(run.Markers[1].GuestPtes[2], Pte.P), "the page is mapped");
        Assert.False(Writable(run.Markers[1].MmuPte(2, shadow)), "the kernel's writable entry was installed read-only");
        Assert.Equal(1, run.Between(1, 2).Count(EventKind.FaultHandled, Layer.Hypervisor));
        Assert.Equal(0, run.Between(1, 2).Count(EventKind.BounceToGuest));
        Assert.Equal([2], run.Markers[2].Record.PageNumbers);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void A_page_remapped_and_read_during_a_cycle_stays_protected(string platform)
    {
        // PROT_NONE and back: the kernel rewrites the PTE (xen-shadow drops the shadow entry); the
        // read then refills it from a writable, dirty guest entry. The write after it must still fault.
        var run = new TechniqueRun(platform);
        bool shadow = platform == "xen-shadow";
        run.Execute(new TechniqueGuest(4)
            .Register(run.Token, PtXenMode).Begin()
            .Mprotect(2, 1, 0).Mprotect(2, 1, PtGuest.ProtRead | PtGuest.ProtWrite)
            .Load(2).Marker()                                  // marker 0
            .Store(2, 0, 9).Marker()                           // marker 1
            .End());
        Assert.True(PteFormat.Has(run.Markers[0].MmuPte(2, shadow), Pte.P), "the read mapped the page");
        Assert.False(Writable(run.Markers[0].MmuPte(2, shadow)), "but read-only");
        Assert.Equal(1, run.Between(0, 1).Count(EventKind.FaultHandled, Layer.Hypervisor));
        Assert.Equal([2], run.Markers[1].Record.PageNumbers);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void A_write_past_the_CDA_end_in_its_last_page_is_tracked_with_the_page(string platform)
    {
        // A CDA of one page and 100 bytes: its second page is protected whole, so a write to the
        // page beyond the CDA's last byte faults too and must be handled (the guest kernel would
        // take it for a spurious fault and retry it forever).
        var run = new TechniqueRun(platform);
        run.Execute(new TechniqueGuest(2)
            .Register(run.Token, PtXenMode, cdaLength: 4096 + 100).Begin()
            .Store(1, 200, 4).Marker()
            .End());
        Assert.Equal([1], run.Markers[0].Record.PageNumbers);
        Assert.Equal(4UL, run.Markers[0].CdaU64(4096 + 200));
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void The_applications_own_read_only_protection_of_a_CDA_page_is_not_lifted(string platform)
    {
        var run = new TechniqueRun(platform);
        HvSim.GuestOs.Kernel.Process process = run.Execute(new TechniqueGuest(2)
            .Register(run.Token, PtXenMode).Begin()
            .Mprotect(1, 1, PtGuest.ProtRead)
            .Store(1, 0, 1), expectedStatus: 128 + 11);
        Assert.Contains("SEGV_ACCERR", process.FatalReport);
        Assert.Equal(0, run.Ledger.Count(EventKind.DirtyLogAppend, Layer.Hypervisor)); // the hypervisor did not take the fault as its own
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void A_kernel_copy_into_a_protected_page_is_tracked(string platform)
    {
        // getrandom(cda + 2 pages, 16, 0): the guest kernel's copy_to_user faults on the protected page.
        var run = new TechniqueRun(platform);
        run.Execute(new TechniqueGuest(4)
            .Register(run.Token, PtXenMode).Begin().Marker()
            .Code(a =>
            {
                a.lea(rdi, __[r12 + (2 * 4096)]);
                a.mov(esi, 16);
                a.xor(edx, edx);
                a.mov(eax, 318);
                a.syscall();
                a.mov(__qword_ptr[r15 + 2040], rax);
            })
            .Marker()
            .End());
        Assert.Equal([2], run.Markers[1].Record.PageNumbers);
        Assert.Equal(1, run.Between(0, 1).Count(EventKind.FaultHandled, Layer.Hypervisor));
        Assert.NotEqual(1UL, run.Markers[1].CdaU64(2 * 4096)); // the random bytes arrived (the page held 1)
    }
}

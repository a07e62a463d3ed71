namespace HvSim.Tests.FaultPath;

using HvSim.Core;
using HvSim.GuestOs.Kernel;

/// <summary>
/// mprotect's cost structure per platform (paper Section II.D: "the page table update invokes a
/// hypercall to trigger a TLB flush"): under xen-pv one mprotect of N present pages is one
/// mmu_update hypercall carrying N validated PTE writes (the range is batched) and mmuext_op for
/// the TLB — the paper's 32-bit 2.6.18-xen guest flushes the whole TLB once per changed VMA
/// (flush_tlb_range in the i386 mach-xen tlbflush.h), a 64-bit guest invalidates N pages up to
/// the 33-page ceiling and flushes everything beyond it; natively the kernel does the same work
/// itself with no hypercall at all.
/// </summary>
public sealed class MprotectHypercallTests
{
    private const string MmuUpdate = "Hypercall.mmu_update", MmuextOp = "Hypercall.mmuext_op", Iret = "Hypercall.iret";

    /// <summary>Runs mprotect RO, RO again (nothing changes), RW over N touched pages; returns the three windows.</summary>
    private static (LedgerSnapshot ToReadOnly, LedgerSnapshot Unchanged, LedgerSnapshot BackToRw) Run(string platform, int pages)
    {
        var run = new PlatformRun(PlatformRun.Options(platform));
        Process process = run.Run(PtGuest.MprotectSequence(pages, PtGuest.ProtRead, PtGuest.ProtRead, PtGuest.ProtRead | PtGuest.ProtWrite));
        Assert.True(process.ExitStatus == 0, $"status {process.ExitStatus} ({process.FatalReport})");
        Assert.Equal(4, run.MarkersPassed);
        return (run.Between(0, 1), run.Between(1, 2), run.Between(2, 3));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(33)]
    [InlineData(34)]
    [InlineData(64)]
    public void On_xen_pv_one_mprotect_of_N_pages_is_one_mmu_update_and_one_full_flush(int pages)
    {
        (LedgerSnapshot toReadOnly, LedgerSnapshot unchanged, LedgerSnapshot backToRw) = Run("xen-pv", pages);
        foreach ((string what, LedgerSnapshot window) in new[] { ("RO", toReadOnly), ("RW", backToRw) })
        {
            Assert.True(window.Subkind(MmuUpdate) == 1, $"mprotect {what} of {pages} pages: one batched mmu_update, not {window.Subkind(MmuUpdate)} ({window})");
            Assert.True(window.Subkind(MmuextOp) == 1, $"mprotect {what}: one mmuext_op for the TLB ({window})");
            // The paper's 32-bit PV kernel returns to user mode with a plain iret from ring 1.
            Assert.True(window.Subkind(Iret) == 0, $"mprotect {what}: the return to user mode is a plain iret, no hypercall ({window})");
            Assert.Equal(1, window.Count(EventKind.ReturnToUser, Layer.Kernel));
            Assert.Equal(2, window.Count(EventKind.Hypercall, Layer.Kernel));
            Assert.Equal(pages, window.Count(EventKind.PteUpdate, Layer.Hypervisor));
            Assert.Equal(0, window.Count(EventKind.PteUpdate, Layer.Kernel));
            // One VMA changed: one MMUEXT_TLB_FLUSH_LOCAL, however many pages.
            Assert.Equal(0, window.Count(EventKind.TlbFlushPage, Layer.Hypervisor));
            Assert.Equal(1, window.Count(EventKind.TlbFlush, Layer.Hypervisor));
        }
        // An mprotect that changes no PTE needs neither a PTE update nor a flush.
        Assert.Equal(0, unchanged.Subkind(MmuUpdate));
        Assert.Equal(0, unchanged.Subkind(MmuextOp));
        Assert.Equal(0, unchanged.Subkind(Iret));
        Assert.Equal(0, unchanged.Count(EventKind.Hypercall, Layer.Kernel));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(33)]
    [InlineData(34)]
    public void A_64_bit_PV_kernel_invalidates_page_by_page_up_to_the_ceiling(int pages)
    {
        (LedgerSnapshot toReadOnly, _, _) = Run("xen-pv/hypervisor-syscall", pages);
        Assert.Equal(1, toReadOnly.Subkind(MmuUpdate));
        Assert.Equal(1, toReadOnly.Subkind(MmuextOp));
        Assert.Equal(pages <= AddressSpace.SinglePageFlushCeiling ? pages : 0, toReadOnly.Count(EventKind.TlbFlushPage, Layer.Hypervisor));
        Assert.Equal(pages <= AddressSpace.SinglePageFlushCeiling ? 0 : 1, toReadOnly.Count(EventKind.TlbFlush, Layer.Hypervisor));
    }

    [Fact]
    public void A_32_bit_guest_on_32_bit_Xen_flushes_as_on_64_bit_Xen_but_enters_its_kernel_directly()
    {
        (LedgerSnapshot compat, _, _) = Run("xen-pv", 8);
        (LedgerSnapshot trapGate, _, _) = Run("xen-pv/trap-gate", 8);
        Assert.Equal(1, trapGate.Count(EventKind.TlbFlush, Layer.Hypervisor));
        Assert.Equal(0, trapGate.Count(EventKind.TlbFlushPage, Layer.Hypervisor));
        // int 0x80 of a compat guest goes through Xen's ring-0 handler and a bounce; a trap gate reaches ring 1 directly.
        Assert.Equal(1, compat.Count(EventKind.BounceToGuest, Layer.Hypervisor));
        Assert.Equal(0, trapGate.Count(EventKind.BounceToGuest, Layer.Hypervisor));
        Assert.Equal(compat.Count(EventKind.Hypercall, Layer.Kernel), trapGate.Count(EventKind.Hypercall, Layer.Kernel));
    }

    [Fact]
    public void A_64_bit_PV_kernel_returns_to_user_mode_through_the_iret_hypercall()
    {
        (LedgerSnapshot toReadOnly, LedgerSnapshot unchanged, _) = Run("xen-pv/hypervisor-syscall", 8);
        Assert.Equal(1, toReadOnly.Subkind(Iret));
        Assert.Equal(3, toReadOnly.Count(EventKind.Hypercall, Layer.Kernel));
        Assert.Equal(0, toReadOnly.Count(EventKind.ReturnToUser, Layer.Kernel));
        Assert.Equal(1, toReadOnly.Count(EventKind.ReturnToUser, Layer.Hypervisor));
        Assert.Equal(1, unchanged.Subkind(Iret));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(64)]
    public void On_xen_pv_with_trapped_writes_each_PTE_store_is_emulated_and_the_flush_is_still_one_mmuext_op(int pages)
    {
        (LedgerSnapshot toReadOnly, _, _) = Run("xen-pv/trapped-write", pages);
        Assert.Equal(0, toReadOnly.Subkind(MmuUpdate));
        Assert.Equal(1, toReadOnly.Subkind(MmuextOp));
        Assert.Equal(1, toReadOnly.Count(EventKind.TlbFlush, Layer.Hypervisor));
        Assert.Equal(pages, toReadOnly.Count(EventKind.PageFault, Layer.Kernel));
        Assert.Equal(pages, toReadOnly.Count(EventKind.PtWriteEmulated, Layer.Hypervisor));
        Assert.Equal(pages, toReadOnly.Count(EventKind.InstructionDecode, Layer.Hypervisor));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(64)]
    public void Natively_mprotect_makes_no_hypercall_and_the_kernel_writes_every_PTE_itself(int pages)
    {
        (LedgerSnapshot toReadOnly, LedgerSnapshot unchanged, LedgerSnapshot backToRw) = Run("native", pages);
        foreach (LedgerSnapshot window in new[] { toReadOnly, unchanged, backToRw })
        {
            Assert.Equal(0, window.Count(EventKind.Hypercall));
            Assert.Equal(0, window.Count(EventKind.TrapToHypervisor));
            Assert.DoesNotContain(window.Subkinds, s => s.Value != 0);
        }
        Assert.Equal(pages, toReadOnly.Count(EventKind.PteUpdate, Layer.Kernel));
        Assert.Equal(pages <= AddressSpace.SinglePageFlushCeiling ? pages : 0, toReadOnly.Count(EventKind.TlbFlushPage, Layer.Kernel));
        Assert.Equal(pages <= AddressSpace.SinglePageFlushCeiling ? 0 : 1, toReadOnly.Count(EventKind.TlbFlush, Layer.Kernel));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    public void Under_shadow_paging_each_PTE_store_traps_and_no_mmu_update_is_made(int pages)
    {
        (LedgerSnapshot toReadOnly, _, _) = Run("xen-shadow", pages);
        Assert.Equal(0, toReadOnly.Subkind(MmuUpdate));
        Assert.Equal(pages, toReadOnly.Count(EventKind.PtWriteEmulated, Layer.Hypervisor));
        Assert.Equal(pages, toReadOnly.Count(EventKind.PageFault, Layer.Kernel));
        // Every shadow entry made from a rewritten guest entry is dropped (the pages were touched, so each had one).
        Assert.True(toReadOnly.Count(EventKind.PteUpdate, Layer.Hypervisor) >= pages, toReadOnly.ToString());
    }
}

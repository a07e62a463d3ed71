namespace HvSim.Tests.FaultPath;

using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.GuestOs.Linux;
using HvSim.Hypervisor;
using HvSim.Mmu;
using HvSim.Tests.GuestOsTests;

/// <summary>
/// The TLB goes stale as hardware's does, which is why every step of the path that downgrades a
/// PTE must also invalidate: a PTE written read-only without a flush still lets a write through
/// (on every platform's hardware tables: the guest's own under native and xen-pv, the shadow's
/// under xen-shadow), and the kernel's mprotect never leaves such an entry behind.
/// </summary>
public sealed unsafe class StaleTlbTests
{
    private const ulong Page = 0x7000_0000_0000;

    public static TheoryData<string> AllPlatforms() =>
        new("native", "xen-pv", "xen-pv/hypervisor-syscall", "xen-pv/trapped-write", "xen-shadow");

    [Theory]
    [InlineData("native")]
    [InlineData("xen-pv")]
    [InlineData("xen-shadow")]
    public void A_hardware_PTE_downgraded_without_a_flush_still_lets_a_write_through_until_invlpg(string platform)
    {
        var run = new PlatformRun(PlatformRun.Options(platform));
        Process process = run.Start(TinyElf.Build(new TinyElf.Code().ExitGroup().ToArray())); // CR3 loaded, not run
        GuestKernel kernel = run.Kernel;
        HvSim.Mmu.Mmu mmu = kernel.Mmu;
        process.Space.Map(Page, PageGeometry.PageSize, MemoryProtection.PROT_READ | MemoryProtection.PROT_WRITE, shared: false, "test");

        // Populate the page and write it, as the kernel's own copy_to_user does (demand paging,
        // and under shadow paging the shadow fill): the TLB now holds a writable, dirty entry.
        Assert.True(kernel.UserMemory.CopyTo(process.Space, Page, new byte[] { 0x11 }), "test setup: the page is populated");
        Assert.True(mmu.TryWrite(Page + 8, new byte[] { 0x22 }, user: true, out MemoryFault setupFault), $"test setup: a user write succeeds ({setupFault})");
        Assert.True(mmu.Tlb.Contains(Page), "test setup: the TLB caches the page");

        // Write the hardware's leaf entry read-only behind the TLB's back (no invlpg).
        Assert.True(mmu.Walker.TryWalk(mmu.Cr3, Page, AccessKind.Read, user: true, out Translation hw, out _), "the hardware tables map the page");
        var leaf = new GuestPhysical(hw.LeafEntryAddress);
        ulong entry = kernel.Memory.ReadU64(leaf);
        Assert.True(PteFormat.Has(entry, Pte.RW), "test setup: the hardware entry is writable");
        kernel.Memory.WriteU64(leaf, entry & ~(ulong)Pte.RW);

        Assert.True(mmu.FastWrite(Page + 16) is not null, "stale TLB: the fast write path still serves the page");
        Assert.True(mmu.TryWrite(Page + 16, new byte[] { 0x33 }, user: true, out _), "stale TLB: a write goes through a read-only PTE");
        byte[] back = new byte[1];
        Assert.True(kernel.UserMemory.CopyFrom(process.Space, Page + 16, back) && back[0] == 0x33, "the stale write reached the frame");

        mmu.InvalidatePage(Page);

        Assert.True(mmu.FastWrite(Page + 16) is null, "after invlpg the fast path no longer serves the page");
        Assert.False(mmu.TryWrite(Page + 24, new byte[] { 0x44 }, user: true, out MemoryFault fault), "after invlpg the write faults");
        Assert.Equal(FaultKind.PageFault, fault.Kind);
        Assert.Equal(PageFaultErrorCode.Present | PageFaultErrorCode.Write | PageFaultErrorCode.User, fault.ErrorCode);
        Assert.Equal(Page + 24, fault.Address);
    }

    public static TheoryData<string, int> PlatformsAndSizes()
    {
        var data = new TheoryData<string, int>();
        foreach (string platform in AllPlatforms())
        {
            // One page (invlpg), the 33-page ceiling (33 invlpgs), just past it and beyond (one full flush).
            foreach (int pages in new[] { 1, AddressSpace.SinglePageFlushCeiling, AddressSpace.SinglePageFlushCeiling + 1, 64 })
            {
                data.Add(platform, pages);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(PlatformsAndSizes))]
    public void After_mprotect_RO_through_the_system_call_every_user_write_faults(string platform, int pages)
    {
        var run = new PlatformRun(PlatformRun.Options(platform));
        int cachedBeforeMprotect = -1;
        run.Kernel.MarkerPassed += () =>
        {
            if (run.MarkersPassed == 1)
            {
                // Just before mprotect (r12 holds the mapping): how many written pages the TLB caches.
                ulong start = run.Kernel.Cpu.R(HvSim.Cpu.Reg.R12);
                cachedBeforeMprotect = Enumerable.Range(0, pages).Count(i => run.Kernel.Mmu.Tlb.Contains(start + ((ulong)i * PageGeometry.PageSize)));
            }
        };
        Process process = run.Run(PtGuest.WritesAfterMprotect(pages));
        Assert.True(cachedBeforeMprotect == pages,
            $"test setup: before mprotect the TLB caches every written page ({cachedBeforeMprotect} of {pages})");
        Assert.True(process.ExitStatus == pages,
            $"{platform}: {pages} pages made read-only, {process.ExitStatus} of the writes after it faulted ({process.FatalReport})");
        Assert.Equal(pages, (int)run.Ledger.Count(EventKind.SignalDelivery));
    }
}

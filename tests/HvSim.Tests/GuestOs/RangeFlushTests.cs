namespace HvSim.Tests.GuestOsTests;

using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.GuestOs.Linux;
using HvSim.Hypervisor;
using HvSim.Mmu;
using static SpaceRig;

/// <summary>
/// How mprotect invalidates the TLB: Linux 2.6.18-xen i386 (the paper's guest) flushes the whole
/// TLB once per VMA whose protection changed, present PTEs or not; a modern kernel invalidates
/// the changed pages one by one up to 33 and flushes everything beyond.
/// </summary>
public sealed class RangeFlushTests
{
    private const ulong Base = 0x0000_2000_0000;

    /// <summary>16 touched RW pages with pages 2-3 and 8-9 read-only: VMAs 0-2 rw, 2-4 r, 4-8 rw, 8-10 r, 10-16 rw.</summary>
    private static SpaceRig FiveVmas(RangeFlush rule)
    {
        var rig = new SpaceRig(rangeFlush: rule);
        rig.Space.Map(Base, 16 * Page, RW, shared: false, name: "anon");
        for (ulong page = 0; page < 16; page++)
        {
            Assert.Equal(FaultOutcome.Fixed, rig.Space.HandleFault(Base + (page * Page), AccessKind.Write));
        }
        Assert.True(rig.Space.Protect(Base + (2 * Page), 2 * Page, R));
        Assert.True(rig.Space.Protect(Base + (8 * Page), 2 * Page, R));
        return rig;
    }

    private static (long Full, long Pages) Flushes(SpaceRig rig, Action act)
    {
        long full = rig.Ledger.Count(EventKind.TlbFlush, Layer.Kernel), pages = rig.Ledger.Count(EventKind.TlbFlushPage, Layer.Kernel);
        act();
        return (rig.Ledger.Count(EventKind.TlbFlush, Layer.Kernel) - full, rig.Ledger.Count(EventKind.TlbFlushPage, Layer.Kernel) - pages);
    }

    [Fact]
    public void The_2_6_18_xen_rule_flushes_once_per_changed_vma()
    {
        SpaceRig rig = FiveVmas(RangeFlush.FullFlushPerChangedVma);
        // Three VMAs (0-2, 4-8, 10-16) change to read-only; the two read-only ones are left alone.
        Assert.Equal((3, 0), Flushes(rig, () => rig.Space.Protect(Base, 16 * Page, R)));
        // Nothing changes: mprotect_fixup skips every VMA, so nothing is flushed.
        Assert.Equal((0, 0), Flushes(rig, () => rig.Space.Protect(Base, 16 * Page, R)));
    }

    [Fact]
    public void The_2_6_18_xen_rule_flushes_a_changed_vma_even_without_present_pages()
    {
        var rig = new SpaceRig(rangeFlush: RangeFlush.FullFlushPerChangedVma);
        rig.Space.Map(Base, 4 * Page, RW, shared: false, name: "anon");
        Assert.Equal((1, 0), Flushes(rig, () => rig.Space.Protect(Base, 4 * Page, R)));
    }

    [Fact]
    public void The_modern_rule_invalidates_each_changed_page()
    {
        SpaceRig rig = FiveVmas(RangeFlush.PerPageUpToCeiling);
        Assert.Equal((0, 12), Flushes(rig, () => rig.Space.Protect(Base, 16 * Page, R)));
    }

    [Theory]
    [InlineData(Platform.Native, SyscallPath.Compat, RangeFlush.PerPageUpToCeiling)]
    [InlineData(Platform.XenPv, SyscallPath.Compat, RangeFlush.FullFlushPerChangedVma)]
    [InlineData(Platform.XenPv, SyscallPath.TrapGate, RangeFlush.FullFlushPerChangedVma)]
    [InlineData(Platform.XenShadow, SyscallPath.Compat, RangeFlush.FullFlushPerChangedVma)]
    [InlineData(Platform.XenPv, SyscallPath.ThroughHypervisor, RangeFlush.PerPageUpToCeiling)]
    public void The_32_bit_pv_flavours_run_the_2_6_18_xen_rule(Platform platform, SyscallPath path, RangeFlush expected) =>
        Assert.Equal(expected, RangeFlushRule.For(new PlatformOptions { Platform = platform, SyscallPath = path }));
}

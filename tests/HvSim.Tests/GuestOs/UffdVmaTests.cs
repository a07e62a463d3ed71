namespace HvSim.Tests.GuestOsTests;

using HvSim.GuestOs.Kernel;
using HvSim.GuestOs.Linux;
using HvSim.Mmu;
using static SpaceRig;

/// <summary>
/// userfaultfd registration on the address space itself (fs/userfaultfd.c, mm/vma.c): VM_UFFD_WP
/// splits a VMA at the range's edges, never merges across contexts, is kept by mprotect's splits,
/// and unregistering merges the VMA back; the uffd-wp bit survives mprotect and a write clears it.
/// </summary>
public sealed class UffdVmaTests
{
    private const ulong Base = 0x0000_1000_0000;

    private static string Layout(AddressSpace space) =>
        string.Join(" ", space.Vmas.Select(v => $"{(v.Start - Base) / Page}-{(v.End - Base) / Page}{(v.UffdWp is null ? "" : ":wp")}"));

    private static (SpaceRig Rig, UserfaultfdContext Context) Registered(int pages, ulong from, ulong to)
    {
        var rig = new SpaceRig();
        rig.Space.Map(Base, (ulong)pages * Page, RW, shared: false, name: "anon");
        var context = new UserfaultfdContext(rig.Space, userModeOnly: true);
        context.Enable(Userfaultfd.FeatureWpAsync | Userfaultfd.FeatureWpUnpopulated);
        Assert.Null(rig.Space.RegisterUffdWp(Base + (from * Page), Base + (to * Page), context));
        return (rig, context);
    }

    [Fact]
    public void Registering_a_middle_part_splits_the_vma_and_unregistering_merges_it_back()
    {
        (SpaceRig rig, UserfaultfdContext context) = Registered(16, 4, 8);
        Assert.Equal("0-4 4-8:wp 8-16", Layout(rig.Space));
        Assert.Same(context, rig.Space.Find(Base + (5 * Page))!.UffdWp);

        // mprotect inside the registered part splits it; each part keeps VM_UFFD_WP, and they merge back.
        Assert.True(rig.Space.Protect(Base + (5 * Page), Page, R));
        Assert.Equal("0-4 4-5:wp 5-6:wp 6-8:wp 8-16", Layout(rig.Space));
        Assert.True(rig.Space.Protect(Base + (5 * Page), Page, RW));
        Assert.Equal("0-4 4-8:wp 8-16", Layout(rig.Space));

        // A second context may not take a registered VMA.
        var other = new UserfaultfdContext(rig.Space, userModeOnly: true);
        other.Enable(Userfaultfd.FeatureWpAsync | Userfaultfd.FeatureWpUnpopulated);
        Assert.Equal(Errno.EBUSY, rig.Space.RegisterUffdWp(Base, Base + (16 * Page), other));
        Assert.Equal("0-4 4-8:wp 8-16", Layout(rig.Space));

        Assert.Null(rig.Space.UnregisterUffd(Base + (4 * Page), Base + (8 * Page)));
        Assert.Equal("0-16", Layout(rig.Space));
    }

    [Fact]
    public void The_uffd_wp_bit_survives_mprotect_and_a_write_clears_it_in_the_kernel()
    {
        (SpaceRig rig, _) = Registered(4, 0, 4);
        ulong page = Base + Page;
        Assert.Equal(FaultOutcome.Fixed, rig.Space.HandleFault(page, AccessKind.Write));
        Assert.Null(rig.Space.WriteProtectUffd(Base, Base + (4 * Page), protect: true));
        Assert.NotEqual(0UL, rig.Pte(page) & AddressSpace.UffdWpBit);
        Assert.Equal(AddressSpace.UffdWpMarker, rig.Pte(Base + (2 * Page))); // never populated: a marker (WP_UNPOPULATED)

        // mprotect read-write keeps the bit and the protection (can_change_pte_writable refuses it).
        Assert.True(rig.Space.Protect(Base, 4 * Page, R));
        Assert.True(rig.Space.Protect(Base, 4 * Page, RW));
        Assert.Equal(0UL, rig.Pte(page) & (ulong)Pte.RW);
        Assert.NotEqual(0UL, rig.Pte(page) & AddressSpace.UffdWpBit);

        Assert.Equal(FaultOutcome.Fixed, rig.Space.HandleFault(page, AccessKind.Write, out FaultFix fix));
        Assert.Equal(FaultFix.UffdWpResolved, fix);
        Assert.Equal(0UL, rig.Pte(page) & AddressSpace.UffdWpBit);
        Assert.NotEqual(0UL, rig.Pte(page) & (ulong)Pte.RW);

        // munmap drops the marker with the rest.
        Assert.True(rig.Space.Unmap(Base, 4 * Page));
        Assert.Equal(0UL, rig.Pte(Base + (2 * Page)));
    }

    [Fact]
    public void Mremap_leaves_the_registration_behind_without_event_remap()
    {
        // mremap_userfaultfd_prep: no UFFD_FEATURE_EVENT_REMAP, so the moved VMA is unregistered,
        // its PTEs lose the uffd-wp bit (write permission stays off) and its markers are dropped.
        (SpaceRig rig, _) = Registered(4, 0, 4);
        ulong page = Base + Page;
        Assert.Equal(FaultOutcome.Fixed, rig.Space.HandleFault(page, AccessKind.Write));
        Assert.Null(rig.Space.WriteProtectUffd(Base, Base + (4 * Page), protect: true));
        ulong target = Base + (64 * Page);
        Assert.True(rig.Space.Move(Base, 4 * Page, target, 4 * Page, keepSource: false));

        Assert.Equal("64-68", Layout(rig.Space));
        ulong moved = rig.Pte(target + Page);
        Assert.Equal(0UL, moved & AddressSpace.UffdWpBit);
        Assert.Equal(0UL, moved & (ulong)Pte.RW);
        Assert.NotEqual(0UL, moved & AddressSpace.SoftDirtyBit); // move_soft_dirty_pte
        Assert.Equal(0UL, rig.Pte(target + (2 * Page))); // the marker did not move

        // The next write is an ordinary write fault on a writable VMA, not a uffd-wp resolve.
        Assert.Equal(FaultOutcome.Fixed, rig.Space.HandleFault(target + Page, AccessKind.Write, out FaultFix fix));
        Assert.NotEqual(FaultFix.UffdWpResolved, fix);
        Assert.NotEqual(0UL, rig.Pte(target + Page) & (ulong)Pte.RW);
    }
}

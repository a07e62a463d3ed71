namespace HvSim.Tests.GuestOsTests;

using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.GuestOs.Linux;
using HvSim.Mmu;
using static SpaceRig;

/// <summary>
/// The guest kernel's address space on its own: VMAs split and merge under mprotect, PTEs keep
/// their frame and A/D bits but take the new rights, every changed translation leaves the TLB,
/// pages appear on first touch only, and unmapping or destroying gives every frame back.
/// </summary>
public sealed class AddressSpaceTests
{
    private const ulong Base = 0x0000_1000_0000;

    /// <param name="shared">A shared mapping: a page only read still gets a frame of its own and a writable, clean PTE (a private one reads the zero page, read-only).</param>
    private static SpaceRig WithRegion(int pages, MemoryProtection protection = RW, bool shared = false)
    {
        var rig = new SpaceRig();
        rig.Space.Map(Base, (ulong)pages * Page, protection, shared, name: "anon");
        return rig;
    }

    private static string Layout(AddressSpace space) =>
        string.Join(" ", space.Vmas.Select(v => $"{(v.Start - Base) / Page}-{(v.End - Base) / Page}:{v.ProtectionText}"));

    [Fact]
    public void Mprotect_of_a_middle_part_splits_one_vma_into_three_and_protecting_it_back_merges_them()
    {
        SpaceRig rig = WithRegion(16);
        Assert.Equal("0-16:rw-", Layout(rig.Space));

        Assert.True(rig.Space.Protect(Base + (6 * Page), 4 * Page, R));
        Assert.Equal("0-6:rw- 6-10:r-- 10-16:rw-", Layout(rig.Space));
        Assert.Same(rig.Space.Find(Base + (7 * Page)), rig.Space.Find(Base + (9 * Page)));
        Assert.Equal(R, rig.Space.Find(Base + (6 * Page))!.Protection);
        Assert.Equal(RW, rig.Space.Find(Base + (5 * Page))!.Protection);
        Assert.Equal(RW, rig.Space.Find(Base + (10 * Page))!.Protection);

        Assert.True(rig.Space.Protect(Base + (6 * Page), 4 * Page, RW));
        Assert.Equal("0-16:rw-", Layout(rig.Space));
    }

    [Fact]
    public void Mprotect_at_one_edge_splits_in_two_and_the_same_protection_changes_nothing()
    {
        SpaceRig rig = WithRegion(8);
        Assert.True(rig.Space.Protect(Base, 3 * Page, R));
        Assert.Equal("0-3:r-- 3-8:rw-", Layout(rig.Space));
        Assert.True(rig.Space.Protect(Base + (5 * Page), 3 * Page, R));
        Assert.Equal("0-3:r-- 3-5:rw- 5-8:r--", Layout(rig.Space));
        long changes = rig.Ledger.Count(EventKind.VmaChange);
        Assert.True(rig.Space.Protect(Base + (5 * Page), 3 * Page, R));
        Assert.Equal("0-3:r-- 3-5:rw- 5-8:r--", Layout(rig.Space));
        Assert.Equal(changes, rig.Ledger.Count(EventKind.VmaChange));
        Assert.True(rig.Space.Protect(Base, 8 * Page, RW));
        Assert.Equal("0-8:rw-", Layout(rig.Space));
    }

    [Fact]
    public void Mprotect_over_a_hole_changes_the_part_before_it_and_reports_failure_as_linux_does()
    {
        SpaceRig rig = WithRegion(16);
        rig.Space.Unmap(Base + (6 * Page), 4 * Page);
        Assert.Equal("0-6:rw- 10-16:rw-", Layout(rig.Space));

        Assert.False(rig.Space.Protect(Base, 16 * Page, R), "a hole in the range is ENOMEM");
        Assert.Equal("0-6:r-- 10-16:rw-", Layout(rig.Space));

        Assert.False(rig.Space.Protect(Base + (6 * Page), 6 * Page, MemoryProtection.PROT_NONE), "an unmapped start is ENOMEM");
        Assert.Equal("0-6:r-- 10-16:rw-", Layout(rig.Space));
    }

    [Fact]
    public void Mprotect_rewrites_present_ptes_keeping_frame_and_accessed_dirty_bits_and_sets_nx_unless_executable()
    {
        SpaceRig rig = WithRegion(2, shared: true);
        Assert.Equal(FaultOutcome.Fixed, rig.Touch(Base, AccessKind.Write, 0x5a));
        Assert.Equal(FaultOutcome.Fixed, rig.Touch(Base + Page, AccessKind.Read));
        ulong dirty = rig.Pte(Base), clean = rig.Pte(Base + Page);
        Assert.True(PteFormat.Has(dirty, Pte.P | Pte.RW | Pte.US | Pte.A | Pte.D | Pte.NX), PteFormat.Describe(dirty));
        Assert.True(PteFormat.Has(clean, Pte.P | Pte.RW | Pte.US | Pte.A | Pte.NX), PteFormat.Describe(clean));
        Assert.False(PteFormat.Has(clean, Pte.D), "a read does not dirty the page");

        Assert.True(rig.Space.Protect(Base, 2 * Page, R));
        ulong roDirty = rig.Pte(Base), roClean = rig.Pte(Base + Page);
        Assert.Equal(PteFormat.Address(dirty), PteFormat.Address(roDirty));
        Assert.Equal(PteFormat.Address(clean), PteFormat.Address(roClean));
        // The written page keeps its soft-dirty bit too (change_pte_range keeps it; the write fault set it).
        Assert.Equal((ulong)(Pte.P | Pte.US | Pte.A | Pte.D | Pte.NX) | AddressSpace.SoftDirtyBit, roDirty & ~PteFormat.AddressMask);
        Assert.Equal((ulong)(Pte.P | Pte.US | Pte.A | Pte.NX), roClean & ~PteFormat.AddressMask);

        Assert.True(rig.Space.Protect(Base, Page, R | MemoryProtection.PROT_EXEC));
        Assert.Equal((ulong)(Pte.P | Pte.US | Pte.A | Pte.D) | AddressSpace.SoftDirtyBit, rig.Pte(Base) & ~PteFormat.AddressMask);

        Assert.True(rig.Space.Protect(Base, Page, MemoryProtection.PROT_NONE));
        ulong none = rig.Pte(Base);
        Assert.False(PteFormat.Has(none, Pte.P), "PROT_NONE: not present to the MMU");
        Assert.Equal(AddressSpace.ProtNoneBit, none & AddressSpace.ProtNoneBit);
        Assert.Equal(PteFormat.Address(dirty), PteFormat.Address(none));

        Assert.True(rig.Space.Protect(Base, Page, RW));
        Assert.Equal(PteFormat.Address(dirty), PteFormat.Address(rig.Pte(Base)));
        Assert.Equal((ulong)(Pte.P | Pte.RW | Pte.US | Pte.A | Pte.D | Pte.NX) | AddressSpace.SoftDirtyBit, rig.Pte(Base) & ~PteFormat.AddressMask);
        Assert.Equal(0x5a, rig.Read(Base));
    }

    [Fact]
    public void Mprotect_read_only_never_leaves_a_stale_writable_tlb_entry()
    {
        SpaceRig rig = WithRegion(4);
        for (ulong p = 0; p < 4; p++)
        {
            Assert.Equal(FaultOutcome.Fixed, rig.Touch(Base + (p * Page), AccessKind.Write, 1));
            Assert.Null(rig.UserAccess(Base + (p * Page) + 8, AccessKind.Write, 2)); // cached, writable, dirty
            Assert.True(rig.Mmu.Tlb.Contains(Base + (p * Page)));
        }
        long invalidations = rig.Ledger.Count(EventKind.TlbFlushPage);

        Assert.True(rig.Space.Protect(Base, 4 * Page, R));

        Assert.Equal(invalidations + 4, rig.Ledger.Count(EventKind.TlbFlushPage));
        for (ulong p = 0; p < 4; p++)
        {
            ulong va = Base + (p * Page);
            Assert.False(rig.Mmu.Tlb.Contains(va), $"page {p}: its translation was invalidated");
            MemoryFault? fault = rig.UserAccess(va + 16, AccessKind.Write, 3);
            Assert.NotNull(fault);
            Assert.Equal(FaultKind.PageFault, fault.Value.Kind);
            Assert.Equal(PageFaultErrorCode.Present | PageFaultErrorCode.Write | PageFaultErrorCode.User, fault.Value.ErrorCode);
            Assert.Equal(FaultOutcome.AccessError, rig.Space.HandleFault(va + 16, AccessKind.Write));
            Assert.Null(rig.UserAccess(va + 8, AccessKind.Read));
            Assert.Equal(2, rig.Read(va + 8));
            Assert.Equal(0, rig.Read(va + 16));
        }

        // The PT cycle: unprotect one page, the retried write succeeds, the neighbours stay read-only.
        Assert.True(rig.Space.Protect(Base + Page, Page, RW));
        Assert.Null(rig.UserAccess(Base + Page + 16, AccessKind.Write, 3));
        Assert.NotNull(rig.UserAccess(Base + 16, AccessKind.Write, 3));
        Assert.NotNull(rig.UserAccess(Base + (2 * Page) + 16, AccessKind.Write, 3));
    }

    [Fact]
    public void Mprotect_invalidates_only_pages_whose_pte_changed_and_untouched_pages_get_no_pte()
    {
        SpaceRig rig = WithRegion(8, shared: true);
        Assert.Equal(FaultOutcome.Fixed, rig.Touch(Base + (2 * Page), AccessKind.Write));
        Assert.Equal(FaultOutcome.Fixed, rig.Touch(Base + (5 * Page), AccessKind.Read));
        long invalidations = rig.Ledger.Count(EventKind.TlbFlushPage);
        long pteWrites = rig.Ledger.Count(EventKind.PteUpdate);

        Assert.True(rig.Space.Protect(Base, 8 * Page, R));

        Assert.Equal(2, rig.Ledger.Count(EventKind.TlbFlushPage) - invalidations);
        Assert.Equal(2, rig.Ledger.Count(EventKind.PteUpdate) - pteWrites);
        for (ulong p = 0; p < 8; p++)
        {
            Assert.True((rig.Pte(Base + (p * Page)) != 0) == (p is 2 or 5), $"page {p}");
        }
    }

    [Fact]
    public void Untouched_pages_have_no_pte_and_a_fault_populates_them_with_the_vmas_rights()
    {
        var rig = new SpaceRig();
        rig.Space.Map(Base, 4 * Page, RW, shared: false, name: "rw");
        rig.Space.Map(Base + (8 * Page), 4 * Page, R, shared: false, name: "ro");
        rig.Space.Map(Base + (16 * Page), 4 * Page, R | MemoryProtection.PROT_EXEC, shared: false, name: "rx");
        rig.Space.Map(Base + (24 * Page), 4 * Page, MemoryProtection.PROT_NONE, shared: false, name: "none");
        Assert.Equal(1, rig.Frames.InUse); // only the root: no page and no table yet
        for (ulong p = 0; p < 28; p++)
        {
            Assert.Equal(0UL, rig.Pte(Base + (p * Page)));
        }

        // A user access to an unpopulated page faults as not-present.
        MemoryFault? first = rig.UserAccess(Base + 0x123, AccessKind.Write, 7);
        Assert.NotNull(first);
        Assert.Equal(PageFaultErrorCode.Write | PageFaultErrorCode.User, first.Value.ErrorCode);

        Assert.Equal(FaultOutcome.Fixed, rig.Space.HandleFault(Base + 0x123, AccessKind.Write));
        // A write fault maps the page soft-dirty (do_anonymous_page: pte_mkdirty sets _PAGE_SOFT_DIRTY on x86).
        Assert.Equal((ulong)(Pte.P | Pte.RW | Pte.US | Pte.NX) | AddressSpace.SoftDirtyBit, rig.Pte(Base) & ~PteFormat.AddressMask);
        Assert.Equal(0UL, rig.Pte(Base + Page));
        Assert.Null(rig.UserAccess(Base + 0x123, AccessKind.Write, 7));
        Assert.Equal(7, rig.Read(Base + 0x123));
        Assert.Equal(0, rig.Read(Base + 0x124));

        Assert.Equal(FaultOutcome.Fixed, rig.Space.HandleFault(Base + (8 * Page), AccessKind.Read));
        Assert.Equal((ulong)(Pte.P | Pte.US | Pte.NX), rig.Pte(Base + (8 * Page)) & ~PteFormat.AddressMask);
        Assert.Equal(FaultOutcome.Fixed, rig.Space.HandleFault(Base + (16 * Page), AccessKind.Execute));
        Assert.Equal((ulong)(Pte.P | Pte.US), rig.Pte(Base + (16 * Page)) & ~PteFormat.AddressMask);

        long inUse = rig.Frames.InUse;
        Assert.Equal(FaultOutcome.AccessError, rig.Space.HandleFault(Base + (9 * Page), AccessKind.Write));
        Assert.Equal(FaultOutcome.AccessError, rig.Space.HandleFault(Base + (2 * Page), AccessKind.Execute));
        Assert.Equal(FaultOutcome.AccessError, rig.Space.HandleFault(Base + (24 * Page), AccessKind.Read));
        Assert.Equal(FaultOutcome.MapError, rig.Space.HandleFault(Base + (4 * Page), AccessKind.Read));
        Assert.Equal(FaultOutcome.MapError, rig.Space.HandleFault(Base - 1, AccessKind.Write));
        Assert.Equal(FaultOutcome.MapError, rig.Space.HandleFault(0x10, AccessKind.Read));
        Assert.Equal(inUse, rig.Frames.InUse);
        Assert.Equal(0UL, rig.Pte(Base + (9 * Page)));
        Assert.Equal(0UL, rig.Pte(Base + (2 * Page)));
        Assert.Equal(0UL, rig.Pte(Base + (24 * Page)));
    }

    [Fact]
    public void A_spurious_fault_on_a_present_pte_drops_the_stale_entry_and_allocates_nothing()
    {
        SpaceRig rig = WithRegion(1);
        Assert.Equal(FaultOutcome.Fixed, rig.Touch(Base, AccessKind.Write));
        long inUse = rig.Frames.InUse;
        ulong pte = rig.Pte(Base);
        Assert.Equal(FaultOutcome.Fixed, rig.Space.HandleFault(Base, AccessKind.Write));
        Assert.Equal(inUse, rig.Frames.InUse);
        Assert.Equal(pte, rig.Pte(Base));
        Assert.False(rig.Mmu.Tlb.Contains(Base));
    }

    [Fact]
    public void Munmap_gives_the_frames_back_and_the_pages_become_unmapped()
    {
        SpaceRig rig = WithRegion(8);
        long before = rig.Frames.InUse;
        for (ulong p = 0; p < 8; p++)
        {
            Assert.Equal(FaultOutcome.Fixed, rig.Touch(Base + (p * Page), AccessKind.Write, (byte)(p + 1)));
        }
        int tables = rig.TableFrames();
        Assert.Equal(before + 8 + (tables - 1), rig.Frames.InUse);

        rig.Space.Unmap(Base + (2 * Page), 3 * Page);
        Assert.Equal(before + 5 + (tables - 1), rig.Frames.InUse);
        Assert.Equal("0-2:rw- 5-8:rw-", Layout(rig.Space));
        for (ulong p = 2; p < 5; p++)
        {
            Assert.Equal(0UL, rig.Pte(Base + (p * Page)));
            Assert.False(rig.Mmu.Tlb.Contains(Base + (p * Page)));
            Assert.NotNull(rig.UserAccess(Base + (p * Page), AccessKind.Read));
            Assert.Equal(FaultOutcome.MapError, rig.Space.HandleFault(Base + (p * Page), AccessKind.Read));
        }
        Assert.Equal(2, rig.Read(Base + Page));
        Assert.Equal(6, rig.Read(Base + (5 * Page)));

        rig.Space.Unmap(Base, 8 * Page);
        Assert.Empty(rig.Space.Vmas);
        Assert.Equal(before + (tables - 1), rig.Frames.InUse); // page tables stay until Destroy
    }

    [Fact]
    public void Map_over_populated_pages_frees_them_and_the_new_pages_read_as_zero()
    {
        SpaceRig rig = WithRegion(4);
        for (ulong p = 0; p < 4; p++)
        {
            Assert.Equal(FaultOutcome.Fixed, rig.Touch(Base + (p * Page), AccessKind.Write, 0xee));
        }
        long inUse = rig.Frames.InUse;
        rig.Space.Map(Base + Page, 2 * Page, R, shared: false, name: "fixed");
        Assert.Equal(inUse - 2, rig.Frames.InUse);
        Assert.Equal("0-1:rw- 1-3:r-- 3-4:rw-", Layout(rig.Space));
        Assert.Equal(FaultOutcome.Fixed, rig.Touch(Base + Page, AccessKind.Read));
        Assert.Equal(0, rig.Read(Base + Page));
        Assert.Equal(0xee, rig.Read(Base));
        Assert.Equal(0xee, rig.Read(Base + (3 * Page)));
    }

    [Fact]
    public void Destroy_frees_every_frame_including_the_page_tables()
    {
        var rig = new SpaceRig();
        ulong[] bases = [0x40_0000, 0x7F00_0000_0000, 0x2_0000_0000, AddressSpace.MmapBase - (64 * Page)];
        foreach (ulong b in bases)
        {
            rig.Space.Map(b, 64 * Page, RW, shared: false, name: "anon");
            for (ulong p = 0; p < 64; p += 3)
            {
                Assert.Equal(FaultOutcome.Fixed, rig.Touch(b + (p * Page), AccessKind.Write, 1));
            }
        }
        Assert.True(rig.Space.Protect(bases[1], 8 * Page, MemoryProtection.PROT_NONE)); // populated PROT_NONE pages too
        Assert.True(rig.TableFrames() > 4, "several table frames exist");
        Assert.True(rig.Frames.InUse > 80);

        rig.Space.Destroy();

        Assert.Equal(rig.FramesBeforeSpace, rig.Frames.InUse);
        Assert.Empty(rig.Space.Vmas);
    }

    [Fact]
    public void Poke_writes_through_read_only_rights_and_populates_with_the_vmas_protection()
    {
        SpaceRig rig = WithRegion(2, R);
        Assert.True(rig.Space.Poke(Base + Page - 2, [1, 2, 3, 4]));
        Assert.Equal((ulong)(Pte.P | Pte.US | Pte.NX), rig.Pte(Base) & ~PteFormat.AddressMask);
        Assert.Equal(2, rig.Read(Base + Page - 1));
        Assert.Equal(3, rig.Read(Base + Page));
        Assert.False(rig.Space.Poke(Base + (2 * Page) - 1, [9, 9]), "a byte outside every VMA");
    }
}

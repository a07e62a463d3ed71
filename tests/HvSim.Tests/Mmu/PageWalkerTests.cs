namespace HvSim.Tests.MmuTests;

using HvSim.Core;
using HvSim.Mmu;
using Mmu = HvSim.Mmu.Mmu;

public sealed unsafe class PageWalkerTests
{
    // Indices 0x0E2/0x08D/0x02B/0x078 at levels 4..1: every level uses a different, non-zero slot.
    private const ulong Va = 0x0000_7123_4567_8000;

    private const PageFaultErrorCode P = PageFaultErrorCode.Present;
    private const PageFaultErrorCode W = PageFaultErrorCode.Write;
    private const PageFaultErrorCode U = PageFaultErrorCode.User;
    private const PageFaultErrorCode I = PageFaultErrorCode.InstructionFetch;
    private const PageFaultErrorCode Rsvd = PageFaultErrorCode.ReservedBit;

    public static TheoryData<int, AccessKind, bool> LevelAccessUser()
    {
        var data = new TheoryData<int, AccessKind, bool>();
        foreach (int level in new[] { 4, 3, 2, 1 })
        {
            foreach (AccessKind access in Enum.GetValues<AccessKind>())
            {
                data.Add(level, access, true);
                data.Add(level, access, false);
            }
        }
        return data;
    }

    [Fact]
    public void A_4_level_walk_maps_the_virtual_page_to_its_frame()
    {
        var rig = new MmuRig();
        Frame frame = rig.Map(Va, MmuRig.UserRw);

        bool ok = rig.Mmu.Walker.TryWalk(rig.Cr3, Va + 0x123, AccessKind.Read, user: true, out Translation t, out MemoryFault fault);

        Assert.True(ok, $"a mapped page translates (got {fault})");
        Assert.True(t.PhysicalPage == frame.Base.Value, "the walk yields the page's frame base (offset is not part of PhysicalPage)");
        Assert.True(t.Level == 1, "a PTE leaf is a level-1 (4 KiB) translation");
        Assert.True(t.LeafEntryAddress == rig.EntryAddress(Va, 1).Value, "the translation names the leaf PTE's physical address");
        Assert.True(t.Writable && t.User && t.Executable, "RW, US and !NX are reported as ANDed over the walk");
    }

    [Fact]
    public void Mmu_reads_and_writes_land_at_frame_base_plus_page_offset()
    {
        var rig = new MmuRig();
        Frame frame = rig.Map(Va, MmuRig.UserRw);
        rig.Memory.Write(new GuestPhysical(frame.Base.Value + 0xFF8), BitConverter.GetBytes(0x0102_0304_0506_0708UL));

        byte* p = rig.Must(Va + 0xFF8, AccessKind.Read);
        Assert.True(p == rig.Memory.TryGet(frame)!.Pointer + 0xFF8, "Translate returns the host address of frame base + page offset");
        Assert.True(*(ulong*)p == 0x0102_0304_0506_0708UL, "the value read through the MMU is the one in physical memory");

        Assert.True(rig.Mmu.TryWrite(Va + 0x10, new byte[] { 0xAB }, user: true, out _), "a write to a writable page succeeds");
        Assert.True(rig.PhysicalByte(frame, 0x10) == 0xAB, "a byte written through the MMU lands in the mapped frame");
    }

    [Fact]
    public void Upper_half_canonical_addresses_walk_through_PML4_slots_256_and_above()
    {
        var rig = new MmuRig();
        const ulong kernelVa = 0xFFFF_8000_0020_3000;
        Frame frame = rig.Map(kernelVa, Pte.RW);

        Assert.True(PteFormat.Index(kernelVa, 4) == 256, "test setup: 0xFFFF8000... is PML4 slot 256");
        Assert.True(rig.Mmu.Walker.TryWalk(rig.Cr3, kernelVa, AccessKind.Write, user: false, out Translation t, out _)
            && t.PhysicalPage == frame.Base.Value, "an upper-half canonical address translates like any other");
    }

    [Theory]
    [MemberData(nameof(LevelAccessUser))]
    public void A_non_present_entry_at_any_level_faults_with_P0_and_the_access_bits(int level, AccessKind access, bool user)
    {
        var rig = new MmuRig();
        rig.Map(Va, Pte.RW | Pte.US);
        rig.ClearBits(Va, level, Pte.P);
        ulong at = Va + 0x5A7;

        bool ok = rig.Mmu.Walker.TryWalk(rig.Cr3, at, access, user, out _, out MemoryFault fault);

        Assert.False(ok, $"a level-{level} entry with P=0 stops the walk");
        FaultAssert.PageFault(fault, at, FaultAssert.AccessBits(access, user),
            $"not present at level {level}: P=0, W={access == AccessKind.Write}, I={access == AccessKind.Execute}, U={user}, no RSVD");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void A_write_through_an_entry_with_RW0_at_any_level_is_a_protection_fault(int level)
    {
        var rig = new MmuRig();
        rig.Map(Va, Pte.RW | Pte.US);
        rig.ClearBits(Va, level, Pte.RW);

        FaultAssert.PageFault(rig.MustFault(Va + 8, AccessKind.Write, true, "user write"), Va + 8, P | W | U,
            $"user write with RW=0 at level {level}: P=1|W|U");
        FaultAssert.PageFault(rig.MustFault(Va + 8, AccessKind.Write, false, "supervisor write"), Va + 8, P | W,
            $"supervisor write with RW=0 at level {level} faults too (CR0.WP=1): P=1|W");
        Assert.True(rig.Access(Va + 8, AccessKind.Read) is null, $"RW=0 at level {level} still allows reads");
    }

    [Theory]
    [InlineData(1, AccessKind.Read)]
    [InlineData(1, AccessKind.Write)]
    [InlineData(1, AccessKind.Execute)]
    [InlineData(3, AccessKind.Read)]
    [InlineData(4, AccessKind.Write)]
    public void A_user_access_to_a_supervisor_page_is_a_protection_fault_with_U(int level, AccessKind access)
    {
        var rig = new MmuRig();
        rig.Map(Va, Pte.RW | Pte.US);
        rig.ClearBits(Va, level, Pte.US);

        FaultAssert.PageFault(rig.MustFault(Va, access, true, "user access to US=0"), Va, P | U | FaultAssert.AccessBits(access, false),
            $"user {access} with US=0 at level {level}: P=1|U (plus W/I for the access)");
        Assert.True(rig.Access(Va, access, user: false) is null, $"supervisor {access} of a US=0 page is allowed");
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(4, false)]
    public void A_fetch_from_a_no_execute_page_is_a_protection_fault_with_I(int level, bool user)
    {
        var rig = new MmuRig();
        rig.Map(Va, Pte.RW | Pte.US);
        rig.SetBits(Va, level, Pte.NX);

        FaultAssert.PageFault(rig.MustFault(Va + 1, AccessKind.Execute, user, "fetch from NX"), Va + 1,
            P | I | (user ? U : 0), $"fetch with NX at level {level}: P=1|I{(user ? "|U" : "")}, no W");
        Assert.True(rig.Access(Va + 1, AccessKind.Read, user) is null, "NX does not stop reads");
        Assert.True(rig.Access(Va + 1, AccessKind.Write, user) is null, "NX does not stop writes");
    }

    [Theory]
    [InlineData(46, 1)]
    [InlineData(47, 2)]
    [InlineData(48, 3)]
    [InlineData(49, 4)]
    [InlineData(50, 1)]
    [InlineData(51, 2)]
    public void A_reserved_address_bit_46_to_51_in_any_entry_is_an_RSVD_fault(int bit, int level)
    {
        var rig = new MmuRig();
        rig.Map(Va, Pte.RW | Pte.US);
        rig.WriteEntry(Va, level, rig.ReadEntry(Va, level) | (1UL << bit));

        foreach (AccessKind access in Enum.GetValues<AccessKind>())
        {
            FaultAssert.PageFault(rig.MustFault(Va, access, true, "reserved bit"), Va, P | Rsvd | FaultAssert.AccessBits(access, true),
                $"bit {bit} set in the level-{level} entry: P=1|RSVD plus the access bits ({access})");
        }
    }

    [Fact]
    public void Reserved_bits_in_a_non_present_entry_are_ignored()
    {
        var rig = new MmuRig();
        rig.Map(Va, Pte.RW | Pte.US);
        rig.WriteEntry(Va, 1, (rig.Leaf(Va) | (1UL << 50)) & ~(ulong)Pte.P);

        FaultAssert.PageFault(rig.MustFault(Va, AccessKind.Read, true, "non-present"), Va, U,
            "an entry with P=0 is not present whatever its other bits: no RSVD");
    }

    [Fact]
    public void PS_in_a_PML4_entry_is_an_RSVD_fault()
    {
        var rig = new MmuRig();
        rig.Map(Va, Pte.RW | Pte.US);
        rig.SetBits(Va, 4, Pte.PS);

        FaultAssert.PageFault(rig.MustFault(Va, AccessKind.Read, false, "PS in PML4E"), Va, P | Rsvd,
            "PS is reserved in a PML4 entry (there are no 512 GiB pages): P=1|RSVD");
    }

    [Theory]
    [InlineData(0x0000_8000_0000_0000UL)]
    [InlineData(0xFFFF_7FFF_FFFF_F000UL)]
    [InlineData(0x1234_0000_0000_1000UL)]
    [InlineData(0x8000_0000_0000_0000UL)]
    public void A_non_canonical_address_is_a_general_protection_fault_not_a_page_fault(ulong address)
    {
        var rig = new MmuRig();

        Assert.False(PageWalker.IsCanonical(address), "bits 63..47 differ, so the address is not canonical");
        MemoryFault fault = rig.MustFault(address, AccessKind.Read, true, "non-canonical");
        Assert.True(fault.Kind == FaultKind.GeneralProtection, $"a non-canonical address raises #GP, got {fault}");
        Assert.True(fault.ErrorCode == PageFaultErrorCode.None, "#GP for a non-canonical address carries no #PF error code");
        Assert.True(rig.Mmu.Walks == 1 && !rig.Mmu.Tlb.Contains(address), "the failed access caches nothing");
    }

    [Theory]
    [InlineData(0x0000_7FFF_FFFF_F000UL)]
    [InlineData(0xFFFF_8000_0000_0000UL)]
    [InlineData(0UL)]
    [InlineData(0xFFFF_FFFF_FFFF_F000UL)]
    public void Canonical_boundary_addresses_are_canonical(ulong address)
    {
        Assert.True(PageWalker.IsCanonical(address), $"0x{address:x} has bits 63..47 all equal, so it is canonical");
    }

    [Fact]
    public void A_2MiB_page_built_by_hand_translates_every_offset()
    {
        var memory = new PhysicalMemory(64UL << 20);
        // PML4 at 0x10000, PDPT at 0x11000, PD at 0x12000; va 0x4060_0000 is PML4[0] PDPT[1] PD[3].
        const ulong va = 0x4060_0000;
        const ulong page2M = 0x0180_0000; // 2 MiB aligned
        memory.WriteU64(new GuestPhysical(0x10000 + (8 * 0)), PteFormat.Make(0x11000, Pte.P | Pte.RW | Pte.US));
        memory.WriteU64(new GuestPhysical(0x11000 + (8 * 1)), PteFormat.Make(0x12000, Pte.P | Pte.RW | Pte.US));
        memory.WriteU64(new GuestPhysical(0x12000 + (8 * 3)), PteFormat.Make(page2M, Pte.P | Pte.RW | Pte.US | Pte.PS));
        var mmu = new Mmu(memory);
        mmu.LoadCr3(0x10000);

        foreach (ulong offset in new ulong[] { 0, 0x345, 0x1_2345, 0xF_F000, 0x1F_FFFF })
        {
            memory.Write(new GuestPhysical(page2M + offset), new[] { (byte)(offset * 7) });
            Assert.True(mmu.Walker.TryWalk(0x10000, va + offset, AccessKind.Read, true, out Translation t, out MemoryFault f), $"va+0x{offset:x} translates ({f})");
            Assert.True(t.PhysicalPage == page2M + (offset & ~0xFFFUL), $"a 2 MiB page maps va+0x{offset:x} to its base + the 4 KiB-aligned offset");
            Assert.True(t.Level == 2, "a PDE with PS=1 is a level-2 (2 MiB) leaf");
            Assert.True(t.LeafEntryAddress == 0x12000 + (8 * 3), "the leaf of a 2 MiB page is the PDE");
            byte[] one = new byte[1];
            Assert.True(mmu.TryRead(va + offset, one, true, out _) && one[0] == (byte)(offset * 7),
                $"the byte at va+0x{offset:x} is the byte at 2 MiB base + 0x{offset:x}");
        }
        Assert.True(mmu.TryWrite(va + 0x10_0001, new byte[] { 0x5C }, true, out _), "a write into the 2 MiB page succeeds");
        byte[] back = new byte[1];
        memory.Read(new GuestPhysical(page2M + 0x10_0001), back);
        Assert.True(back[0] == 0x5C, "a write lands at 2 MiB base + offset");
        Assert.True(PteFormat.Has(memory.ReadU64(new GuestPhysical(0x12000 + 24)), Pte.A | Pte.D), "A and D are set in the large-page PDE (the leaf)");
        FaultAssert.PageFault(TranslateFault(mmu, va + 0x20_0000), va + 0x20_0000, U,
            "the next 2 MiB (PD slot 4, empty) is not present");
    }

    [Theory]
    [InlineData(13)]
    [InlineData(16)]
    [InlineData(20)]
    public void A_2MiB_PDE_with_a_reserved_low_address_bit_is_an_RSVD_fault(int bit)
    {
        // SDM Vol. 3A Table 4-18: in a PDE that maps a 2 MiB page, bits 20:13 are reserved
        // (bit 12 is PAT); the page base must be 2 MiB aligned.
        var memory = new PhysicalMemory(64UL << 20);
        memory.WriteU64(new GuestPhysical(0x10000), PteFormat.Make(0x11000, Pte.P | Pte.RW | Pte.US));
        memory.WriteU64(new GuestPhysical(0x11000 + 8), PteFormat.Make(0x12000, Pte.P | Pte.RW | Pte.US));
        memory.WriteU64(new GuestPhysical(0x12000 + 24), PteFormat.Make(0x0180_0000 | (1UL << bit), Pte.P | Pte.RW | Pte.US | Pte.PS));
        var walker = new PageWalker(memory);

        Assert.False(walker.TryWalk(0x10000, 0x4060_0000, AccessKind.Read, true, out _, out MemoryFault fault), "the walk fails");
        FaultAssert.PageFault(fault, 0x4060_0000, P | Rsvd | U, $"bit {bit} of a 2 MiB PDE is reserved: P=1|RSVD|U");
    }

    [Fact]
    public void The_PAT_bit_12_of_a_2MiB_PDE_is_not_part_of_the_page_address()
    {
        var memory = new PhysicalMemory(64UL << 20);
        memory.WriteU64(new GuestPhysical(0x10000), PteFormat.Make(0x11000, Pte.P | Pte.RW | Pte.US));
        memory.WriteU64(new GuestPhysical(0x11000 + 8), PteFormat.Make(0x12000, Pte.P | Pte.RW | Pte.US));
        memory.WriteU64(new GuestPhysical(0x12000 + 24), PteFormat.Make(0x0180_1000, Pte.P | Pte.RW | Pte.US | Pte.PS));
        var walker = new PageWalker(memory);

        Assert.True(walker.TryWalk(0x10000, 0x4060_0000, AccessKind.Read, true, out Translation t, out _), "PAT=1 is allowed in a 2 MiB PDE");
        Assert.True(t.PhysicalPage == 0x0180_0000, "bit 12 (PAT) of a 2 MiB PDE is a memory-type bit, not an address bit");
    }

    [Fact]
    public void A_1GiB_page_in_a_PDPTE_translates_with_its_offset()
    {
        var memory = new PhysicalMemory(4UL << 30);
        const ulong va = 0x0000_0080_4000_0000; // PML4[1] PDPT[1]
        memory.WriteU64(new GuestPhysical(0x10000 + 8), PteFormat.Make(0x11000, Pte.P | Pte.RW | Pte.US));
        memory.WriteU64(new GuestPhysical(0x11000 + 8), PteFormat.Make(0x8000_0000, Pte.P | Pte.RW | Pte.US | Pte.PS));
        var walker = new PageWalker(memory);

        Assert.True(walker.TryWalk(0x10000, va + 0x2345_6789, AccessKind.Write, true, out Translation t, out _), "the 1 GiB page translates");
        Assert.True(t.PhysicalPage == 0x8000_0000 + 0x2345_6000 && t.Level == 3, "a 1 GiB page maps va to base + offset (level 3)");
    }

    [Fact]
    public void CR2_is_the_exact_faulting_byte_address_not_the_page_base()
    {
        var rig = new MmuRig();
        rig.Map(Va, MmuRig.UserRo);
        const ulong at = Va + 0xABC;

        FaultAssert.PageFault(rig.MustFault(at, AccessKind.Write, true, "write to RO"), at, P | W | U, "CR2 = the faulting linear address");
        FaultAssert.PageFault(rig.MustFault(Va + 0x1FFF, AccessKind.Read, true, "unmapped"), Va + 0x1FFF, U, "CR2 = the faulting address on a not-present fault");
        bool ok = rig.Mmu.TryRead(Va + 0xFFE, new byte[4], true, out MemoryFault cross);
        Assert.False(ok, "a read running into an unmapped page fails");
        FaultAssert.PageFault(cross, Va + 0x1000, U, "CR2 of a page-crossing access is the first byte of the bad page");
    }

    private static MemoryFault TranslateFault(Mmu mmu, ulong va)
    {
        Assert.True(mmu.Translate(va, AccessKind.Read, true, out MemoryFault fault) is null, "expected a fault");
        return fault;
    }
}

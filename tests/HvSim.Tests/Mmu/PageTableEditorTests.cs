namespace HvSim.Tests.MmuTests;

using HvSim.Core;
using HvSim.Mmu;

public sealed class PageTableEditorTests
{
    [Fact]
    public void Map_builds_intermediate_tables_as_P_RW_US_and_puts_permissions_in_the_leaf()
    {
        var rig = new MmuRig();
        const ulong va = 0x0000_1234_5678_9000;
        long before = rig.Allocator.InUse;

        Frame frame = rig.Map(va, Pte.US | Pte.NX);

        Assert.True(rig.Allocator.InUse == before + 4, "mapping into an empty space allocates a PDPT, a PD, a PT and the data frame");
        foreach (int level in new[] { 4, 3, 2 })
        {
            ulong entry = rig.ReadEntry(va, level);
            Assert.True((entry & 0xFFF) == (ulong)(Pte.P | Pte.RW | Pte.US) && !PteFormat.Has(entry, Pte.NX),
                $"the level-{level} entry is P|RW|US (permissions are decided at the leaf, as Linux does)");
        }
        Assert.True(rig.Leaf(va) == PteFormat.Make(frame.Base.Value, Pte.P | Pte.US | Pte.NX), "the leaf holds the frame, the given bits and P");
        Assert.True(rig.Editor.ReadLeaf(rig.Cr3, va) == rig.Leaf(va), "ReadLeaf reads the same leaf");
    }

    [Fact]
    public void LeafEntryAddress_without_create_is_null_when_a_table_is_missing_and_ReadLeaf_is_zero()
    {
        var rig = new MmuRig();
        rig.Map(0x40_0000, MmuRig.UserRw);
        long inUse = rig.Allocator.InUse;

        Assert.True(rig.Editor.LeafEntryAddress(rig.Cr3, 0x7F00_0000_0000, create: false) is null, "no tables: no leaf address");
        Assert.True(rig.Editor.ReadLeaf(rig.Cr3, 0x7F00_0000_0000) == 0, "ReadLeaf of an unmapped region is 0");
        Assert.True(rig.Editor.LeafEntryAddress(rig.Cr3, 0x40_1000, create: false) is not null, "a neighbour in an existing PT has a leaf address");
        Assert.True(rig.Allocator.InUse == inUse, "lookups without create allocate nothing");
    }

    [Fact]
    public void EnumerateLeaves_lists_present_leaves_in_address_order_with_upper_half_sign_extended()
    {
        var rig = new MmuRig();
        ulong[] vas = { 0xFFFF_8000_0000_2000, 0x40_1000, 0x40_0000, 0x7FFF_FFFF_F000 };
        foreach (ulong va in vas)
        {
            rig.Map(va, MmuRig.UserRw);
        }
        rig.WriteEntry(0x40_1000, 1, rig.Leaf(0x40_1000) & ~(ulong)Pte.P);

        ulong[] listed = rig.Editor.EnumerateLeaves(rig.Cr3).Select(l => l.VirtualAddress).ToArray();

        Assert.True(listed.SequenceEqual(new ulong[] { 0x40_0000, 0x7FFF_FFFF_F000, 0xFFFF_8000_0000_2000 }),
            $"present leaves come in table order with canonical upper-half addresses; got {string.Join(", ", listed.Select(v => $"0x{v:x}"))}");
    }

    [Fact]
    public void FreeTables_returns_every_table_frame_and_the_root_but_not_the_mapped_pages()
    {
        var rig = new MmuRig();
        rig.Map(0x40_0000, MmuRig.UserRw);
        rig.Map(0xFFFF_8000_0000_0000, Pte.RW);

        rig.Editor.FreeTables(rig.Cr3);

        Assert.True(rig.Allocator.InUse == 2, "only the two data frames stay allocated: the root and the six tables under it were freed");
    }

    [Fact]
    public void The_editor_refuses_to_edit_inside_a_large_page()
    {
        var rig = new MmuRig();
        rig.Map(0x40_0000, MmuRig.UserRw);
        rig.WriteEntry(0x40_0000, 2, PteFormat.Make(0x20_0000, Pte.P | Pte.RW | Pte.US | Pte.PS));

        Assert.Throws<InvalidOperationException>(() => rig.Editor.LeafEntryAddress(rig.Cr3, 0x40_0000, create: true));
    }

    [Fact]
    public void Map_reports_false_when_memory_for_a_table_runs_out()
    {
        var memory = new PhysicalMemory(3 * (ulong)PageGeometry.PageSize);
        var allocator = new FrameAllocator(memory);
        var editor = new PageTableEditor(memory, allocator);
        ulong cr3 = editor.CreateRoot(); // frame 1; only frame 2 is left

        Assert.False(editor.Map(cr3, 0x40_0000, new Frame(2), Pte.RW), "a map needing three new tables with one free frame fails");
    }
}

public sealed class PteFormatTests
{
    [Fact]
    public void Index_takes_nine_bits_per_level_above_the_page_offset()
    {
        const ulong va = (0x1A3UL << 39) | (0x0F2UL << 30) | (0x155UL << 21) | (0x0AAUL << 12) | 0x123;
        Assert.True(PteFormat.Index(va, 4) == 0x1A3 && PteFormat.Index(va, 3) == 0x0F2 && PteFormat.Index(va, 2) == 0x155 && PteFormat.Index(va, 1) == 0x0AA,
            "level L indexes bits 12+9(L-1) .. 20+9(L-1)");
    }

    [Fact]
    public void Make_keeps_only_address_bits_12_to_51_of_the_address()
    {
        ulong entry = PteFormat.Make(0xFFF0_0000_1234_5FFF, Pte.P | Pte.NX);
        Assert.True(PteFormat.Address(entry) == 0x0000_0000_1234_5000, "the page offset and bits 52..63 of the address are dropped");
        Assert.True(PteFormat.Has(entry, Pte.P | Pte.NX) && !PteFormat.Has(entry, Pte.RW), "the flag bits are exactly the ones given");
        Assert.True(PteFormat.Describe(entry) == "0x12345000 P NX", $"Describe names the address and the set flags; got '{PteFormat.Describe(entry)}'");
    }

    [Fact]
    public void A_fault_describes_its_error_code_in_words()
    {
        var fault = new MemoryFault(FaultKind.PageFault, 0x1000,
            PageFaultErrorCode.Present | PageFaultErrorCode.Write | PageFaultErrorCode.User | PageFaultErrorCode.ReservedBit);
        Assert.True(fault.ToString() == "#PF at 0x1000 (protection, write, user, reserved bit)", $"got '{fault}'");
        Assert.True(MemoryFault.Describe(PageFaultErrorCode.InstructionFetch) == "not present, fetch, supervisor", "P=0, I=1, U=0 in words");
        Assert.True(new MemoryFault(FaultKind.GeneralProtection, 0x8000_0000_0000, 0).ToString().StartsWith("#GP", StringComparison.Ordinal), "#GP prints as #GP");
    }
}

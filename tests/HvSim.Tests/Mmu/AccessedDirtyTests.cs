namespace HvSim.Tests.MmuTests;

using HvSim.Core;
using HvSim.Mmu;

public sealed class AccessedDirtyTests
{
    private const ulong Va = 0x0000_5555_1234_5000;

    private static readonly int[] Levels = { 4, 3, 2, 1 };

    private static MmuRig FreshRig(Pte leafBits)
    {
        var rig = new MmuRig();
        rig.Map(Va, leafBits);
        foreach (int level in Levels)
        {
            Assert.False(PteFormat.Has(rig.ReadEntry(Va, level), Pte.A) || PteFormat.Has(rig.ReadEntry(Va, level), Pte.D),
                $"test setup: the level-{level} entry starts with A=0 and D=0");
        }
        return rig;
    }

    [Theory]
    [InlineData(AccessKind.Read, true)]
    [InlineData(AccessKind.Read, false)]
    [InlineData(AccessKind.Execute, true)]
    public void A_read_or_fetch_sets_A_in_all_four_levels_and_D_nowhere(AccessKind access, bool user)
    {
        MmuRig rig = FreshRig(MmuRig.UserRw);

        Assert.True(rig.Access(Va + 0x40, access, user) is null, "the access succeeds");

        foreach (int level in Levels)
        {
            ulong entry = rig.ReadEntry(Va, level);
            Assert.True(PteFormat.Has(entry, Pte.A), $"a successful {access} sets A in the level-{level} entry");
            Assert.False(PteFormat.Has(entry, Pte.D), $"a {access} never sets D (level {level})");
        }
    }

    [Fact]
    public void A_write_sets_A_in_all_levels_and_D_in_the_leaf_only()
    {
        MmuRig rig = FreshRig(MmuRig.UserRw);

        Assert.True(rig.Access(Va, AccessKind.Write) is null, "the write succeeds");

        foreach (int level in Levels)
        {
            ulong entry = rig.ReadEntry(Va, level);
            Assert.True(PteFormat.Has(entry, Pte.A), $"a write sets A in the level-{level} entry");
            Assert.True(PteFormat.Has(entry, Pte.D) == (level == 1),
                level == 1 ? "a write sets D in the leaf PTE" : $"a write does not set D in the non-leaf level-{level} entry");
        }
    }

    [Fact]
    public void The_walker_sets_A_and_D_itself_and_reports_Dirty_after_its_own_update()
    {
        MmuRig rig = FreshRig(MmuRig.UserRw);
        var walker = new PageWalker(rig.Memory);

        Assert.True(walker.TryWalk(rig.Cr3, Va, AccessKind.Read, true, out Translation read, out _) && !read.Dirty,
            "a read walk reports the page clean");
        Assert.True(walker.TryWalk(rig.Cr3, Va, AccessKind.Write, true, out Translation write, out _) && write.Dirty,
            "a write walk reports the page dirty (D was set by this very walk)");
        Assert.True(PteFormat.Has(rig.Leaf(Va), Pte.A | Pte.D), "the walker itself wrote A and D into the leaf");
    }

    [Theory]
    [InlineData(AccessKind.Write, true, "write to a read-only page")]
    [InlineData(AccessKind.Read, true, "user read of a supervisor page")]
    [InlineData(AccessKind.Execute, false, "fetch from an NX page")]
    public void A_faulting_access_sets_neither_A_nor_D_anywhere(AccessKind access, bool user, string what)
    {
        // Documented choice (PageWalker remarks): the SDM allows A to be set by a walk that then
        // faults; this walker sets A/D only when the access succeeds, so runs are deterministic.
        MmuRig rig = FreshRig(access == AccessKind.Execute ? Pte.US | Pte.RW | Pte.NX : access == AccessKind.Write ? MmuRig.UserRo : Pte.RW);

        Assert.True(rig.Access(Va, access, user) is not null, $"test setup: the {what} faults");

        foreach (int level in Levels)
        {
            ulong entry = rig.ReadEntry(Va, level);
            Assert.False(PteFormat.Has(entry, Pte.A), $"a faulting {what} leaves A clear at level {level}");
            Assert.False(PteFormat.Has(entry, Pte.D), $"a faulting {what} leaves D clear at level {level}");
        }
    }

    [Fact]
    public void A_walk_stopped_by_a_non_present_leaf_sets_no_A_in_the_levels_above()
    {
        MmuRig rig = FreshRig(MmuRig.UserRw);
        rig.ClearBits(Va, 1, Pte.P);

        Assert.True(rig.Access(Va, AccessKind.Write) is not null, "test setup: the leaf is not present");
        foreach (int level in new[] { 4, 3, 2 })
        {
            Assert.False(PteFormat.Has(rig.ReadEntry(Va, level), Pte.A), $"a not-present fault leaves A clear at level {level}");
        }
    }

    [Fact]
    public void D_is_not_set_by_any_number_of_reads_and_fetches()
    {
        MmuRig rig = FreshRig(MmuRig.UserRw);

        for (int i = 0; i < 5; i++)
        {
            rig.Mmu.FlushTlb(); // force walks as well as TLB hits
            Assert.True(rig.Access(Va + (ulong)i, AccessKind.Read) is null, "read succeeds");
            Assert.True(rig.Access(Va + (ulong)i, AccessKind.Execute) is null, "fetch succeeds");
            Assert.True(rig.Mmu.TryRead(Va, new byte[16], true, out _), "multi-byte read succeeds");
        }

        Assert.False(PteFormat.Has(rig.Leaf(Va), Pte.D), "reads and fetches never set D");
        Assert.True(PteFormat.Has(rig.Leaf(Va), Pte.A), "but they did set A");
    }

    [Fact]
    public void A_and_D_are_left_set_the_walker_never_clears_them()
    {
        MmuRig rig = FreshRig(MmuRig.UserRw);
        Assert.True(rig.Access(Va, AccessKind.Write) is null, "write succeeds");
        rig.Mmu.FlushTlb();
        Assert.True(rig.Access(Va, AccessKind.Read) is null, "read succeeds");

        Assert.True(PteFormat.Has(rig.Leaf(Va), Pte.A | Pte.D), "a later read leaves D set (only software clears A/D)");
    }

    [Fact]
    public void A_D_update_keeps_the_entrys_address_and_other_bits()
    {
        MmuRig rig = FreshRig(MmuRig.UserRw | Pte.NX);
        ulong before = rig.Leaf(Va);

        Assert.True(rig.Access(Va, AccessKind.Write) is null, "write succeeds");

        Assert.True(rig.Leaf(Va) == (before | (ulong)(Pte.A | Pte.D)), "the walker only ORs A and D into the leaf; address, RW, US and NX are kept");
    }
}

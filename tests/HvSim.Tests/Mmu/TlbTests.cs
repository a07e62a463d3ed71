namespace HvSim.Tests.MmuTests;

using HvSim.Core;
using HvSim.Mmu;
using Mmu = HvSim.Mmu.Mmu;

public sealed unsafe class TlbTests
{
    private const ulong A = 0x0000_0000_0040_0000;
    private const ulong B = 0x0000_0000_0040_1000;
    private const ulong C = 0x0000_0000_0040_2000;

    private const PageFaultErrorCode P = PageFaultErrorCode.Present;
    private const PageFaultErrorCode W = PageFaultErrorCode.Write;
    private const PageFaultErrorCode U = PageFaultErrorCode.User;

    [Fact]
    public void A_TLB_hit_does_not_walk()
    {
        var ledger = new EventLedger();
        var rig = new MmuRig(ledger: ledger);
        rig.Map(A, MmuRig.UserRw);

        rig.Must(A, AccessKind.Read);
        Assert.True(rig.Mmu.Walks == 1, "the first access misses and walks once");
        rig.Must(A + 0x800, AccessKind.Read);
        rig.Must(A + 0xFFF, AccessKind.Execute);
        rig.Must(A, AccessKind.Read, user: false);

        Assert.True(rig.Mmu.Walks == 1, "later accesses to the same page hit the TLB and do not walk");
        Assert.True(rig.Mmu.Tlb.Misses == 1 && rig.Mmu.Tlb.SlowHits == 3, "the TLB counts one miss and three slow-path hits");
        Assert.True(ledger.Count(EventKind.PageWalk) == rig.Mmu.Walks, "every walk (and only a walk) records a PageWalk event");
    }

    [Fact]
    public void A_PTE_made_read_only_without_invalidation_still_lets_writes_through_until_invlpg()
    {
        var rig = new MmuRig();
        Frame frame = rig.Map(A, MmuRig.UserRw);
        rig.Must(A, AccessKind.Write, rule: "test setup: the first write caches a dirty, writable entry");

        rig.ClearBits(A, 1, Pte.RW); // the "kernel" write-protects the page and forgets invlpg
        long walks = rig.Mmu.Walks;

        byte* fast = rig.Mmu.FastWrite(A + 0x10);
        Assert.True(fast is not null, "stale TLB: the fast write path still serves a page whose PTE is now read-only");
        *fast = 0x77;
        Assert.True(rig.PhysicalByte(frame, 0x10) == 0x77, "the stale fast-path write reaches the old frame");
        Assert.True(rig.Mmu.TryWrite(A + 0x20, new byte[] { 0x66 }, true, out _), "stale TLB: the slow path also allows the write (cached RW)");
        Assert.True(rig.PhysicalByte(frame, 0x20) == 0x66, "the stale slow-path write reaches the old frame");
        Assert.True(rig.Mmu.Walks == walks, "stale writes do not walk");

        rig.Mmu.InvalidatePage(A);

        Assert.True(rig.Mmu.FastWrite(A + 0x10) is null, "after invlpg the fast path no longer serves the page");
        FaultAssert.PageFault(rig.MustFault(A + 0x10, AccessKind.Write, true, "write after invlpg"), A + 0x10, P | W | U,
            "after invlpg the write walks, sees RW=0 and faults P=1|W|U");
    }

    [Fact]
    public void A_PTE_unmapped_without_invalidation_still_translates_to_the_old_frame()
    {
        var rig = new MmuRig();
        Frame frame = rig.Map(A, MmuRig.UserRw);
        rig.Memory.Write(new GuestPhysical(frame.Base.Value + 8), new byte[] { 0x42 });
        byte* before = rig.Must(A + 8, AccessKind.Read);

        rig.WriteEntry(A, 1, 0); // unmap, no invlpg

        Assert.True(rig.Must(A + 8, AccessKind.Read, rule: "stale TLB: an unmapped page still translates") == before,
            "the stale translation still points at the old frame");
        byte[] one = new byte[1];
        Assert.True(rig.Mmu.TryRead(A + 8, one, true, out _) && one[0] == 0x42, "a stale read still returns the old frame's data");
        Assert.True(rig.Mmu.FastRead(A + 8) == before, "the fast read path is stale too");

        rig.Mmu.InvalidatePage(A);
        FaultAssert.PageFault(rig.MustFault(A + 8, AccessKind.Read, true, "read after invlpg"), A + 8, U,
            "after invlpg the read walks and finds the page not present (P=0|U)");
    }

    [Fact]
    public void LoadCr3_flushes_every_entry()
    {
        var rig = new MmuRig();
        ulong[] pages = { A, B, C, 0x7FFF_0000_0000 };
        foreach (ulong va in pages)
        {
            rig.Map(va, MmuRig.UserRw);
            rig.Must(va, AccessKind.Write);
            Assert.True(rig.Mmu.FastWrite(va) is not null, "test setup: the page is cached dirty and served fast");
        }
        Assert.True(pages.All(rig.Mmu.Tlb.Contains), "test setup: all pages are cached");

        rig.Mmu.LoadCr3(rig.Cr3);

        Assert.True(pages.All(va => !rig.Mmu.Tlb.Contains(va)), "a CR3 load (even of the same value) empties the TLB");
        Assert.True(pages.All(va => rig.Mmu.FastRead(va) is null && rig.Mmu.FastWrite(va) is null && rig.Mmu.FastExecFrame(va) is null),
            "after a CR3 load no fast path (read, write or fetch) serves any page");
        long walks = rig.Mmu.Walks;
        rig.Must(A, AccessKind.Read);
        Assert.True(rig.Mmu.Walks == walks + 1, "the next access walks again");
    }

    [Fact]
    public void LoadCr3_of_another_address_space_sees_its_own_mapping_of_the_same_address()
    {
        var rig = new MmuRig();
        Frame first = rig.Map(A, MmuRig.UserRw);
        rig.Memory.Write(first.Base, new byte[] { 1 });
        ulong otherCr3 = rig.Editor.CreateRoot();
        Frame second = rig.NewFrame();
        Assert.True(rig.Editor.Map(otherCr3, A, second, MmuRig.UserRw), "test setup");
        rig.Memory.Write(second.Base, new byte[] { 2 });
        byte[] one = new byte[1];

        Assert.True(rig.Mmu.TryRead(A, one, true, out _) && one[0] == 1, "address space 1 reads its own frame");
        rig.Mmu.LoadCr3(otherCr3);
        Assert.True(rig.Mmu.Cr3 == otherCr3, "LoadCr3 sets CR3");
        Assert.True(rig.Mmu.TryRead(A, one, true, out _) && one[0] == 2, "after the CR3 switch the same va reads the other space's frame (no stale entry)");
    }

    [Fact]
    public void InvalidatePage_drops_that_page_only()
    {
        var rig = new MmuRig();
        foreach (ulong va in new[] { A, B, C })
        {
            rig.Map(va, MmuRig.UserRw);
            rig.Must(va, AccessKind.Read);
        }
        long walks = rig.Mmu.Walks;

        rig.Mmu.InvalidatePage(B + 0x123);

        Assert.False(rig.Mmu.Tlb.Contains(B), "invlpg drops the page it names (any address inside it)");
        Assert.True(rig.Mmu.Tlb.Contains(A) && rig.Mmu.Tlb.Contains(C), "invlpg leaves the other pages cached");
        rig.Must(A, AccessKind.Read);
        rig.Must(C, AccessKind.Read);
        Assert.True(rig.Mmu.Walks == walks, "the pages that were not invalidated still hit");
        rig.Must(B, AccessKind.Read);
        Assert.True(rig.Mmu.Walks == walks + 1, "the invalidated page walks again");
    }

    [Fact]
    public void InvalidatePage_of_an_unmapped_page_is_harmless()
    {
        var rig = new MmuRig();
        rig.Map(A, MmuRig.UserRw);
        rig.Must(A, AccessKind.Read);

        rig.Mmu.InvalidatePage(0x1234_5678_9000);
        rig.Mmu.InvalidatePage(0xFFFF_FFFF_FFFF_F000);

        Assert.True(rig.Mmu.Tlb.Contains(A), "invalidating pages that are not cached changes nothing");
    }

    /// <summary>A 2 MiB user page at 0x4060_0000 mapping physical 0x0180_0000, built by hand.</summary>
    private static (PhysicalMemory Memory, Mmu Mmu) LargePageMachine(TlbGeometry? geometry = null)
    {
        var memory = new PhysicalMemory(64UL << 20);
        memory.WriteU64(new GuestPhysical(0x10000), PteFormat.Make(0x11000, Pte.P | Pte.RW | Pte.US));
        memory.WriteU64(new GuestPhysical(0x11000 + 8), PteFormat.Make(0x12000, Pte.P | Pte.RW | Pte.US));
        memory.WriteU64(new GuestPhysical(0x12000 + 24), PteFormat.Make(0x0180_0000, Pte.P | Pte.RW | Pte.US | Pte.PS));
        // and one ordinary 4 KiB page at 0x4000_0000 (PD slot 0 -> PT at 0x13000)
        memory.WriteU64(new GuestPhysical(0x12000), PteFormat.Make(0x13000, Pte.P | Pte.RW | Pte.US));
        memory.WriteU64(new GuestPhysical(0x13000), PteFormat.Make(0x0200_0000, Pte.P | Pte.RW | Pte.US));
        var mmu = new Mmu(memory, geometry);
        mmu.LoadCr3(0x10000);
        return (memory, mmu);
    }

    private const ulong Large = 0x4060_0000;
    private const ulong Small = 0x4000_0000;

    [Fact]
    public void Several_4KiB_pieces_of_a_2MiB_page_can_be_cached_at_once()
    {
        (_, Mmu mmu) = LargePageMachine();
        ulong[] pieces = { Large, Large + 0x1000, Large + 0x1F_F000 };

        foreach (ulong va in pieces)
        {
            Assert.True(mmu.Translate(va, AccessKind.Read, true, out _) is not null, "test setup: the piece translates");
        }
        Assert.True(pieces.All(mmu.Tlb.Contains), "caching one 4 KiB piece of a 2 MiB page does not evict the other pieces");
        long walks = mmu.Walks;
        foreach (ulong va in pieces)
        {
            mmu.Translate(va + 4, AccessKind.Read, true, out _);
        }
        Assert.True(mmu.Walks == walks, "every cached piece of the large page hits without walking");
    }

    [Theory]
    [InlineData(0x0UL)]
    [InlineData(0x5000UL)]
    [InlineData(0x1F_F123UL)]
    public void Invalidating_any_4KiB_piece_of_a_2MiB_page_drops_every_cached_piece(ulong offset)
    {
        (_, Mmu mmu) = LargePageMachine();
        ulong[] pieces = { Large, Large + 0x1000, Large + 0x1F_F000 };
        foreach (ulong va in pieces.Append(Small))
        {
            Assert.True(mmu.Translate(va, AccessKind.Read, true, out _) is not null, "test setup: translates");
        }
        Assert.True(pieces.All(mmu.Tlb.Contains), "test setup: three pieces of the large page are cached");

        mmu.InvalidatePage(Large + offset);

        Assert.True(pieces.All(va => !mmu.Tlb.Contains(va)), $"invlpg of large page + 0x{offset:x} drops every cached 4 KiB piece of that 2 MiB page");
        Assert.True(mmu.Tlb.Contains(Small), "invlpg inside a large page leaves unrelated 4 KiB pages cached");
    }

    [Fact]
    public void Invalidating_a_2MiB_page_with_a_stale_PDE_makes_the_new_PDE_visible()
    {
        (PhysicalMemory memory, Mmu mmu) = LargePageMachine(new TlbGeometry(1, 4));
        memory.Write(new GuestPhysical(0x0180_3000), new byte[] { 0x11 });
        memory.Write(new GuestPhysical(0x0200_0000 + 0x3000), new byte[] { 0x22 }); // (0x200_0000 is 2 MiB aligned)
        byte[] one = new byte[1];
        Assert.True(mmu.TryRead(Large + 0x3000, one, true, out _) && one[0] == 0x11, "test setup");

        memory.WriteU64(new GuestPhysical(0x12000 + 24), PteFormat.Make(0x0200_0000, Pte.P | Pte.RW | Pte.US | Pte.PS));
        Assert.True(mmu.TryRead(Large + 0x3000, one, true, out _) && one[0] == 0x11, "without invlpg the old large mapping is still used");
        mmu.InvalidatePage(Large + 0x10_0000);
        Assert.True(mmu.TryRead(Large + 0x3000, one, true, out _) && one[0] == 0x22, "after invlpg of any piece the new PDE is used");
    }

    [Fact]
    public void The_first_write_through_a_clean_cached_entry_walks_again_and_sets_D()
    {
        var rig = new MmuRig();
        rig.Map(A, MmuRig.UserRw);
        rig.Must(A, AccessKind.Read, rule: "test setup: a read caches a clean entry");
        Assert.True(rig.Mmu.FastWrite(A) is null, "a clean entry offers no fast write (D must be set first)");
        Assert.True(rig.Mmu.Walks == 1, "test setup");

        rig.Must(A, AccessKind.Write);

        Assert.True(rig.Mmu.Walks == 2, "the first write through a clean entry walks again");
        Assert.True(PteFormat.Has(rig.Leaf(A), Pte.D), "that walk sets D in the leaf");
        Assert.True(rig.Mmu.FastWrite(A) is not null, "now the entry is dirty and serves fast writes");
        rig.Must(A + 1, AccessKind.Write);
        Assert.True(rig.Mmu.Walks == 2, "later writes through the dirty entry do not walk");
    }

    [Fact]
    public void A_first_write_through_a_clean_entry_faults_if_the_PTE_became_read_only_meanwhile()
    {
        var rig = new MmuRig();
        rig.Map(A, MmuRig.UserRw);
        rig.Must(A, AccessKind.Read, rule: "test setup: a read caches a clean, writable entry");

        rig.ClearBits(A, 1, Pte.RW); // no invlpg: the cached entry still says writable

        FaultAssert.PageFault(rig.MustFault(A + 3, AccessKind.Write, true, "first write to a clean entry"), A + 3, P | W | U,
            "the D-setting walk reads the current PTE, sees RW=0 and faults P=1|W|U");
        Assert.False(PteFormat.Has(rig.Leaf(A), Pte.D), "the faulting write does not set D");
        Assert.False(rig.Mmu.Tlb.Contains(A), "the fault drops the stale entry");
    }

    [Fact]
    public void A_permission_fault_on_a_cached_entry_drops_it_so_the_retry_after_the_fix_succeeds()
    {
        var rig = new MmuRig();
        Frame frame = rig.Map(A, MmuRig.UserRo);
        rig.Must(A, AccessKind.Read, rule: "test setup: caches a read-only entry");

        rig.SetBits(A, 1, Pte.RW); // made writable, but the TLB is not told (a "spurious" fault follows)
        long walks = rig.Mmu.Walks;

        FaultAssert.PageFault(rig.MustFault(A + 5, AccessKind.Write, true, "write with stale RO entry"), A + 5, P | W | U,
            "the check uses the cached (stale) RW=0 and faults without walking");
        Assert.True(rig.Mmu.Walks == walks, "the spurious fault came from the TLB, not from a walk");
        Assert.False(rig.Mmu.Tlb.Contains(A), "a #PF drops the TLB entry that caused it (SDM 4.10.4.1)");

        Assert.True(rig.Mmu.TryWrite(A + 5, new byte[] { 9 }, true, out MemoryFault retry), $"the retry walks afresh and succeeds ({retry})");
        Assert.True(rig.PhysicalByte(frame, 5) == 9, "the retried write lands");
    }

    [Fact]
    public void A_user_access_fault_on_a_cached_supervisor_entry_drops_it_too()
    {
        var rig = new MmuRig();
        rig.Map(A, Pte.RW);
        rig.Must(A, AccessKind.Read, user: false, rule: "test setup: supervisor read caches the entry");

        rig.SetBits(A, 1, Pte.US);
        FaultAssert.PageFault(rig.MustFault(A, AccessKind.Read, true, "user read, stale US=0"), A, P | U,
            "the stale cached US=0 makes a user read fault P=1|U");
        Assert.True(rig.Access(A, AccessKind.Read) is null, "the retry walks and sees US=1");
    }

    [Fact]
    public void With_1_set_of_2_ways_a_third_page_evicts_the_least_recently_used()
    {
        var rig = new MmuRig(new TlbGeometry(1, 2));
        foreach (ulong va in new[] { A, B, C })
        {
            rig.Map(va, MmuRig.UserRw);
        }

        rig.Must(A, AccessKind.Read);
        rig.Must(B, AccessKind.Read);
        rig.Must(A, AccessKind.Read); // A becomes the most recent; B is now the LRU
        Assert.True(rig.Mmu.Walks == 2, "test setup: A and B both fit");

        rig.Must(C, AccessKind.Read);

        Assert.True(rig.Mmu.Tlb.Contains(A) && rig.Mmu.Tlb.Contains(C), "the recently used A and the new C are cached");
        Assert.False(rig.Mmu.Tlb.Contains(B), "the least recently used B was evicted");
        Assert.True(rig.Mmu.FastRead(B) is null, "an evicted page is not served by the fast path either");
        rig.Must(A, AccessKind.Read);
        Assert.True(rig.Mmu.Walks == 3, "A still hits");
        rig.Must(B, AccessKind.Read);
        Assert.True(rig.Mmu.Walks == 4 && !rig.Mmu.Tlb.Contains(C), "B misses and now evicts the LRU, C");
    }

    [Fact]
    public void Pages_in_different_sets_do_not_evict_each_other()
    {
        var rig = new MmuRig(new TlbGeometry(2, 1));
        foreach (ulong va in new[] { A, B, C })
        {
            rig.Map(va, MmuRig.UserRw);
        }

        rig.Must(A, AccessKind.Read); // vpn 0x400: set 0
        rig.Must(B, AccessKind.Read); // vpn 0x401: set 1
        Assert.True(rig.Mmu.Tlb.Contains(A) && rig.Mmu.Tlb.Contains(B), "pages of different sets coexist in a 1-way TLB");
        rig.Must(C, AccessKind.Read); // vpn 0x402: set 0
        Assert.True(!rig.Mmu.Tlb.Contains(A) && rig.Mmu.Tlb.Contains(B) && rig.Mmu.Tlb.Contains(C), "a page evicts only within its own set");
    }

    [Fact]
    public void A_re_walk_of_a_cached_page_replaces_its_own_entry_and_evicts_no_other_page()
    {
        var rig = new MmuRig(new TlbGeometry(1, 2));
        rig.Map(A, MmuRig.UserRw);
        rig.Map(B, MmuRig.UserRw);
        rig.Must(A, AccessKind.Read);
        rig.Must(B, AccessKind.Read);

        rig.Must(B, AccessKind.Write); // clean entry: walks again to set D

        Assert.True(rig.Mmu.Tlb.Contains(A), "re-walking B (to set D) reuses B's way: A stays cached in the 2-way set");
        Assert.True(rig.Mmu.Tlb.Contains(B), "B is cached");
        long walks = rig.Mmu.Walks;
        rig.Must(A, AccessKind.Read);
        Assert.True(rig.Mmu.Walks == walks, "A still hits");
    }

    [Fact]
    public void An_entry_dropped_by_invlpg_leaves_a_free_way_that_the_next_miss_fills_before_evicting()
    {
        var rig = new MmuRig(new TlbGeometry(1, 3));
        foreach (ulong va in new[] { A, B, C })
        {
            rig.Map(va, MmuRig.UserRw);
            rig.Must(va, AccessKind.Read);
        }

        rig.Mmu.InvalidatePage(C); // C was the most recent; its way is now empty
        rig.Must(C, AccessKind.Read);

        Assert.True(new[] { A, B, C }.All(rig.Mmu.Tlb.Contains), "a miss fills the free way; no valid entry is evicted while a way is free");
    }

    [Fact]
    public void FastRead_and_FastWrite_serve_only_user_pages_and_FastWrite_only_dirty_writable_ones()
    {
        var rig = new MmuRig();
        const ulong sup = 0x0000_0000_0060_0000;
        const ulong ro = 0x0000_0000_0070_0000;
        Frame userFrame = rig.Map(A, MmuRig.UserRw);
        rig.Map(sup, Pte.RW);
        rig.Map(ro, MmuRig.UserRo | Pte.D); // D already set, but read-only

        Assert.True(rig.Mmu.FastRead(A) is null && rig.Mmu.FastWrite(A) is null, "nothing is served before the page is cached");

        rig.Must(sup, AccessKind.Write, user: false);
        Assert.True(rig.Mmu.FastRead(sup) is null, "a supervisor-only page is never served by the (user-mode) fast read");
        Assert.True(rig.Mmu.FastWrite(sup) is null, "a supervisor-only page is never served by the (user-mode) fast write, even when dirty");

        rig.Must(A + 0x10, AccessKind.Read);
        Assert.True(rig.Mmu.FastRead(A + 0x10) == rig.Memory.TryGet(userFrame)!.Pointer + 0x10, "a cached user page is served by the fast read at frame + offset");
        Assert.True(rig.Mmu.FastWrite(A + 0x10) is null, "a not-dirty page has no fast write (the first write must set D)");

        rig.Must(A + 0x10, AccessKind.Write);
        Assert.True(rig.Mmu.FastWrite(A + 0xFFF) == rig.Memory.TryGet(userFrame)!.Pointer + 0xFFF, "a dirty writable user page is served by the fast write");

        rig.Must(ro, AccessKind.Read);
        Assert.True(rig.Mmu.FastRead(ro) is not null, "a read-only user page has a fast read");
        Assert.True(rig.Mmu.FastWrite(ro) is null, "a read-only page has no fast write, even with D set");
    }

    [Fact]
    public void The_fast_path_serves_every_cached_page_and_no_evicted_one()
    {
        var rig = new MmuRig(new TlbGeometry(1, 2));
        Frame fa = rig.Map(A, MmuRig.UserRw);
        Frame fb = rig.Map(B, MmuRig.UserRw);
        Frame fc = rig.Map(C, MmuRig.UserRw);
        rig.Must(A, AccessKind.Read);
        rig.Must(B, AccessKind.Read);

        Assert.True(rig.Mmu.FastRead(A + 1) == rig.Memory.TryGet(fa)!.Pointer + 1 && rig.Mmu.FastRead(B + 2) == rig.Memory.TryGet(fb)!.Pointer + 2,
            "both cached pages are served by the fast path, not only the most recent way");

        rig.Must(C, AccessKind.Read); // evicts A, the least recent

        Assert.True(rig.Mmu.FastRead(A) is null, "the fast path never serves a page the TLB has evicted");
        Assert.True(rig.Mmu.FastRead(C) == rig.Memory.TryGet(fc)!.Pointer && rig.Mmu.FastRead(B) is not null, "the cached pages are still served");
    }

    [Fact]
    public void A_page_the_fast_path_declines_but_the_TLB_holds_hits_on_the_slow_path_and_is_then_served_fast()
    {
        var rig = new MmuRig();
        // 256 and 4096 pages apart: the same TLB set, and likely the same slot of any small direct-mapped fast table.
        ulong[] pages = { A, A + (256UL << 12), A + (4096UL << 12) };
        var frames = pages.Select(va => rig.Map(va, MmuRig.UserRw)).ToArray();
        foreach (ulong va in pages)
        {
            rig.Must(va, AccessKind.Read);
        }
        long walks = rig.Mmu.Walks;

        for (int i = 0; i < pages.Length; i++)
        {
            byte* fast = rig.Mmu.FastRead(pages[i] + 7);
            byte* expected = rig.Memory.TryGet(frames[i])!.Pointer + 7;
            Assert.True(fast is null || fast == expected, "the fast path either declines or gives the right frame, never another page's");
            Assert.True(rig.Must(pages[i] + 7, AccessKind.Read) == expected, "the slow path finds the cached page");
            Assert.True(rig.Mmu.FastRead(pages[i] + 7) == expected, "after a slow-path hit the page is served fast");
        }
        Assert.True(rig.Mmu.Walks == walks, "all three pages stayed cached: no walks");
    }

    [Fact]
    public void A_frame_holding_decoded_code_gets_no_fast_write_and_a_slow_write_raises_CodeWritten()
    {
        var rig = new MmuRig();
        Frame frame = rig.Map(A, MmuRig.UserRw | Pte.D);
        PhysicalFrame physical = rig.Memory.GetOrCreate(frame);
        var raised = new List<PhysicalFrame>();
        rig.Memory.CodeWritten = raised.Add;
        physical.DecodedCode = "decoded block";

        rig.Must(A, AccessKind.Execute);
        Assert.True(rig.Mmu.FastWrite(A) is null, "an entry made while the frame holds decoded code has no fast write, though the page is dirty and writable");
        Assert.True(rig.Mmu.FastRead(A) is not null, "reads of a code frame stay on the fast path");

        Assert.True(rig.Mmu.TryWrite(A + 4, new byte[] { 0xCC }, true, out _), "the write succeeds on the slow path");
        Assert.True(raised.Count == 1 && ReferenceEquals(raised[0], physical), "the slow-path write raises CodeWritten with the frame (self-modifying code)");
        Assert.True(physical.DecodedCode is null, "and the frame's decoded code is dropped");
        Assert.True(rig.PhysicalByte(frame, 4) == 0xCC, "the byte is written");
        Assert.True(rig.Mmu.FastWrite(A) is not null, "with the code gone, the entry serves fast writes again");
    }

    [Fact]
    public void Withdrawing_fast_writes_when_code_is_decoded_sends_later_writes_through_the_slow_path()
    {
        var rig = new MmuRig();
        Frame frame = rig.Map(A, MmuRig.UserRw);
        rig.Must(A, AccessKind.Write, rule: "test setup: dirty entry with a fast write");
        Assert.True(rig.Mmu.FastWrite(A) is not null, "test setup");
        PhysicalFrame physical = rig.Memory.TryGet(frame)!;
        int raised = 0;
        rig.Memory.CodeWritten = _ => raised++;

        physical.DecodedCode = "decoded block"; // what the CPU does when it decodes code in this frame
        rig.Mmu.Tlb.WithdrawFastWrites(physical);

        Assert.True(rig.Mmu.FastWrite(A) is null, "after WithdrawFastWrites the frame has no fast write");
        Assert.True(rig.Mmu.Tlb.Contains(A) && rig.Mmu.FastRead(A) is not null, "the entry itself stays (architecturally nothing changed)");
        long walks = rig.Mmu.Walks;
        byte* p = rig.Must(A + 1, AccessKind.Write);
        Assert.True(raised == 1 && physical.DecodedCode is null, "a write through Translate raises CodeWritten and clears DecodedCode");
        Assert.True(rig.Mmu.Walks == walks && p is not null, "without walking (the entry is dirty)");
    }

    [Fact]
    public void A_write_to_a_page_table_frame_holding_decoded_code_through_the_walker_raises_CodeWritten()
    {
        // A/D updates are writes too: they go through NoteWrite like any slow-path write.
        var rig = new MmuRig();
        rig.Map(A, MmuRig.UserRw);
        PhysicalFrame ptFrame = rig.Memory.TryGet(rig.EntryAddress(A, 1).Frame)!;
        ptFrame.DecodedCode = "odd but possible";
        int raised = 0;
        rig.Memory.CodeWritten = _ => raised++;

        rig.Must(A, AccessKind.Write);

        Assert.True(raised == 1 && ptFrame.DecodedCode is null, "setting A/D in a page-table frame that holds decoded code drops that code");
    }

    [Fact]
    public void Supervisor_only_pages_hit_on_the_slow_path_and_never_arm_the_user_fast_path()
    {
        var rig = new MmuRig();
        rig.Map(A, MmuRig.UserRw);

        rig.Must(A, AccessKind.Write, user: false);
        Assert.True(rig.Mmu.FastWrite(A) is not null, "a user page cached by a supervisor write is servable to user mode (US=1, RW=1, D=1)");

        var rig2 = new MmuRig();
        rig2.Map(A, Pte.RW | Pte.D);
        rig2.Must(A, AccessKind.Write, user: false);
        rig2.Must(A, AccessKind.Write, user: false);
        Assert.True(rig2.Mmu.FastWrite(A) is null && rig2.Mmu.Walks == 1, "a supervisor page hits on the slow path and never gets a user fast write");
    }

    [Fact]
    public void TLB_geometry_must_have_a_power_of_two_number_of_sets()
    {
        Assert.Throws<ArgumentException>(() => new Tlb(new TlbGeometry(3, 2)));
        Assert.Throws<ArgumentException>(() => new Tlb(new TlbGeometry(0, 2)));
        Assert.Throws<ArgumentException>(() => new Tlb(new TlbGeometry(4, 0)));
        Assert.True(new Tlb(new TlbGeometry(1, 1)).Geometry.Entries == 1, "1x1 is a valid geometry");
        Assert.True(TlbGeometry.Default.Entries == 256, "the default TLB is 64 sets x 4 ways");
    }
}

namespace HvSim.Tests.Hvm;

using HvSim.Core;
using HvSim.Mmu;
using HvSim.Tests.MmuTests;

/// <summary>
/// The MMU under EPT (Intel SDM Vol. 3C, 29.3-29.4): two-dimensional walks with A/D bits in both
/// dimensions, EPT permissions raising EPT violations, PML, sub-page permissions, and a TLB of
/// combined translations that stays stale until invept.
/// </summary>
public sealed unsafe class NestedWalkTests
{
    private const ulong Va = 0x0000_7123_4567_8000;

    /// <summary>
    /// An MMU rig (guest tables in the low 32 MiB) with an EPT in frames above 48 MiB that maps
    /// every guest page to host page gpa + <see cref="HostOffset"/> bytes higher (a non-identity
    /// mapping, so a test sees the MMU follow the EPT) — except page-table pages, which must stay
    /// where the rig's editor writes them: those map one to one.
    /// </summary>
    private sealed class Rig : IVmExitSink
    {
        public const ulong HostOffset = 16UL << 20;
        private ulong _nextEptFrame = (48UL << 20) >> 12;

        public Rig()
        {
            Guest = new MmuRig(memoryBytes: 64UL << 20);
            EptRoot = NewTable();
            Nested = new NestedPaging(Guest.Memory, EptRoot, this, Populate);
        }

        public MmuRig Guest { get; }

        public ulong EptRoot { get; }

        public NestedPaging Nested { get; }

        public HashSet<ulong> Identity { get; } = [];

        public List<EptViolation> Violations { get; } = [];

        public int PmlFullExits { get; private set; }

        /// <summary>What the "hypervisor" does on a violation: by default give W back (and drop SPP).</summary>
        public Func<EptViolation, bool>? OnViolation { get; set; }

        public void Enable()
        {
            foreach (ulong table in TablePages())
            {
                Identity.Add(table);
            }
            Guest.Mmu.EnableNestedPaging(Nested);
        }

        /// <summary>The guest-physical pages of the rig's page tables (the root and the tables down to <see cref="Va"/>).</summary>
        public IEnumerable<ulong> TablePages()
        {
            yield return PteFormat.Address(Guest.Cr3);
            for (int level = 4; level > 1; level--)
            {
                yield return PteFormat.Address(Guest.ReadEntry(Va, level));
            }
        }

        public bool Populate(ulong gpa)
        {
            if (gpa >= (32UL << 20))
            {
                return false;
            }
            ulong table = EptRoot;
            for (int level = 4; level > 1; level--)
            {
                var at = new GuestPhysical(table + ((ulong)PteFormat.Index(gpa, level) * 8));
                ulong entry = Guest.Memory.ReadU64(at);
                if (!EpteFormat.Present(entry))
                {
                    entry = EpteFormat.Make(NewTable(), EpteFormat.ReadWriteExecute);
                    Guest.Memory.WriteU64(at, entry);
                }
                table = PteFormat.Address(entry);
            }
            ulong host = Identity.Contains(gpa) ? gpa : gpa + HostOffset;
            Guest.Memory.WriteU64(new GuestPhysical(table + ((ulong)PteFormat.Index(gpa, 1) * 8)), EpteFormat.Make(host, EpteFormat.ReadWriteExecute));
            return true;
        }

        public ulong Leaf(ulong gpa) => Guest.Memory.ReadU64(Nested.LeafEntry(gpa)!.Value);

        public void SetLeaf(ulong gpa, ulong value) => Guest.Memory.WriteU64(Nested.LeafEntry(gpa)!.Value, value);

        public bool OnEptViolation(in EptViolation violation)
        {
            Violations.Add(violation);
            if (OnViolation is not null)
            {
                return OnViolation(violation);
            }
            ulong page = violation.GuestPhysical & ~0xFFFUL;
            SetLeaf(page, (Leaf(page) | (ulong)Epte.W) & ~(ulong)Epte.Spp);
            return true;
        }

        public void OnPmlFull()
        {
            PmlFullExits++;
            Nested.PmlIndex = NestedPaging.PmlEntries - 1;
        }

        public void OnEpmlFull(bool unwritable) => throw new InvalidOperationException("EPML is not used here");

        private ulong NewTable()
        {
            ulong frame = _nextEptFrame++;
            Guest.Memory.Zero(new Frame(frame));
            Guest.Memory.GetOrCreate(new Frame(frame));
            return frame << 12;
        }
    }

    [Fact]
    public void A_walk_sets_A_and_D_in_both_dimensions_and_guest_table_accesses_count_as_EPT_writes()
    {
        var rig = new Rig();
        Frame data = rig.Guest.Map(Va, MmuRig.UserRw);
        rig.Enable();
        ulong gpa = data.Base.Value;

        byte* p = rig.Guest.Must(Va + 8, AccessKind.Read);
        Assert.True(p == rig.Guest.Memory.GetOrCreate(new Frame((gpa + Rig.HostOffset) >> 12)).Pointer + 8,
            "the combined translation lands in the host page the EPT names (gpa + 16 MiB), not the guest-physical page");
        Assert.True(PteFormat.Has(rig.Guest.Leaf(Va), Pte.A) && !PteFormat.Has(rig.Guest.Leaf(Va), Pte.D), "a read sets the guest leaf's A, not D");
        Assert.True(EpteFormat.Has(rig.Leaf(gpa), Epte.A) && !EpteFormat.Has(rig.Leaf(gpa), Epte.D), "a read sets the EPT leaf's A, not D (SDM 29.3.5)");
        foreach (ulong table in rig.TablePages())
        {
            Assert.True(EpteFormat.Has(rig.Leaf(table), Epte.A | Epte.D),
                $"the EPT leaf of guest table page 0x{table:x} is accessed and dirty: the processor's guest paging-structure accesses are writes for EPT A/D");
        }

        Assert.True(rig.Guest.Mmu.TryWrite(Va + 8, [0x5A], user: true, out MemoryFault fault), $"the write succeeds ({fault})");
        Assert.True(PteFormat.Has(rig.Guest.Leaf(Va), Pte.D), "the write sets the guest leaf's D");
        Assert.True(EpteFormat.Has(rig.Leaf(gpa), Epte.D), "the write sets the EPT leaf's D");
        Assert.Equal(0x5A, *(p));
        Assert.Empty(rig.Violations);
    }

    [Fact]
    public void An_EPT_write_protection_is_an_EPT_violation_with_both_addresses_and_the_TLB_stays_stale_until_invept()
    {
        var rig = new Rig();
        Frame data = rig.Guest.Map(Va, MmuRig.UserRw);
        rig.Enable();
        ulong gpa = data.Base.Value;
        rig.SetLeaf(gpa, rig.Leaf(gpa) & ~(ulong)Epte.W);
        Assert.True(rig.Guest.Mmu.TryWrite(Va + 0x10, [1], user: true, out _), "the write completes once the hypervisor gave W back");
        EptViolation v = Assert.Single(rig.Violations);
        Assert.Equal(gpa + 0x10, v.GuestPhysical);
        Assert.Equal(Va + 0x10, v.GuestLinear);
        Assert.Equal(AccessKind.Write, v.Access);
        Assert.False(v.GuestTableAccess);

        // The combined entry is cached writable and dirty: taking W away without invept changes nothing.
        rig.SetLeaf(gpa, rig.Leaf(gpa) & ~(ulong)Epte.W);
        Assert.True(rig.Guest.Mmu.TryWrite(Va + 0x20, [2], user: true, out _));
        Assert.True(rig.Violations.Count == 1, "a stale combined translation lets the write through without an exit (no invept yet)");

        rig.Guest.Mmu.Invept();
        Assert.True(rig.Guest.Mmu.TryWrite(Va + 0x30, [3], user: true, out _));
        Assert.True(rig.Violations.Count == 2, "after invept the write walks again and meets the protection");
    }

    [Fact]
    public void Clearing_an_EPT_D_bit_without_invept_loses_the_next_write_and_with_it_the_write_sets_it_again()
    {
        var rig = new Rig();
        Frame data = rig.Guest.Map(Va, MmuRig.UserRw);
        rig.Enable();
        ulong gpa = data.Base.Value;
        Assert.True(rig.Guest.Mmu.TryWrite(Va, [1], user: true, out _));
        Assert.True(EpteFormat.Has(rig.Leaf(gpa), Epte.D));

        rig.SetLeaf(gpa, rig.Leaf(gpa) & ~(ulong)Epte.D);
        Assert.True(rig.Guest.Mmu.TryWrite(Va, [2], user: true, out _));
        Assert.False(EpteFormat.Has(rig.Leaf(gpa), Epte.D), "the cached dirty combined entry lets the write through: D stays clear (why the techniques invept)");

        rig.Guest.Mmu.Invept();
        Assert.True(rig.Guest.Mmu.TryWrite(Va, [3], user: true, out _));
        Assert.True(EpteFormat.Has(rig.Leaf(gpa), Epte.D), "after invept the write walks and sets D again");
    }

    [Fact]
    public void PML_logs_each_newly_dirtied_page_counting_down_and_exits_when_full_before_logging()
    {
        var rig = new Rig();
        Frame[] frames = Enumerable.Range(0, 3).Select(i => rig.Guest.Map(Va + ((ulong)i << 12), MmuRig.UserRw)).ToArray();
        rig.Enable();
        Frame log = rig.Guest.NewFrame();
        rig.Nested.PmlAddress = log.Base.Value;
        rig.Nested.PmlEnabled = true;
        rig.Nested.PmlIndex = 511;

        for (int i = 0; i < 2; i++)
        {
            Assert.True(rig.Guest.Mmu.TryWrite(Va + ((ulong)i << 12), [1], user: true, out _));
            Assert.True(rig.Guest.Mmu.TryWrite(Va + ((ulong)i << 12) + 8, [2], user: true, out _)); // already dirty: not logged again
        }
        ulong[] logged = [.. Enumerable.Range(0, 512).Select(slot => rig.Guest.Memory.ReadU64(new GuestPhysical(log.Base.Value + ((ulong)slot * 8))))];
        // Entry 511 and 510 hold the two data pages; the walk's table pages were dirtied first (treated as writes).
        Assert.Contains(frames[0].Base.Value, logged);
        Assert.Contains(frames[1].Base.Value, logged);
        Assert.DoesNotContain(frames[2].Base.Value, logged);
        Assert.Equal(frames[1].Base.Value, logged[rig.Nested.PmlIndex + 1]);

        rig.Nested.PmlIndex = ushort.MaxValue; // full
        Assert.True(rig.Guest.Mmu.TryWrite(Va + (2UL << 12), [3], user: true, out _));
        Assert.True(rig.PmlFullExits == 1, "the write that would log with the index out of range exits first");
        Assert.Equal(frames[2].Base.Value, rig.Guest.Memory.ReadU64(new GuestPhysical(log.Base.Value + (511 * 8))));
        Assert.Equal(510, rig.Nested.PmlIndex);
    }

    [Fact]
    public void Sub_page_permissions_allow_writes_per_128_byte_block()
    {
        var rig = new Rig();
        Frame data = rig.Guest.Map(Va, MmuRig.UserRw);
        rig.Enable();
        ulong gpa = data.Base.Value;
        rig.Guest.Must(Va, AccessKind.Read);
        rig.SetLeaf(gpa, (rig.Leaf(gpa) & ~(ulong)Epte.W) | (ulong)Epte.Spp);
        rig.Nested.SetSubPageWritable(gpa, 1u << 1); // block 1 (bytes 128..255) writable
        rig.Guest.Mmu.Invept();
        rig.OnViolation = v =>
        {
            int block = (int)((v.GuestPhysical & 0xFFF) / 128);
            rig.Nested.SetSubPageWritable(gpa, rig.Nested.SubPageWritable(gpa) | (1u << block));
            return true;
        };

        Assert.Equal(NestedPaging.SubPageBytes, rig.Guest.Mmu.AccessGranule);
        Assert.True(rig.Guest.Mmu.TryWrite(Va + 130, [1], user: true, out _));
        Assert.Empty(rig.Violations);
        Assert.True(rig.Guest.Mmu.TryWrite(Va + 250, new byte[12], user: true, out _)); // 250..261: blocks 1 and 2
        EptViolation v = Assert.Single(rig.Violations);
        Assert.True(v.SubPage && v.GuestPhysical == gpa + 256, $"the write into block 2 exits as a sub-page violation at its first byte (0x{v.GuestPhysical:x})");
        Assert.True(rig.Guest.Mmu.TryWrite(Va + 4000, [1], user: true, out _));
        Assert.Equal(2, rig.Violations.Count);
        Assert.Equal((1u << 1) | (1u << 2) | (1u << 31), rig.Nested.SubPageWritable(gpa));
    }
}

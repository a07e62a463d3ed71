namespace HvSim.Tests.MmuTests;

using HvSim.Core;
using HvSim.Mmu;

public sealed class MultiPageAccessTests
{
    private const ulong First = 0x0000_0000_0040_0000;
    private const ulong Second = First + 0x1000;

    private const PageFaultErrorCode P = PageFaultErrorCode.Present;
    private const PageFaultErrorCode W = PageFaultErrorCode.Write;
    private const PageFaultErrorCode U = PageFaultErrorCode.User;

    public static TheoryData<int, int> Geometries() => new() { { 64, 4 }, { 1, 1 }, { 1, 2 } };

    /// <summary>Two pages mapped to frames that are not physically adjacent.</summary>
    private static (MmuRig Rig, Frame F1, Frame F2) TwoPages(int sets, int ways, Pte secondBits)
    {
        var rig = new MmuRig(new TlbGeometry(sets, ways));
        Frame f1 = rig.Map(First, MmuRig.UserRw);
        rig.NewFrame(); // a gap so that the two frames are not contiguous
        Frame f2 = rig.Map(Second, secondBits);
        rig.FillFrame(f1, 0x11);
        rig.FillFrame(f2, 0x22);
        return (rig, f1, f2);
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void A_write_straddling_into_a_read_only_page_faults_at_its_first_byte_and_writes_nothing(int sets, int ways)
    {
        (MmuRig rig, Frame f1, Frame f2) = TwoPages(sets, ways, MmuRig.UserRo);

        bool ok = rig.Mmu.TryWrite(First + 0xFFC, new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, user: true, out MemoryFault fault);

        Assert.False(ok, "a write whose second page is read-only fails as a whole");
        FaultAssert.PageFault(fault, Second, P | W | U, "the fault names the read-only page: CR2 = its first byte, P=1|W|U");
        for (int i = 0xFF0; i < 0x1000; i++)
        {
            Assert.True(rig.PhysicalByte(f1, i) == 0x11, $"nothing is written to the first page (byte 0x{i:x} unchanged)");
        }
        Assert.True(rig.PhysicalByte(f2, 0) == 0x22, "nothing is written to the read-only page");
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void A_write_straddling_into_an_unmapped_page_faults_not_present_at_its_first_byte_and_writes_nothing(int sets, int ways)
    {
        var rig = new MmuRig(new TlbGeometry(sets, ways));
        Frame f1 = rig.Map(First, MmuRig.UserRw);
        rig.FillFrame(f1, 0x11);

        Assert.False(rig.Mmu.TryWrite(First + 0xFFF, new byte[] { 1, 2 }, true, out MemoryFault fault), "the write fails");
        FaultAssert.PageFault(fault, Second, W | U, "CR2 = first byte of the unmapped page, P=0|W|U");
        Assert.True(rig.PhysicalByte(f1, 0xFFF) == 0x11, "the first page's byte is not written");
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void A_write_straddling_two_writable_pages_splits_across_their_frames(int sets, int ways)
    {
        (MmuRig rig, Frame f1, Frame f2) = TwoPages(sets, ways, MmuRig.UserRw);

        Assert.True(rig.Mmu.TryWrite(First + 0xFFE, new byte[] { 0xA1, 0xA2, 0xA3, 0xA4 }, true, out MemoryFault fault), $"the write succeeds ({fault})");

        Assert.True(rig.PhysicalByte(f1, 0xFFE) == 0xA1 && rig.PhysicalByte(f1, 0xFFF) == 0xA2, "the first two bytes land at the end of the first frame");
        Assert.True(rig.PhysicalByte(f2, 0) == 0xA3 && rig.PhysicalByte(f2, 1) == 0xA4, "the last two bytes land at the start of the second frame");
        Assert.True(rig.PhysicalByte(f1, 0xFFD) == 0x11 && rig.PhysicalByte(f2, 2) == 0x22, "no byte outside the range is touched");
        Assert.True(PteFormat.Has(rig.Leaf(First), Pte.D) && PteFormat.Has(rig.Leaf(Second), Pte.D), "both pages become dirty");
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void A_read_straddling_two_pages_reads_both_frames(int sets, int ways)
    {
        (MmuRig rig, Frame f1, Frame f2) = TwoPages(sets, ways, MmuRig.UserRo);
        rig.Memory.Write(new GuestPhysical(f1.Base.Value + 0xFFD), new byte[] { 1, 2, 3 });
        rig.Memory.Write(f2.Base, new byte[] { 4, 5 });
        byte[] buffer = new byte[5];

        Assert.True(rig.Mmu.TryRead(First + 0xFFD, buffer, true, out MemoryFault fault), $"the read succeeds ({fault})");
        Assert.True(buffer.SequenceEqual(new byte[] { 1, 2, 3, 4, 5 }), "the bytes come from the end of frame 1 then the start of frame 2");
        Assert.False(PteFormat.Has(rig.Leaf(First), Pte.D) || PteFormat.Has(rig.Leaf(Second), Pte.D), "a read dirties neither page");
    }

    [Fact]
    public void A_read_straddling_into_a_non_readable_page_faults_at_its_first_byte_and_leaves_the_buffer_alone()
    {
        (MmuRig rig, _, _) = TwoPages(64, 4, Pte.RW); // second page supervisor-only
        byte[] buffer = { 0xEE, 0xEE, 0xEE, 0xEE };

        Assert.False(rig.Mmu.TryRead(First + 0xFFE, buffer, true, out MemoryFault fault), "a user read into a supervisor page fails");
        FaultAssert.PageFault(fault, Second, P | U, "CR2 = first byte of the supervisor page, P=1|U");
        Assert.True(buffer.All(b => b == 0xEE), "on a fault nothing has been copied into the destination");
        Assert.True(rig.Mmu.TryRead(First + 0xFFE, buffer, false, out _), "the same read in supervisor mode succeeds");
    }

    [Fact]
    public void A_read_spanning_three_pages_reads_them_all()
    {
        var rig = new MmuRig(new TlbGeometry(1, 1));
        Frame[] frames = new Frame[3];
        for (int i = 0; i < 3; i++)
        {
            frames[i] = rig.Map(First + ((ulong)i * 0x1000), MmuRig.UserRw);
            rig.FillFrame(frames[i], (byte)(i + 1));
        }
        byte[] buffer = new byte[0x1002];

        Assert.True(rig.Mmu.TryRead(First + 0xFFF, buffer, true, out _), "a read over three pages succeeds even with a 1-entry TLB");
        Assert.True(buffer[0] == 1 && buffer[1] == 2 && buffer[0x1000] == 2 && buffer[0x1001] == 3, "each byte comes from its own page's frame");
    }

    [Fact]
    public void Empty_accesses_succeed_without_translating()
    {
        var rig = new MmuRig();

        Assert.True(rig.Mmu.TryRead(First, Span<byte>.Empty, true, out _), "a zero-length read of an unmapped address succeeds");
        Assert.True(rig.Mmu.TryWrite(First, ReadOnlySpan<byte>.Empty, true, out _), "a zero-length write of an unmapped address succeeds");
        Assert.True(rig.Mmu.Walks == 0, "and walks nothing");
    }

    [Fact]
    public void A_read_running_off_the_canonical_lower_half_raises_GP_at_the_first_non_canonical_byte()
    {
        var rig = new MmuRig();
        const ulong last = 0x0000_7FFF_FFFF_F000;
        rig.Map(last, MmuRig.UserRw);

        Assert.False(rig.Mmu.TryRead(last + 0xFFE, new byte[4], true, out MemoryFault fault), "the read fails");
        Assert.True(fault.Kind == FaultKind.GeneralProtection && fault.Address == 0x0000_8000_0000_0000,
            $"running past 0x7FFFFFFFFFFF raises #GP for the first non-canonical byte, got {fault}");
    }
}

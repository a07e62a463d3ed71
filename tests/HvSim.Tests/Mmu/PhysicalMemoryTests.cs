namespace HvSim.Tests.MmuTests;

using HvSim.Core;
using HvSim.Mmu;

public sealed class PhysicalMemoryTests
{
    private const ulong FourGiB = 4UL << 30;

    [Fact]
    public void A_4GiB_memory_touches_no_frame_until_used()
    {
        var memory = new PhysicalMemory(FourGiB);

        Assert.True(memory.FrameCount == 1UL << 20, "4 GiB of guest physical memory is 2^20 frames of 4 KiB");
        Assert.True(memory.ResidentFrames == 0, "a fresh memory has no resident frame (sparse: nothing is allocated up front)");
        Assert.True(memory.TryGet(new Frame(0)) is null && memory.TryGet(new Frame(memory.FrameCount - 1)) is null,
            "TryGet does not create frames: untouched frames are absent");
    }

    [Fact]
    public void Reads_of_untouched_memory_are_zero_and_do_not_make_frames_resident()
    {
        var memory = new PhysicalMemory(FourGiB);

        Assert.True(memory.ReadU64(new GuestPhysical(0xFFFF_F000)) == 0, "a 64-bit read of untouched memory yields zero");
        byte[] buffer = new byte[3 * PageGeometry.PageSize];
        Array.Fill(buffer, (byte)0xAA);
        memory.Read(new GuestPhysical(0x1234_5678), buffer);

        Assert.True(buffer.All(b => b == 0), "a multi-frame read of untouched memory yields zeros");
        Assert.True(memory.ResidentFrames == 0, "reading untouched memory does not make frames resident");
    }

    [Fact]
    public void ResidentFrames_counts_each_touched_frame_once()
    {
        var memory = new PhysicalMemory(FourGiB);

        memory.Write(new GuestPhysical(0x1000), new byte[] { 1 });
        Assert.True(memory.ResidentFrames == 1, "one write makes one frame resident");

        memory.WriteU64(new GuestPhysical(0x1FF8), 42);
        Assert.True(memory.ResidentFrames == 1, "a second write to the same frame does not count it again");

        memory.Write(new GuestPhysical(0xFFFF_FFFE), new byte[] { 1, 2 });
        Assert.True(memory.ResidentFrames == 2, "a write at the top of 4 GiB makes exactly its frame resident");

        memory.Write(new GuestPhysical(0x8_0FFE), new byte[] { 1, 2, 3, 4 });
        Assert.True(memory.ResidentFrames == 4, "a write that straddles two frames makes both resident");

        PhysicalFrame a = memory.GetOrCreate(new Frame(1));
        Assert.True(ReferenceEquals(a, memory.GetOrCreate(new Frame(1))) && ReferenceEquals(a, memory.TryGet(new Frame(1))),
            "GetOrCreate returns the same frame object every time");
        Assert.True(memory.ResidentFrames == 4, "GetOrCreate of a resident frame does not count it again");
    }

    [Fact]
    public void Written_bytes_read_back_across_frames_little_endian()
    {
        var memory = new PhysicalMemory(1UL << 20);
        byte[] data = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();

        memory.Write(new GuestPhysical(0x2F00), data);
        byte[] back = new byte[300];
        memory.Read(new GuestPhysical(0x2F00), back);

        Assert.True(back.SequenceEqual(data), "bytes written across a frame boundary read back unchanged");
        memory.WriteU64(new GuestPhysical(0x5000), 0x1122_3344_5566_7788);
        Assert.True(memory.TryGet(new Frame(5))!.Bytes[0] == 0x88, "64-bit values are stored little-endian");
    }

    [Fact]
    public void Frames_outside_the_memory_size_are_rejected()
    {
        var memory = new PhysicalMemory(16 * (ulong)PageGeometry.PageSize);
        var outside = new Frame(16);

        Assert.True(memory.Contains(new Frame(15)), "the last frame lies inside memory");
        Assert.False(memory.Contains(outside), "the frame just past the size lies outside memory");
        Assert.True(memory.TryGet(outside) is null, "TryGet of a frame outside memory yields null");
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.GetOrCreate(outside));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.Write(outside.Base, new byte[] { 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.WriteU64(outside.Base, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.Write(new GuestPhysical(outside.Base.Value - 1), new byte[] { 1, 2 }));
        Assert.True(memory.ResidentFrames <= 1, "a rejected write creates no frame outside memory");
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(4095UL)]
    [InlineData(4097UL)]
    [InlineData((1UL << 46) + 4096)]
    public void Sizes_that_are_zero_unaligned_or_above_64TiB_are_rejected(ulong size)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PhysicalMemory(size));
    }

    [Fact]
    public void Unaligned_64bit_accesses_are_rejected()
    {
        var memory = new PhysicalMemory(1UL << 20);

        Assert.Throws<ArgumentException>(() => memory.ReadU64(new GuestPhysical(0x1004)));
        Assert.Throws<ArgumentException>(() => memory.WriteU64(new GuestPhysical(0x1001), 0));
    }

    [Fact]
    public void Zeroing_an_untouched_frame_does_not_make_it_resident()
    {
        var memory = new PhysicalMemory(1UL << 20);
        memory.Zero(new Frame(3));
        Assert.True(memory.ResidentFrames == 0, "zeroing an untouched (already zero) frame allocates nothing");

        memory.Write(new GuestPhysical(0x4010), new byte[] { 9 });
        memory.Zero(new Frame(4));
        Assert.True(memory.TryGet(new Frame(4))!.Bytes.ToArray().All(b => b == 0), "Zero clears a resident frame");
    }

    [Fact]
    public void A_slow_path_write_to_a_frame_holding_decoded_code_raises_CodeWritten_and_drops_the_code()
    {
        var memory = new PhysicalMemory(1UL << 20);
        PhysicalFrame frame = memory.GetOrCreate(new Frame(2));
        var raised = new List<PhysicalFrame>();
        memory.CodeWritten = raised.Add;

        frame.DecodedCode = new object();
        memory.Write(new GuestPhysical(0x2008), new byte[] { 0x90 });
        Assert.True(raised.Count == 1 && ReferenceEquals(raised[0], frame), "a write to a code frame raises CodeWritten once, with that frame");
        Assert.True(frame.DecodedCode is null, "the write drops the frame's decoded code");

        memory.Write(new GuestPhysical(0x2008), new byte[] { 0x90 });
        Assert.True(raised.Count == 1, "a write to a frame without decoded code raises nothing");

        frame.DecodedCode = new object();
        memory.WriteU64(new GuestPhysical(0x2010), 7);
        Assert.True(raised.Count == 2 && frame.DecodedCode is null, "a 64-bit write to a code frame raises CodeWritten too");
    }
}

public sealed class FrameAllocatorTests
{
    [Fact]
    public void Frames_are_handed_out_lowest_first_above_the_reserved_ones()
    {
        var memory = new PhysicalMemory(8 * (ulong)PageGeometry.PageSize);
        var allocator = new FrameAllocator(memory, firstFrame: 2);

        Frame?[] got = Enumerable.Range(0, 7).Select(_ => allocator.TryAllocate()).ToArray();

        Assert.True(got.Take(6).Select(f => f!.Value.Number).SequenceEqual(new ulong[] { 2, 3, 4, 5, 6, 7 }),
            "frames come out in ascending order starting at firstFrame");
        Assert.True(got[6] is null, "an exhausted memory yields null, not an exception");
        Assert.True(allocator.InUse == 6, "InUse counts frames handed out");
    }

    [Fact]
    public void A_freed_frame_is_reused_first_and_comes_back_zeroed()
    {
        var memory = new PhysicalMemory(1UL << 20);
        var allocator = new FrameAllocator(memory);
        Frame a = allocator.TryAllocate()!.Value;
        Frame b = allocator.TryAllocate()!.Value;
        memory.Write(a.Base, new byte[] { 1, 2, 3 });

        allocator.Free(a);
        Frame again = allocator.TryAllocate()!.Value;

        Assert.True(again == a, "the lowest freed frame is handed out before fresh ones");
        Assert.True(memory.ReadU64(a.Base) == 0, "a reused frame is zero-filled");
        Assert.True(allocator.InUse == 2 && b.Number == a.Number + 1, "InUse follows allocate and free");
    }

    /// <summary>
    /// Issue 13's exploit ended with a frame freed while a user PTE still mapped it, and reused as
    /// a page table: the map counts make that impossible whatever a caller gets wrong.
    /// </summary>
    [Fact]
    public void A_mapped_frame_cannot_be_freed_and_a_free_frame_cannot_be_mapped()
    {
        var memory = new PhysicalMemory(1UL << 20);
        var allocator = new FrameAllocator(memory);
        Frame a = allocator.TryAllocate()!.Value;
        allocator.NoteMapped(a);
        allocator.NoteMapped(a); // a shared frame, or the zero page: mapped twice
        Assert.Equal(2, allocator.MapCount(a));
        Assert.Throws<InvalidOperationException>(() => allocator.Free(a));
        allocator.NoteUnmapped(a);
        Assert.Throws<InvalidOperationException>(() => allocator.Free(a));
        allocator.NoteUnmapped(a);
        allocator.Free(a);
        Assert.Throws<InvalidOperationException>(() => allocator.NoteMapped(a));
        Assert.Throws<InvalidOperationException>(() => allocator.NoteUnmapped(a));
        Assert.Equal(0, allocator.InUse);
    }

    [Fact]
    public void Freeing_twice_or_freeing_a_never_allocated_frame_is_rejected()
    {
        var memory = new PhysicalMemory(1UL << 20);
        var allocator = new FrameAllocator(memory, firstFrame: 4);
        Frame a = allocator.TryAllocate()!.Value;
        allocator.Free(a);

        Assert.Throws<InvalidOperationException>(() => allocator.Free(a));
        Assert.Throws<InvalidOperationException>(() => allocator.Free(new Frame(100)));
        Assert.Throws<InvalidOperationException>(() => allocator.Free(new Frame(0)));
        Assert.True(allocator.InUse == 0, "rejected frees leave InUse unchanged");
        Assert.True(allocator.TryAllocate() == a && allocator.TryAllocate() == new Frame(5),
            "a reserved frame (below firstFrame) never enters the pool, even after a bogus Free");
    }
}

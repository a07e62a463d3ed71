using HvSim.GuestOs.Elf;

namespace HvSim.GuestOs.Tests.Elf;

public sealed class ElfImageTests
{
    [Fact]
    public void ParsesTheValidTestImage()
    {
        byte[] file = TestElf.Valid().Build();

        ElfImage image = ElfImage.Parse(file);

        Assert.Equal(ElfFileType.Executable, image.FileType);
        Assert.False(image.RequiresLoadBias);
        Assert.Equal(TestElf.TextAddress + TestElf.CodeOffset, image.Entry);
        Assert.Equal(4, image.ProgramHeaderCount);
        Assert.Equal(56, image.ProgramHeaderEntrySize);
        Assert.Equal(64UL, image.ProgramHeaderOffset);
        Assert.Equal(TestElf.TextAddress + 64, image.ProgramHeaderAddress);
        Assert.Equal(TestElf.TextAddress, image.ImageStart);
        Assert.Equal(TestElf.DataAddress + 0x1000, image.ImageEnd);
    }

    [Fact]
    public void ExposesLoadSegmentsWithTheirBytes()
    {
        byte[] file = TestElf.Valid().Build();

        ElfImage image = ElfImage.Parse(file);

        Assert.Equal(2, image.LoadSegments.Count);
        ElfSegment text = image.LoadSegments[0];
        Assert.Equal(0, text.Index);
        Assert.Equal(TestElf.TextAddress, text.VirtualAddress);
        Assert.Equal(0UL, text.FileOffset);
        Assert.Equal(0x160UL, text.FileSize);
        Assert.Equal(0x160UL, text.MemorySize);
        Assert.Equal(ElfSegmentFlags.Read | ElfSegmentFlags.Execute, text.Flags);
        Assert.True(text.IsExecutable);
        Assert.False(text.IsWritable);
        Assert.Equal(0x1000UL, text.Alignment);
        Assert.Equal(TestElf.Code, text.FileData.Span.Slice(TestElf.CodeOffset, TestElf.Code.Length).ToArray());

        ElfSegment data = image.LoadSegments[1];
        Assert.Equal(ElfSegmentFlags.Read | ElfSegmentFlags.Write, data.Flags);
        Assert.Equal(0x20, data.FileData.Length);
        Assert.Equal(1, data.FileData.Span[0]);
        Assert.Equal(TestElf.DataAddress + 0x1000, data.EndAddress);
    }

    [Fact]
    public void ExposesTlsAndStackFlags()
    {
        ElfImage image = ElfImage.Parse(TestElf.Valid().Build());

        Assert.NotNull(image.Tls);
        Assert.Equal(TestElf.DataAddress, image.Tls.VirtualAddress);
        Assert.Equal(8UL, image.Tls.FileSize);
        Assert.Equal(0x10UL, image.Tls.MemorySize);
        Assert.Equal(8UL, image.Tls.Alignment);
        Assert.Equal(ElfSegmentFlags.Read | ElfSegmentFlags.Write, image.GnuStackFlags);
        Assert.False(image.ExecutableStack);
    }

    [Fact]
    public void ExecutableStackComesFromPfXInTheLastGnuStackHeader()
    {
        TestElf elf = TestElf.Valid();
        elf.Headers.Add(new TestPhdr { Type = TestPhdr.PtGnuStack, Flags = 7 });

        ElfImage image = ElfImage.Parse(elf.Build());

        Assert.True(image.ExecutableStack);
    }

    [Fact]
    public void MissingGnuStackMeansNonExecutableStackOnX86_64()
    {
        TestElf elf = TestElf.Valid();
        elf.Headers.RemoveAll(h => h.Type == TestPhdr.PtGnuStack);

        ElfImage image = ElfImage.Parse(elf.Build());

        Assert.Null(image.GnuStackFlags);
        Assert.False(image.ExecutableStack);
    }

    [Fact]
    public void StaticPieNeedsALoadBias()
    {
        TestElf elf = TestElf.Valid();
        elf.Type = 3;
        elf.Load(0).Vaddr = 0;
        elf.Load(1).Vaddr = 0x1180;
        elf.Headers.Single(h => h.Type == TestPhdr.PtTls).Vaddr = 0x1180;
        elf.Entry = TestElf.CodeOffset;

        ElfImage image = ElfImage.Parse(elf.Build());

        Assert.Equal(ElfFileType.PositionIndependent, image.FileType);
        Assert.True(image.RequiresLoadBias);
        Assert.Equal(0x40UL, image.ProgramHeaderAddress);
        Assert.Equal((ulong)TestElf.CodeOffset, image.Entry);
    }

    [Fact]
    public void ProgramHeaderAddressIsNullWhenNoSegmentMapsTheTable()
    {
        TestElf elf = TestElf.Valid();
        elf.Load(0).Offset = 0x1000;
        elf.Load(0).Vaddr = 0x401000;
        elf.Load(0).Filesz = 0;
        elf.Load(1).Vaddr = 0x402180;
        elf.Entry = 0x401000;

        ElfImage image = ElfImage.Parse(elf.Build());

        Assert.Null(image.ProgramHeaderAddress);
    }

    [Fact]
    public void AcceptsSegmentsThatShareAPageWithoutOverlapping()
    {
        TestElf elf = TestElf.Valid();
        elf.Load(1).Vaddr = TestElf.TextAddress + TestElf.DataOffset;

        ElfImage image = ElfImage.Parse(elf.Build());

        Assert.Equal(TestElf.TextAddress + TestElf.DataOffset, image.LoadSegments[1].VirtualAddress);
    }

    [Fact]
    public void BssOnlySegmentNeedsNoFileOffsetCongruence()
    {
        TestElf elf = TestElf.Valid();
        elf.Headers.Insert(2, new TestPhdr { Type = TestPhdr.PtLoad, Flags = 6, Offset = 0x123, Vaddr = 0x500000, Filesz = 0, Memsz = 0x2000, Align = 0x1000 });

        ElfImage image = ElfImage.Parse(elf.Build());

        Assert.Equal(3, image.LoadSegments.Count);
        Assert.Equal(0x502000UL, image.ImageEnd);
        Assert.True(image.LoadSegments[2].FileData.IsEmpty);
    }

    [Fact]
    public void NullInputIsACallerBug()
    {
        Assert.Throws<ArgumentNullException>(() => ElfImage.Parse(null!));
    }
}

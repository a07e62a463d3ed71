using HvSim.GuestOs.Elf;

namespace HvSim.GuestOs.Tests.Elf;

public sealed class ElfMalformationTests
{
    private static void AssertRejected(byte[] file, string expectedMessagePart)
    {
        var ex = Assert.Throws<ElfFormatException>(() => ElfImage.Parse(file));
        Assert.Contains(expectedMessagePart, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    private static void AssertRejected(Action<TestElf> breakIt, string expectedMessagePart)
    {
        TestElf elf = TestElf.Valid();
        breakIt(elf);
        AssertRejected(elf.Build(), expectedMessagePart);
    }

    [Fact]
    public void EmptyFile() => AssertRejected([], "not an ELF file: the file is empty");

    [Fact]
    public void WrongMagic() => AssertRejected(elf => elf.Ident[1] = (byte)'X', "not an ELF file (bad magic number)");

    [Fact]
    public void ScriptIsNotElf() => AssertRejected("#!/bin/sh\necho hi\n"u8.ToArray(), "not an ELF file (bad magic number)");

    [Fact]
    public void TruncatedInsideIdent() => AssertRejected(TestElf.Valid().Build()[..10], "shorter than the ELF identification");

    [Fact]
    public void TruncatedInsideHeader() => AssertRejected(TestElf.Valid().Build()[..40], "40 bytes, shorter than the 64-byte ELF64 header");

    [Fact]
    public void ThirtyTwoBit() => AssertRejected(elf => elf.Ident[4] = 1, "32-bit ELF (ELFCLASS32) not supported");

    [Fact]
    public void InvalidClass() => AssertRejected(elf => elf.Ident[4] = 5, "invalid ELF class 5");

    [Fact]
    public void BigEndian() => AssertRejected(elf => elf.Ident[5] = 2, "big-endian ELF not supported");

    [Fact]
    public void InvalidDataEncoding() => AssertRejected(elf => elf.Ident[5] = 0, "invalid ELF data encoding 0");

    [Fact]
    public void WrongMachine() => AssertRejected(elf => elf.Machine = 183, "ELF machine 183 (AArch64) is not x86-64");

    [Fact]
    public void I386Machine() => AssertRejected(elf => elf.Machine = 3, "ELF machine 3 (i386) is not x86-64");

    [Fact]
    public void RelocatableObject() => AssertRejected(elf => elf.Type = 1, "relocatable object (ET_REL) is not an executable; link it first");

    [Fact]
    public void CoreDump() => AssertRejected(elf => elf.Type = 4, "core dump (ET_CORE)");

    [Fact]
    public void UnknownType() => AssertRejected(elf => elf.Type = 0x55, "unknown ELF file type 0x55");

    [Fact]
    public void DynamicallyLinked()
    {
        TestElf elf = TestElf.Valid();
        elf.Headers.Insert(0, new TestPhdr { Type = TestPhdr.PtInterp, Flags = 4, Offset = 0x160, Vaddr = 0x400160, Filesz = 0x1c, Memsz = 0x1c, Align = 1 });

        var ex = Assert.Throws<ElfFormatException>(() => ElfImage.Parse(elf.Build()));

        Assert.Equal("dynamically linked ELF not supported; link with -static", ex.Message);
    }

    [Fact]
    public void NoProgramHeaders() => AssertRejected(elf => elf.PhnumOverride = 0, "ELF has no program headers");

    [Fact]
    public void TooManyProgramHeaders() => AssertRejected(elf => elf.PhnumOverride = 2000, "too many program headers (2000; at most 1170)");

    [Fact]
    public void ExtendedNumberingIsRefused() => AssertRejected(elf => elf.PhnumOverride = 0xffff, "too many program headers");

    [Fact]
    public void WrongProgramHeaderEntrySize() => AssertRejected(elf => elf.Phentsize = 32, "program header entry size is 32, not 56");

    [Fact]
    public void ProgramHeaderTableBeyondFile() => AssertRejected(elf => elf.PhnumOverride = 100, "program header table (offset 0x40, 100 entries) extends past the end of the file");

    [Fact]
    public void ProgramHeaderOffsetHuge()
    {
        byte[] file = TestElf.Valid().Build();
        TestElf.PutU64(file, 32, ulong.MaxValue - 8);
        AssertRejected(file, "extends past the end of the file");
    }

    [Fact]
    public void TruncatedInsideProgramHeaders() => AssertRejected(TestElf.Valid().Build()[..100], "extends past the end of the file (100 bytes)");

    [Fact]
    public void SegmentBytesBeyondFile() => AssertRejected(elf => elf.Load(1).Filesz = elf.Load(1).Memsz = 0x10000, "PT_LOAD segment (program header 1): file bytes [0x180, +0x10000) extend past the end of the file");

    [Fact]
    public void SegmentOffsetOverflows() => AssertRejected(elf => elf.Load(1).Offset = ulong.MaxValue - 0x10, "extend past the end of the file");

    [Fact]
    public void FileSizeLargerThanMemorySize() => AssertRejected(elf => elf.Load(1).Memsz = 0x10, "PT_LOAD segment (program header 1): file size 0x20 is larger than its memory size 0x10");

    [Fact]
    public void SegmentWrapsTheAddressSpace() => AssertRejected(elf => elf.Load(1).Memsz = ulong.MaxValue, "lies outside the user address space");

    [Fact]
    public void SegmentInKernelHalf() => AssertRejected(elf => elf.Load(1).Vaddr = 0xffff_8000_0000_0180, "lies outside the user address space (below 0x7ffffffff000)");

    [Fact]
    public void SegmentEndsPastUserLimit() => AssertRejected(elf => elf.Load(1).Memsz = 0x7fff_ffff_f000, "lies outside the user address space");

    [Fact]
    public void OverlappingSegments() => AssertRejected(
        elf =>
        {
            elf.Load(0).Memsz = 0x1000;
            elf.Load(1).Vaddr = 0x400180;
        },
        "PT_LOAD segment (program header 1) [0x400180, 0x401180) overlaps program header 0 [0x400000, 0x401000)");

    [Fact]
    public void DescendingSegments() => AssertRejected(elf => elf.Load(1).Vaddr = 0x300180, "is below the previous PT_LOAD segment; they must ascend by address");

    [Fact]
    public void AlignmentNotAPowerOfTwo() => AssertRejected(elf => elf.Load(1).Align = 0x3000, "alignment 0x3000 is not a power of two");

    [Fact]
    public void AddressAndOffsetDisagreeModuloPage() => AssertRejected(elf => elf.Load(1).Vaddr = 0x401190, "address 0x401190 and file offset 0x180 differ modulo the 4096-byte page");

    [Fact]
    public void NoLoadSegments() => AssertRejected(elf => elf.Headers.ForEach(h => h.Type = h.Type == TestPhdr.PtLoad ? TestPhdr.PtNote : h.Type), "ELF has no loadable (PT_LOAD) segments");

    [Fact]
    public void EntryOutsideSegments() => AssertRejected(elf => elf.Entry = 0x900000, "ELF entry point 0x900000 lies outside every PT_LOAD segment");

    [Fact]
    public void TwoTlsHeaders() => AssertRejected(elf => elf.Headers.Add(new TestPhdr { Type = TestPhdr.PtTls, Flags = 4, Offset = 0x180, Vaddr = 0x401180, Filesz = 8, Memsz = 8, Align = 8 }), "more than one PT_TLS header (program headers 2 and 4)");

    [Fact]
    public void TlsFileSizeLargerThanMemorySize() => AssertRejected(elf => elf.Headers.Single(h => h.Type == TestPhdr.PtTls).Memsz = 4, "PT_TLS segment (program header 2): file size 0x8 is larger than its memory size 0x4");

    [Fact]
    public void TlsBeyondFile() => AssertRejected(elf => elf.Headers.Single(h => h.Type == TestPhdr.PtTls).Offset = 0x10_0000, "PT_TLS segment (program header 2): file bytes");
}

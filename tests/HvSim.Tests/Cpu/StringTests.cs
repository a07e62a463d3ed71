using HvSim.Core;
using HvSim.Cpu;
using HvSim.Mmu;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cpu;

/// <summary>
/// movs, stos, lods, cmps, scas: named cases for each rule, then a randomised comparison with an
/// element-by-element model of the SDM pseudo-code (StringTests.Model.cs).
/// </summary>
public sealed partial class StringTests
{
    private const ulong Data = TestMachine.DataBase;               // 4 writable pages
    private const ulong ReadOnlyPage = Data + (4 * 4096);           // mapped read-only by Layout()
    private const ulong Code = TestMachine.CodeBase;

    private const PageFaultErrorCode UserWrite = PageFaultErrorCode.Write | PageFaultErrorCode.User;
    private const PageFaultErrorCode UserWriteProtected = PageFaultErrorCode.Present | UserWrite;

    private static readonly int[] s_sizes = { 1, 2, 4, 8 };

    // ---- movs -------------------------------------------------------------------------------

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(4, false)]
    [InlineData(8, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(4, true)]
    [InlineData(8, true)]
    public void RepMovsCopiesEveryElementAndAdvancesRegisters(int size, bool down)
    {
        TestMachine m = Machine(StringCode(0xA4, size, rep: 0xF3));
        const int count = 3000; // several pages of source and destination
        ulong bytes = (ulong)(count * size);
        byte[] source = Pattern((int)bytes, seed: size);
        ulong src = 0x1000_0008;
        ulong dst = 0x1100_0003; // unaligned, different page phase
        m.MapRange(0x1000_0000, 8, Pte.RW | Pte.US | Pte.NX);
        m.MapRange(0x1100_0000, 8, Pte.RW | Pte.US | Pte.NX);
        m.WritePhysical(src, source);
        m.Cpu.DF = down;
        SetStringRegisters(m, down ? src + bytes - (ulong)size : src, down ? dst + bytes - (ulong)size : dst, count);

        AssertBreakpoint(m);

        Assert.Equal(source, m.ReadPhysical(dst, (int)bytes));
        Assert.Equal(0UL, m.Cpu.R(Reg.Rcx));
        Assert.Equal(down ? src - (ulong)size : src + bytes, m.Cpu.R(Reg.Rsi)); // SDM: RSI ± size per element
        Assert.Equal(down ? dst - (ulong)size : dst + bytes, m.Cpu.R(Reg.Rdi));
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(4, false)]
    [InlineData(8, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(4, true)]
    [InlineData(8, true)]
    public void MovsWithoutRepMovesOneElementAndLeavesRcx(int size, bool down)
    {
        TestMachine m = Machine(StringCode(0xA4, size));
        m.WritePhysical(Data + 0x100, Pattern(8, seed: 9));
        m.Cpu.DF = down;
        SetStringRegisters(m, Data + 0x100, Data + 0x200, 77);

        AssertBreakpoint(m);

        Assert.Equal(Pattern(8, seed: 9)[..size], m.ReadPhysical(Data + 0x200, size));
        Assert.Equal(0, m.ReadPhysical(Data + 0x200 + (ulong)size, 1)[0]);
        Assert.Equal(77UL, m.Cpu.R(Reg.Rcx));
        ulong step = down ? (ulong)(-size) : (ulong)size;
        Assert.Equal(Data + 0x100 + step, m.Cpu.R(Reg.Rsi));
        Assert.Equal(Data + 0x200 + step, m.Cpu.R(Reg.Rdi));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void RepMovsIntoReadOnlyPageStopsAtTheBoundaryAndResumes(int size)
    {
        TestMachine m = Machine(StringCode(0xA4, size, rep: 0xF3));
        const int before = 700; // elements that fit before the read-only page
        const int after = 5;
        byte[] source = Pattern((before + after) * size, seed: 3);
        ulong src = Data;
        ulong dst = ReadOnlyPage - (ulong)(before * size);
        m.WritePhysical(src, source);
        SetStringRegisters(m, src, dst, before + after);

        Assert.Equal(ExitReason.Exception, m.Run());

        // Each iteration is complete before the next: the fault names the first element of the
        // read-only page, and RCX/RSI/RDI count the iterations done; RIP stays on the instruction.
        Assert.Equal(Vector.PageFault, m.Cpu.ExitVector);
        Assert.Equal(ReadOnlyPage, m.Cpu.ExitFault.Address);
        Assert.Equal(UserWriteProtected, m.Cpu.ExitFault.ErrorCode);
        Assert.Equal(Code, m.Cpu.Rip);
        Assert.Equal((ulong)after, m.Cpu.R(Reg.Rcx));
        Assert.Equal(src + (ulong)(before * size), m.Cpu.R(Reg.Rsi));
        Assert.Equal(ReadOnlyPage, m.Cpu.R(Reg.Rdi));
        Assert.Equal(source[..(before * size)], m.ReadPhysical(dst, before * size));
        Assert.Equal(new byte[after * size], m.ReadPhysical(ReadOnlyPage, after * size));

        // The kernel makes the page writable; the instruction restarts where it stopped.
        MakeWritable(m, ReadOnlyPage);
        AssertBreakpoint(m);
        Assert.Equal(source, m.ReadPhysical(dst, source.Length));
        Assert.Equal(0UL, m.Cpu.R(Reg.Rcx));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void RepMovsDownIntoReadOnlyPageStopsAtTheBoundary(int size)
    {
        TestMachine m = Machine(StringCode(0xA4, size, rep: 0xF3));
        ulong below = Data - 4096;
        m.MapRange(below, 1, Pte.US); // read-only page under the data
        const int before = 300;
        byte[] source = Pattern(before * size, seed: 4);
        ulong src = Data + 0x2000;
        m.WritePhysical(src, source);
        m.Cpu.DF = true;
        ulong last = (ulong)((before - 1) * size);
        SetStringRegisters(m, src + last, Data + last, before + 2);

        Assert.Equal(ExitReason.Exception, m.Run());

        Assert.Equal(Vector.PageFault, m.Cpu.ExitVector);
        Assert.Equal(Data - (ulong)size, m.Cpu.ExitFault.Address); // the next element down
        Assert.Equal(UserWriteProtected, m.Cpu.ExitFault.ErrorCode);
        Assert.Equal(2UL, m.Cpu.R(Reg.Rcx));
        Assert.Equal(Data - (ulong)size, m.Cpu.R(Reg.Rdi));
        Assert.Equal(src - (ulong)size, m.Cpu.R(Reg.Rsi));
        Assert.Equal(source, m.ReadPhysical(Data, source.Length));
    }

    [Fact]
    public void MovsqStraddlingIntoReadOnlyPageWritesNothingOfThatElement()
    {
        TestMachine m = Machine(StringCode(0xA4, 8, rep: 0xF3));
        m.WritePhysical(Data, Pattern(24, seed: 5));
        ulong dst = ReadOnlyPage - 12; // element 0 fits, element 1 straddles
        SetStringRegisters(m, Data, dst, 3);

        Assert.Equal(ExitReason.Exception, m.Run());

        // A write that spans two pages faults on the second page's first byte, writing nothing.
        Assert.Equal(ReadOnlyPage, m.Cpu.ExitFault.Address);
        Assert.Equal(UserWriteProtected, m.Cpu.ExitFault.ErrorCode);
        Assert.Equal(2UL, m.Cpu.R(Reg.Rcx));
        Assert.Equal(dst + 8, m.Cpu.R(Reg.Rdi));
        Assert.Equal(Pattern(24, seed: 5)[..8], m.ReadPhysical(dst, 8));
        Assert.Equal(new byte[4], m.ReadPhysical(dst + 8, 4));
    }

    [Fact]
    public void RepMovsReadingIntoUnmappedPageReportsAReadFault()
    {
        TestMachine m = Machine(StringCode(0xA4, 4, rep: 0xF3));
        ulong src = ReadOnlyPage + 4096 - 40; // the page after the read-only one is unmapped
        SetStringRegisters(m, src, Data, 20);

        Assert.Equal(ExitReason.Exception, m.Run());

        Assert.Equal(ReadOnlyPage + 4096, m.Cpu.ExitFault.Address);
        Assert.Equal(PageFaultErrorCode.User, m.Cpu.ExitFault.ErrorCode); // not present, read
        Assert.Equal(10UL, m.Cpu.R(Reg.Rcx));
        Assert.Equal(Data + 40, m.Cpu.R(Reg.Rdi));
    }

    [Fact]
    public void OverlappingForwardMovsbReplicatesBytes()
    {
        TestMachine m = Machine(a => { a.rep.movsb(); a.int3(); });
        m.WritePhysical(Data + 0xFF0, new byte[] { 0x5A, 1, 2, 3 });
        SetStringRegisters(m, Data + 0xFF0, Data + 0xFF1, 5000); // crosses pages; distance 1

        AssertBreakpoint(m);

        // Element by element: every byte read was written by the previous iteration.
        Assert.All(m.ReadPhysical(Data + 0xFF0, 5001), b => Assert.Equal(0x5A, b));
    }

    [Fact]
    public void OverlappingMovsqWithOddDistanceMatchesElementwiseCopy()
    {
        TestMachine m = Machine(a => { a.rep.movsq(); a.int3(); });
        byte[] initial = Pattern(2000, seed: 6);
        m.WritePhysical(Data, initial);
        SetStringRegisters(m, Data, Data + 3, 200);

        AssertBreakpoint(m);

        byte[] expected = (byte[])initial.Clone();
        for (int i = 0; i < 200; i++)
        {
            Array.Copy(expected, i * 8, expected, 3 + (i * 8), 8); // read then write, per element
        }
        Assert.Equal(expected, m.ReadPhysical(Data, 2000));
    }

    [Fact]
    public void OverlappingBackwardMovsbReplicatesBytes()
    {
        TestMachine m = Machine(a => { a.rep.movsb(); a.int3(); });
        m.WritePhysical(Data + 0x2000, new byte[] { 0xC3 });
        m.Cpu.DF = true;
        SetStringRegisters(m, Data + 0x2000, Data + 0x1FFF, 6000);

        AssertBreakpoint(m);

        Assert.All(m.ReadPhysical(Data + 0x2000 - 6000, 6001), b => Assert.Equal(0xC3, b));
    }

    [Fact]
    public void MovsReadsThroughFsOverride()
    {
        // fs rep movsb: only the source takes the override.
        TestMachine m = Machine(new byte[] { 0x64, 0xF3, 0xA4, 0xCC });
        m.WritePhysical(Data + 0x1100, Pattern(16, seed: 7));
        m.Cpu.FsBase = Data + 0x1000;
        SetStringRegisters(m, 0x100, Data + 0x3000, 16);

        AssertBreakpoint(m);

        Assert.Equal(Pattern(16, seed: 7), m.ReadPhysical(Data + 0x3000, 16));
        Assert.Equal(0x110UL, m.Cpu.R(Reg.Rsi));
    }

    // ---- stos -------------------------------------------------------------------------------

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void RepStosRunningIntoUnmappedPageFillsUpToTheBoundary(int size)
    {
        TestMachine m = Machine(StringCode(0xAA, size, rep: 0xF3));
        ulong unmapped = ReadOnlyPage + 4096;
        const int before = 100;
        ulong dst = unmapped - (ulong)(before * size);
        MakeWritable(m, ReadOnlyPage);
        m.Cpu.R(Reg.Rax) = 0x8877_6655_4433_2211;
        SetStringRegisters(m, 0, dst, before + 50);

        Assert.Equal(ExitReason.Exception, m.Run());

        Assert.Equal(unmapped, m.Cpu.ExitFault.Address);
        Assert.Equal(UserWrite, m.Cpu.ExitFault.ErrorCode); // P=0: not present
        Assert.Equal(50UL, m.Cpu.R(Reg.Rcx));
        Assert.Equal(unmapped, m.Cpu.R(Reg.Rdi));
        byte[] written = m.ReadPhysical(dst, before * size);
        for (int i = 0; i < written.Length; i++)
        {
            Assert.Equal((byte)(0x11 * ((i % size) + 1)), written[i]);
        }
    }

    [Fact]
    public void RepStosStartingOnReadOnlyPageChangesNothing()
    {
        TestMachine m = Machine(a => { a.rep.stosq(); a.int3(); });
        SetStringRegisters(m, 0, ReadOnlyPage + 8, 10);

        Assert.Equal(ExitReason.Exception, m.Run());

        Assert.Equal(ReadOnlyPage + 8, m.Cpu.ExitFault.Address);
        Assert.Equal(UserWriteProtected, m.Cpu.ExitFault.ErrorCode);
        Assert.Equal(10UL, m.Cpu.R(Reg.Rcx));
        Assert.Equal(ReadOnlyPage + 8, m.Cpu.R(Reg.Rdi));
        Assert.Equal(0, m.Cpu.InstructionsRetired);
    }

    [Fact]
    public void RepStosFromReadOnlyPageIntoWritableOneResumesAfterTheFix()
    {
        // Protected page first, writable page after it: nothing happens until the fix, then all.
        TestMachine m = Machine(a => { a.rep.stosd(); a.int3(); });
        const ulong start = 0x70_0FF0;
        const int count = 0x404;
        m.MapRange(0x70_0000, 1, Pte.US | Pte.NX);
        m.MapRange(0x70_1000, 1, Pte.RW | Pte.US | Pte.NX);
        m.Cpu.R(Reg.Rax) = 0xDEAD_BEEF;
        SetStringRegisters(m, 0, start, count);

        Assert.Equal(ExitReason.Exception, m.Run());
        Assert.Equal(start, m.Cpu.ExitFault.Address);
        Assert.Equal(UserWriteProtected, m.Cpu.ExitFault.ErrorCode);
        Assert.Equal((ulong)count, m.Cpu.R(Reg.Rcx));

        MakeWritable(m, 0x70_0000);
        AssertBreakpoint(m);
        Assert.Equal(start + (count * 4), m.Cpu.R(Reg.Rdi));
        Assert.All(Dwords(m.ReadPhysical(start, count * 4)), v => Assert.Equal(0xDEAD_BEEFu, v));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public void RepStosDownFillsBelowTheStart(int size)
    {
        TestMachine m = Machine(StringCode(0xAA, size, rep: 0xF3));
        m.Cpu.DF = true;
        m.Cpu.R(Reg.Rax) = 0x7F7F_7F7F_7F7F_7F7F;
        SetStringRegisters(m, 0, Data + 0x3000, 1000);

        AssertBreakpoint(m);

        ulong lowest = Data + 0x3000 - (ulong)(999 * size);
        Assert.All(m.ReadPhysical(lowest, 1000 * size), b => Assert.Equal(0x7F, b));
        Assert.Equal(0, m.ReadPhysical(lowest - 1, 1)[0]);
        Assert.Equal(0, m.ReadPhysical(Data + 0x3000 + (ulong)size, 1)[0]);
        Assert.Equal(lowest - (ulong)size, m.Cpu.R(Reg.Rdi));
    }

    // ---- lods -------------------------------------------------------------------------------

    [Fact]
    public void RepLodsLeavesTheLastElementInRax()
    {
        TestMachine m = Machine(a => { a.rep.lodsd(); a.int3(); });
        m.WritePhysical(Data + 0x1FFC, new byte[] { 1, 2, 3, 4, 0x10, 0x20, 0x30, 0x40 });
        m.Cpu.R(Reg.Rax) = ulong.MaxValue;
        SetStringRegisters(m, Data + 0x1FF8, 0, 3);

        AssertBreakpoint(m);

        Assert.Equal(0x4030_2010UL, m.Cpu.R(Reg.Rax)); // a 32-bit load zero-extends into RAX
        Assert.Equal(Data + 0x2004, m.Cpu.R(Reg.Rsi));
    }

    [Fact]
    public void LodsbMergesIntoAl()
    {
        TestMachine m = Machine(a => { a.lodsb(); a.int3(); });
        m.WritePhysical(Data, new byte[] { 0x99 });
        m.Cpu.R(Reg.Rax) = 0x1122_3344_5566_7788;
        SetStringRegisters(m, Data, 0, 0);

        AssertBreakpoint(m);

        Assert.Equal(0x1122_3344_5566_7799UL, m.Cpu.R(Reg.Rax));
        Assert.Equal(Data + 1, m.Cpu.R(Reg.Rsi));
    }

    // ---- cmps / scas ------------------------------------------------------------------------

    [Fact]
    public void RepeCmpsbStopsAfterTheFirstDifference()
    {
        TestMachine m = Machine(a => { a.repe.cmpsb(); a.int3(); });
        byte[] text = Pattern(5000, seed: 8);
        m.WritePhysical(Data, text);
        text[4321] = (byte)(text[4321] + 1); // the destination's byte is larger
        m.WritePhysical(Data + 0x2000, text);
        SetStringRegisters(m, Data, Data + 0x2000, 5000);

        AssertBreakpoint(m);

        // SDM: the count and pointers advance past the unequal element, then the loop ends (ZF=0).
        Assert.Equal(5000UL - 4322, m.Cpu.R(Reg.Rcx));
        Assert.Equal(Data + 4322, m.Cpu.R(Reg.Rsi));
        Assert.Equal(Data + 0x2000 + 4322, m.Cpu.R(Reg.Rdi));
        Assert.False(m.Cpu.ZF);
        Assert.True(m.Cpu.CF); // [rsi] - [rdi] borrows
    }

    [Fact]
    public void RepeCmpsqOfEqualBuffersRunsToTheEndWithZfSet()
    {
        TestMachine m = Machine(a => { a.repe.cmpsq(); a.int3(); });
        byte[] text = Pattern(800, seed: 10);
        m.WritePhysical(Data + 0xF00, text);
        m.WritePhysical(Data + 0x2F04, text);
        SetStringRegisters(m, Data + 0xF00, Data + 0x2F04, 100);

        AssertBreakpoint(m);

        Assert.Equal(0UL, m.Cpu.R(Reg.Rcx));
        Assert.True(m.Cpu.ZF);
        Assert.Equal(Data + 0xF00 + 800, m.Cpu.R(Reg.Rsi));
    }

    [Fact]
    public void RepneCmpswStopsAfterTheFirstEqualElement()
    {
        TestMachine m = Machine(a => { a.repne.cmpsw(); a.int3(); });
        m.WritePhysical(Data, new byte[] { 1, 0, 2, 0, 3, 0, 4, 0 });
        m.WritePhysical(Data + 0x100, new byte[] { 9, 0, 9, 0, 3, 0, 9, 0 });
        SetStringRegisters(m, Data, Data + 0x100, 4);

        AssertBreakpoint(m);

        Assert.Equal(1UL, m.Cpu.R(Reg.Rcx));
        Assert.Equal(Data + 6, m.Cpu.R(Reg.Rsi));
        Assert.True(m.Cpu.ZF);
    }

    [Fact]
    public void RepneScasbFindsTheTerminatorLikeStrlen()
    {
        TestMachine m = Machine(a => { a.repne.scasb(); a.int3(); });
        byte[] text = new byte[3000];
        Array.Fill(text, (byte)'x');
        text[2999] = 0;
        ulong start = Data + 0xA00; // the string crosses a page
        m.WritePhysical(start, text);
        m.Cpu.R(Reg.Rax) = 0xFFFF_FF00; // AL = 0
        SetStringRegisters(m, 0, start, ulong.MaxValue);

        AssertBreakpoint(m);

        // strlen = ~RCX - 1 (glibc's old idiom): RCX dropped by length + 1.
        Assert.Equal(ulong.MaxValue - 3000, m.Cpu.R(Reg.Rcx));
        Assert.Equal(start + 3000, m.Cpu.R(Reg.Rdi));
        Assert.True(m.Cpu.ZF);
        Assert.Equal(2999UL, ~m.Cpu.R(Reg.Rcx) - 1);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void RepeScasDownStopsAtTheFirstDifferentElement(int size)
    {
        TestMachine m = Machine(StringCode(0xAE, size, rep: 0xF3));
        m.Cpu.DF = true;
        byte[] fill = new byte[0x3000];
        Array.Fill(fill, (byte)0x42);
        fill[0x1000] = 0x41; // below the start: found going down
        m.WritePhysical(Data, fill);
        m.Cpu.R(Reg.Rax) = 0x4242_4242_4242_4242;
        ulong start = Data + 0x2800;
        SetStringRegisters(m, 0, start, 10_000);

        AssertBreakpoint(m);

        ulong hit = (start - (Data + 0x1000)) / (ulong)size; // elements before the one containing it
        Assert.Equal(10_000UL - hit - 1, m.Cpu.R(Reg.Rcx));
        Assert.Equal(start - ((hit + 1) * (ulong)size), m.Cpu.R(Reg.Rdi));
        Assert.False(m.Cpu.ZF);
        Assert.False(m.Cpu.CF); // 0x42.. - 0x..41.. does not borrow
    }

    [Fact]
    public void ScasWithoutRepComparesRaxWithMemory()
    {
        TestMachine m = Machine(a => { a.scasd(); a.int3(); });
        m.WritePhysical(Data, BitConverter.GetBytes(0x8000_0000u));
        m.Cpu.R(Reg.Rax) = 0xFFFF_FFFF_0000_0001; // EAX = 1
        SetStringRegisters(m, 0, Data, 5);

        AssertBreakpoint(m);

        // 1 - 0x80000000 = 0x80000001: borrow, negative, signed overflow.
        Assert.True(m.Cpu.CF);
        Assert.True(m.Cpu.SF);
        Assert.True(m.Cpu.OF);
        Assert.False(m.Cpu.ZF);
        Assert.Equal(5UL, m.Cpu.R(Reg.Rcx));
        Assert.Equal(Data + 4, m.Cpu.R(Reg.Rdi));
    }

    [Fact]
    public void RepeCmpsFaultKeepsFlagsOfTheLastCompletedIteration()
    {
        TestMachine m = Machine(a => { a.repe.cmpsb(); a.int3(); });
        ulong src = ReadOnlyPage + 4096 - 4; // unmapped after 4 bytes
        SetStringRegisters(m, src, Data, 10); // both zero-filled: equal so far

        Assert.Equal(ExitReason.Exception, m.Run());

        Assert.Equal(ReadOnlyPage + 4096, m.Cpu.ExitFault.Address);
        Assert.Equal(6UL, m.Cpu.R(Reg.Rcx));
        Assert.True(m.Cpu.ZF);
        Assert.Equal(Code, m.Cpu.Rip);
    }

    // ---- count, budget, address size ---------------------------------------------------------

    [Theory]
    [InlineData(0xA4)]
    [InlineData(0xAA)]
    [InlineData(0xAC)]
    [InlineData(0xA6)]
    [InlineData(0xAE)]
    public void RepWithZeroCountDoesNothing(byte opcode)
    {
        TestMachine m = Machine(StringCode(opcode, 1, rep: 0xF3));
        m.Cpu.Rflags = FlagBits.CF | FlagBits.SF; // flags must survive
        m.Cpu.R(Reg.Rax) = 0x1234;
        // Unmapped pointers: no access may happen.
        SetStringRegisters(m, 0x1000_0000, 0x1000_0000, 0);

        AssertBreakpoint(m);

        Assert.Equal(0x1000_0000UL, m.Cpu.R(Reg.Rsi));
        Assert.Equal(0x1000_0000UL, m.Cpu.R(Reg.Rdi));
        Assert.Equal(0x1234UL, m.Cpu.R(Reg.Rax));
        Assert.Equal(FlagBits.CF | FlagBits.SF, m.Cpu.StatusFlags);
    }

    [Fact]
    public void HugeRepCountIsCutIntoBudgetedChunks()
    {
        TestMachine m = Machine(a => { a.rep.stosb(); a.int3(); });
        const ulong big = 0x1000_0000;
        m.MapRange(big, 16, Pte.RW | Pte.US | Pte.NX);
        m.Cpu.R(Reg.Rax) = 0xEE;
        SetStringRegisters(m, 0, big, 1UL << 63);

        Assert.Equal(ExitReason.Budget, m.Run(maxInstructions: 10));

        // Each handler call is one retired chunk and leaves RIP on the instruction.
        ulong done = (1UL << 63) - m.Cpu.R(Reg.Rcx);
        Assert.True(done > 0 && done <= 10 * 4096, $"progress {done}");
        Assert.Equal(10, m.Cpu.InstructionsRetired);
        Assert.Equal(Code, m.Cpu.Rip);
        Assert.Equal(big + done, m.Cpu.R(Reg.Rdi));
        Assert.All(m.ReadPhysical(big, (int)done), b => Assert.Equal(0xEE, b));
        Assert.Equal(0, m.ReadPhysical(big + done, 1)[0]);
    }

    [Fact]
    public void AddressSize32UsesEsiEdiEcxAndZeroExtends()
    {
        // 67 f3 a4: rep movsb with ESI, EDI, ECX.
        TestMachine m = Machine(new byte[] { 0x67, 0xF3, 0xA4, 0xCC });
        m.WritePhysical(Data + 0x40, Pattern(16, seed: 11));
        m.Cpu.R(Reg.Rsi) = 0xABCD_0000_0000_0000 | (Data + 0x40);
        m.Cpu.R(Reg.Rdi) = 0x1234_0000_0000_0000 | (Data + 0x1000);
        m.Cpu.R(Reg.Rcx) = 0x5555_5555_0000_0010;

        AssertBreakpoint(m);

        Assert.Equal(Pattern(16, seed: 11), m.ReadPhysical(Data + 0x1000, 16));
        Assert.Equal(0UL, m.Cpu.R(Reg.Rcx));
        Assert.Equal(Data + 0x50, m.Cpu.R(Reg.Rsi));
        Assert.Equal(Data + 0x1010, m.Cpu.R(Reg.Rdi));
    }

    [Fact]
    public void AddressSize32WrapsEdiAt4GiB()
    {
        // 67 f3 aa: rep stosb through EDI = 0xFFFFFFF8 continues at linear 0.
        TestMachine m = Machine(new byte[] { 0x67, 0xF3, 0xAA, 0xCC });
        m.MapRange(0xFFFF_F000, 1, Pte.RW | Pte.US | Pte.NX);
        m.MapRange(0, 1, Pte.RW | Pte.US | Pte.NX);
        m.Cpu.R(Reg.Rax) = 0x3C;
        m.Cpu.R(Reg.Rdi) = 0xFFFF_FFF8;
        m.Cpu.R(Reg.Rcx) = 16;

        AssertBreakpoint(m);

        Assert.All(m.ReadPhysical(0xFFFF_FFF8, 8), b => Assert.Equal(0x3C, b));
        Assert.All(m.ReadPhysical(0, 8), b => Assert.Equal(0x3C, b));
        Assert.Equal(0, m.ReadPhysical(8, 1)[0]);
        Assert.Equal(8UL, m.Cpu.R(Reg.Rdi));
    }

    [Fact]
    public void LockPrefixIsUndefined()
    {
        TestMachine m = Machine(new byte[] { 0xF0, 0xA4, 0xCC });
        Assert.Equal(ExitReason.Exception, m.Run());
        Assert.Equal(Vector.InvalidOpcode, m.Cpu.ExitVector);
    }

    [Fact]
    public void StringMovsdAndCmpsdAreStringForms()
    {
        // a5 / a7 without 66 or REX.W: dword movs and cmps, not the SSE2 instructions.
        TestMachine m = Machine(a => { a.movsd(); a.cmpsd(); a.int3(); });
        m.WritePhysical(Data, BitConverter.GetBytes(0xCAFE_F00Du));
        SetStringRegisters(m, Data, Data + 0x100, 0);

        AssertBreakpoint(m);

        Assert.Equal(0xCAFE_F00Du, BitConverter.ToUInt32(m.ReadPhysical(Data + 0x100, 4)));
        Assert.Equal(Data + 8, m.Cpu.R(Reg.Rsi));
        Assert.Equal(Data + 0x108, m.Cpu.R(Reg.Rdi));
        Assert.True(m.Cpu.ZF); // both next dwords are zero
    }

    [Fact]
    public void RepStosOverwritingTheFollowingCodeIsSeen()
    {
        // rep stosb over the mov after it: self-modifying code must run the new bytes (nops).
        TestMachine m = Machine(new byte[] { 0xF3, 0xAA, 0xB8, 0x78, 0x56, 0x34, 0x12, 0xCC });
        MakeWritable(m, Code, executable: true);
        m.Cpu.R(Reg.Rax) = 0x90;
        SetStringRegisters(m, 0, Code + 2, 5);

        AssertBreakpoint(m);

        Assert.Equal(0x90UL, m.Cpu.R(Reg.Rax)); // the mov eax, 0x12345678 is gone
    }

    // ---- helpers ----------------------------------------------------------------------------

    /// <summary>A machine with a read-only page right after the data pages, running <paramref name="program"/>.</summary>
    private static TestMachine Machine(Action<Assembler> program, TlbGeometry? tlb = null)
    {
        var m = new TestMachine(tlb);
        m.MapRange(ReadOnlyPage, 1, Pte.US | Pte.NX);
        m.Load(program);
        return m;
    }

    private static TestMachine Machine(byte[] code, TlbGeometry? tlb = null)
    {
        var m = new TestMachine(tlb);
        m.MapRange(ReadOnlyPage, 1, Pte.US | Pte.NX);
        m.LoadCode(code);
        return m;
    }

    /// <summary>
    /// One string instruction and int3: <paramref name="opcode"/> is the byte form (a4 movs, a6 cmps,
    /// aa stos, ac lods, ae scas); 66 or REX.W select the wider forms.
    /// </summary>
    private static byte[] StringCode(byte opcode, int size, byte rep = 0, bool address32 = false)
    {
        var code = new List<byte>();
        if (size == 2)
        {
            code.Add(0x66);
        }
        if (address32)
        {
            code.Add(0x67);
        }
        if (rep != 0)
        {
            code.Add(rep);
        }
        if (size == 8)
        {
            code.Add(0x48);
        }
        code.Add(size == 1 ? opcode : (byte)(opcode + 1));
        code.Add(0xCC);
        return code.ToArray();
    }

    private static void SetStringRegisters(TestMachine m, ulong rsi, ulong rdi, ulong rcx)
    {
        m.Cpu.R(Reg.Rsi) = rsi;
        m.Cpu.R(Reg.Rdi) = rdi;
        m.Cpu.R(Reg.Rcx) = rcx;
    }

    private static void AssertBreakpoint(TestMachine m)
    {
        ExitReason exit = m.Run();
        Assert.True(exit == ExitReason.Exception && m.Cpu.ExitVector == Vector.Breakpoint,
            $"expected int3, got {exit} {m.Cpu.ExitVector} {m.Cpu.ExitFault} at 0x{m.Cpu.Rip:x}");
    }

    /// <summary>What a kernel does to fix the fault: make the page writable and invalidate its TLB entry.</summary>
    private static void MakeWritable(TestMachine m, ulong page, bool executable = false)
    {
        ulong leaf = m.Tables.ReadLeaf(m.Cr3, page);
        Pte bits = Pte.RW | Pte.US | (executable ? Pte.None : Pte.NX);
        m.Tables.Map(m.Cr3, page, new Frame(PteFormat.Address(leaf) >> 12), bits);
        m.Mmu.Tlb.InvalidatePage(page);
    }

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static IEnumerable<uint> Dwords(byte[] bytes)
    {
        for (int i = 0; i + 4 <= bytes.Length; i += 4)
        {
            yield return BitConverter.ToUInt32(bytes, i);
        }
    }
}

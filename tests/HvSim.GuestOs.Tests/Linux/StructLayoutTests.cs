using System.Buffers.Binary;
using HvSim.GuestOs.Linux;
using HvSim.GuestOs.Linux.Structs;

namespace HvSim.GuestOs.Tests.Linux;

/// <summary>
/// Sizes and offsets against the values offsetof printed natively (the program is quoted in
/// RtSigFrame.cs), plus round trips and spot checks that bytes land at those offsets.
/// </summary>
public sealed class StructLayoutTests
{
    [Fact]
    public void SizesMatchTheNativeAbi()
    {
        Assert.Equal(144, KernelStat.Size);
        Assert.Equal(390, Utsname.Size);
        Assert.Equal(16, Timespec.Size);
        Assert.Equal(16, Timeval.Size);
        Assert.Equal(16, IoVec.Size);
        Assert.Equal(16, Rlimit.Size);
        Assert.Equal(32, KernelSigaction.Size);
        Assert.Equal(128, SigInfo.Size);
        Assert.Equal(24, SignalStack.StructSize);
        Assert.Equal(256, SigContext.Size);
        Assert.Equal(304, UContext.Size);
        Assert.Equal(440, RtSigFrame.Size);
    }

    [Fact]
    public void OffsetsMatchTheNativeAbi()
    {
        (int Actual, int Native)[] offsets =
        [
            (KernelStat.StModeOffset, 24), (KernelStat.StRdevOffset, 40), (KernelStat.StBlocksOffset, 64),
            (KernelStat.StAtimOffset, 72), (KernelStat.StCtimOffset, 104),
            (Utsname.DomainnameOffset, 325),
            (KernelSigaction.SaRestorerOffset, 16), (KernelSigaction.SaMaskOffset, 24),
            (SigInfo.SiCodeOffset, 8), (SigInfo.SiAddrOffset, 16), (SigInfo.SiPidOffset, 16), (SigInfo.SiUidOffset, 20),
            (SignalStack.SsFlagsOffset, 8), (SignalStack.SsSizeOffset, 16),
            (SigContext.RdiOffset, 64), (SigContext.RspOffset, 120), (SigContext.RipOffset, 128),
            (SigContext.EflagsOffset, 136), (SigContext.CsOffset, 144), (SigContext.SsOffset, 150),
            (SigContext.ErrOffset, 152), (SigContext.TrapnoOffset, 160), (SigContext.OldmaskOffset, 168),
            (SigContext.Cr2Offset, 176), (SigContext.FpstateOffset, 184), (SigContext.Reserved1Offset, 192),
            (UContext.UcStackOffset, 16), (UContext.UcMcontextOffset, 40), (UContext.UcSigmaskOffset, 296),
            (RtSigFrame.UContextOffset, 8), (RtSigFrame.InfoOffset, 312),
        ];

        foreach ((int actual, int native) in offsets)
        {
            Assert.Equal(native, actual);
        }
    }

    [Fact]
    public void SmallStructsRoundTrip()
    {
        byte[] buffer = new byte[16];
        new Timespec(12, 345).WriteTo(buffer);
        Assert.Equal(new Timespec(12, 345), Timespec.ReadFrom(buffer));
        Assert.Equal(345L, BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(8)));

        new Timeval(-1, 999_999).WriteTo(buffer);
        Assert.Equal(new Timeval(-1, 999_999), Timeval.ReadFrom(buffer));

        new IoVec(0x1000, 42).WriteTo(buffer);
        Assert.Equal(new IoVec(0x1000, 42), IoVec.ReadFrom(buffer));

        new Rlimit(8 << 20, Rlimit.Infinity).WriteTo(buffer);
        Assert.Equal(new Rlimit(8 << 20, Rlimit.Infinity), Rlimit.ReadFrom(buffer));
    }

    [Fact]
    public void TimespecValidityFollowsTheKernel()
    {
        Assert.True(new Timespec(0, 999_999_999).IsValid);
        Assert.False(new Timespec(0, 1_000_000_000).IsValid);
        Assert.False(new Timespec(-1, 0).IsValid);
        Assert.Equal(new Timespec(3, 5), Timespec.FromNanoseconds(3_000_000_005));
    }

    [Fact]
    public void StatRoundTripsAndPutsModeAtOffset24()
    {
        var stat = new KernelStat
        {
            Device = 1,
            Inode = 2,
            LinkCount = 3,
            Mode = FileConstants.S_IFCHR | 0x1b6,
            Uid = 1000,
            Gid = 1001,
            RepresentedDevice = 0x8801,
            FileSize = 12345,
            BlockSize = 4096,
            Blocks = 24,
            AccessTime = new Timespec(10, 11),
            ModificationTime = new Timespec(20, 21),
            StatusChangeTime = new Timespec(30, 31),
        };
        byte[] buffer = Enumerable.Repeat((byte)0xcc, KernelStat.Size).ToArray();

        stat.WriteTo(buffer);

        Assert.Equal(stat, KernelStat.ReadFrom(buffer));
        Assert.Equal(FileConstants.S_IFCHR | 0x1b6, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(24)));
        Assert.Equal(30L, BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(104)));
        Assert.All(buffer[36..40], b => Assert.Equal(0, b));
        Assert.All(buffer[120..144], b => Assert.Equal(0, b));
    }

    [Fact]
    public void UtsnameFieldsAreTerminatedAndTruncated()
    {
        var uts = new Utsname("Linux", new string('n', 100), "6.1.0-hvsim", "#1 SMP", "x86_64", "(none)");
        byte[] buffer = Enumerable.Repeat((byte)0xcc, Utsname.Size).ToArray();

        uts.WriteTo(buffer);
        Utsname back = Utsname.ReadFrom(buffer);

        Assert.Equal("Linux", back.SystemName);
        Assert.Equal(new string('n', 64), back.NodeName);
        Assert.Equal(0, buffer[Utsname.NodenameOffset + 64]);
        Assert.Equal("x86_64", back.Machine);
        Assert.Equal((byte)'x', buffer[Utsname.MachineOffset]);
        Assert.Equal("(none)", back.DomainName);
    }

    [Fact]
    public void KernelSigactionRoundTrips()
    {
        var action = new KernelSigaction(0x401234, SigActionFlags.SA_SIGINFO | SigActionFlags.SA_RESTORER, 0x405678, SignalFacts.MaskBit(Signal.SIGSEGV));
        byte[] buffer = new byte[KernelSigaction.Size];

        action.WriteTo(buffer);

        Assert.Equal(action, KernelSigaction.ReadFrom(buffer));
        Assert.Equal(0x0400_0004UL, BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(8)));
        Assert.Equal(1UL << 10, BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(24)));
    }

    [Fact]
    public void SigInfoForAFaultHasTheAddressAtOffset16()
    {
        byte[] buffer = Enumerable.Repeat((byte)0xcc, SigInfo.Size).ToArray();

        SigInfo.Fault(Signal.SIGSEGV, SigCodes.SEGV_ACCERR, 0x7f00_1234_5000).WriteTo(buffer);

        Assert.Equal(11, BinaryPrimitives.ReadInt32LittleEndian(buffer));
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(4)));
        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(8)));
        Assert.Equal(0x7f00_1234_5000UL, BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(16)));
        Assert.All(buffer[24..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void SigInfoFromAProcessHasPidAndUid()
    {
        byte[] buffer = new byte[SigInfo.Size];

        SigInfo.Sent(Signal.SIGUSR1, SigCodes.SI_TKILL, 42, 1000).WriteTo(buffer);

        Assert.Equal(-6, BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(8)));
        Assert.Equal(42, BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(16)));
        Assert.Equal(1000U, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(20)));
    }

    [Fact]
    public void SignalStackRoundTrips()
    {
        var stack = new SignalStack(0x7000_0000, SignalFacts.SsDisable, 8192);
        byte[] buffer = Enumerable.Repeat((byte)0xcc, SignalStack.StructSize).ToArray();

        stack.WriteTo(buffer);

        Assert.Equal(stack, SignalStack.ReadFrom(buffer));
        Assert.All(buffer[12..16], b => Assert.Equal(0, b));
    }

    [Fact]
    public void ShortSpansAreCallerBugs()
    {
        Assert.Throws<ArgumentException>(() => new Timespec(1, 2).WriteTo(new byte[15]));
        Assert.Throws<ArgumentException>(() => KernelStat.ReadFrom(new byte[143]));
        Assert.Throws<ArgumentException>(() => new SigContext().WriteTo(new byte[255]));
        Assert.Throws<ArgumentException>(() => RtSigFrame.ReadContext(new byte[439]));
    }
}

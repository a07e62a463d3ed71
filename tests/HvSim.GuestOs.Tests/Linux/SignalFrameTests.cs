using System.Buffers.Binary;
using HvSim.GuestOs.Linux;
using HvSim.GuestOs.Linux.Structs;

namespace HvSim.GuestOs.Tests.Linux;

public sealed class SignalFrameTests
{
    private static SigContext SampleContext() => new()
    {
        R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15,
        Rdi = 0xd1, Rsi = 0x51, Rbp = 0xb9, Rbx = 0xbb, Rdx = 0xdd, Rax = 0xaa, Rcx = 0xcc,
        Rsp = 0x7ffd_0000_1000, Rip = 0x401abc, Eflags = 0x246,
        Cs = 0x33, Gs = 0, Fs = 0, Ss = 0x2b,
        Err = 7, Trapno = 14, Oldmask = 0, Cr2 = 0x7f00_0000_2000, Fpstate = 0x7ffd_0000_0c00,
    };

    [Fact]
    public void FrameRoundTripsThroughRtSigreturn()
    {
        var uc = new UContext
        {
            Flags = UContext.DefaultFlags,
            Stack = new SignalStack(0, SignalFacts.SsDisable, 0),
            Mcontext = SampleContext(),
            Sigmask = SignalFacts.MaskBit(Signal.SIGUSR1),
        };
        byte[] frame = Enumerable.Repeat((byte)0xcc, RtSigFrame.Size).ToArray();

        RtSigFrame.Write(frame, 0x401000, uc, SigInfo.Fault(Signal.SIGSEGV, SigCodes.SEGV_ACCERR, 0x7f00_0000_2000));

        Assert.Equal(uc, RtSigFrame.ReadContext(frame));
        Assert.Equal(0x401000UL, BinaryPrimitives.ReadUInt64LittleEndian(frame));
        Assert.Equal(6UL, BinaryPrimitives.ReadUInt64LittleEndian(frame.AsSpan(8)));
        Assert.Equal(0x401abcUL, BinaryPrimitives.ReadUInt64LittleEndian(frame.AsSpan(8 + 40 + 128)));
        Assert.Equal((ushort)0x2b, BinaryPrimitives.ReadUInt16LittleEndian(frame.AsSpan(8 + 40 + 150)));
        Assert.Equal(1UL << 9, BinaryPrimitives.ReadUInt64LittleEndian(frame.AsSpan(8 + 296)));
        Assert.Equal(11, BinaryPrimitives.ReadInt32LittleEndian(frame.AsSpan(312)));
        Assert.Equal(0x7f00_0000_2000UL, BinaryPrimitives.ReadUInt64LittleEndian(frame.AsSpan(312 + 16)));
        Assert.All(frame[(8 + 40 + 192)..(8 + 40 + 256)], b => Assert.Equal(0, b));
    }

    // Observed natively (SIGSEGV handler, Linux 6.18, XSAVE): rsp - fpstate = 2832 with an
    // extended_size of 2692, fpstate 64-byte aligned, fpstate - frame = 456, frame % 16 = 8.
    [Fact]
    public void PlacementMatchesANativeFrame()
    {
        const ulong fpstate = 0x7ffc_0000_1000;
        const ulong rsp = fpstate + 2832;

        SignalFramePlacement placement = RtSigFrame.Place(rsp, alternateStackTop: null, fpStateSize: 2692);

        Assert.Equal(fpstate, placement.FpStateAddress);
        Assert.Equal(fpstate - 456, placement.FrameAddress);
        Assert.Equal(8UL, placement.FrameAddress % 16);
        Assert.Equal(placement.FrameAddress + 8, placement.UContextAddress);
        Assert.Equal(placement.FrameAddress + 312, placement.InfoAddress);
        Assert.Equal(placement.FrameAddress, RtSigFrame.FrameAddressAtSigreturn(placement.FrameAddress + 8));
    }

    [Fact]
    public void PlacementAlwaysLeavesTheRedZoneAndAlignsLikeACall()
    {
        for (ulong rsp = 0x7ffd_0000_2000; rsp < 0x7ffd_0000_2000 + 64; rsp++)
        {
            foreach (int fpSize in new[] { 0, 512, 2692 })
            {
                SignalFramePlacement p = RtSigFrame.Place(rsp, null, fpSize);

                Assert.Equal(8UL, p.FrameAddress % 16);
                Assert.True(p.FrameAddress + RtSigFrame.Size <= (fpSize == 0 ? rsp - 128 : p.FpStateAddress));
                if (fpSize > 0)
                {
                    Assert.Equal(0UL, p.FpStateAddress % 64);
                    Assert.True(p.FpStateAddress + (ulong)fpSize <= rsp - 128);
                }
                else
                {
                    Assert.Equal(0UL, p.FpStateAddress);
                }
            }
        }
    }

    [Fact]
    public void AlternateStackStartsAtItsTopWithoutARedZone()
    {
        SignalFramePlacement p = RtSigFrame.Place(0x7ffd_0000_2000, alternateStackTop: 0x6000_2000, fpStateSize: 512);

        Assert.Equal(0x6000_2000UL - 512, p.FpStateAddress);
        Assert.Equal(((p.FpStateAddress - 440) & ~15UL) - 8, p.FrameAddress);
    }
}

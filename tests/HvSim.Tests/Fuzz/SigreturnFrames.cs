using System.Buffers.Binary;
using HvSim.GuestOs.Linux;
using HvSim.GuestOs.Linux.Structs;

namespace HvSim.Tests.Fuzz;

/// <summary>
/// The cases of the sigreturn fuzzer and their generator. A case is either a forged rt_sigframe
/// that the runner hands straight to rt_sigreturn, or a real one the kernel pushes for a fault,
/// which the handler mutates (four and/or/xor edits at random offsets, the FPU image above the
/// frame included) before returning through it. Forged frames carry random registers, a RIP in
/// the kernel half, non-canonical, unmapped, on a trapping instruction or on the runner's landing,
/// random selectors, RFLAGS with TF/IOPL/NT/RF/VM/AC/VIF/VIP and reserved bits, random uc_flags,
/// uc_link and uc_stack, a random signal mask, and an FPU pointer that is null, a random FXSAVE
/// image, unaligned, page-crossing, in the kernel half or non-canonical.
/// </summary>
internal static class SigreturnFrames
{
    public const int KindForged = 0, KindMutatedReal = 1;
    public const int Mutations = 4;
    public const int MutationBytes = 32;                 // offset, and-mask, or-value, xor-value
    public const int FrameOffset = 8 + (Mutations * MutationBytes);
    public const int CaseBytes = FrameOffset + RtSigFrame.Size;
    public const int FxImages = 8, FxBytes = 512;

    /// <summary>Offsets of a real frame's saved RSP and signal mask: edited only among a run's last cases (a bad stack or a blocked SIGSEGV ends the run).</summary>
    private const int SavedRsp = RtSigFrame.UContextOffset + UContext.UcMcontextOffset + SigContext.RspOffset;
    private const int SavedMask = RtSigFrame.UContextOffset + UContext.UcSigmaskOffset;

    /// <summary>Bytes a mutation may reach above a real frame: the frame, the FXSAVE image above it (at most 463 bytes up) and some slack.</summary>
    private const int MutableBytes = 1000;

    /// <summary>Where a forged frame's RIP goes, with the runner's addresses the generator needs.</summary>
    public sealed record Targets(ulong Landing, ulong[] Traps, ulong SyscallTrap, ulong ImageStart, ulong ImageEnd, ulong FxImages);

    private static readonly ulong[] s_kernelHalf =
        [0xFFFF_8000_0000_0000, 0xFFFF_FFFF_8100_0000, 0xFFFF_FFFF_FFFF_F000, 0xFFFF_8880_0000_1000, 0xFFFF_FFFF_FFFF_FFFF];

    private static readonly ulong[] s_nonCanonical =
        [0x0000_8000_0000_0000, 0x8000_0000_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0x0001_0000_0000_0000, 0xFFFF_7FFF_FFFF_FFFF];

    private static readonly ushort[] s_selectors = [0x33, 0x2B, 0x08, 0x10, 0x18, 0x23, 0x0B, 0x00, 0xFFFF, 0x30, 0x3B];

    /// <summary>RFLAGS bits a hostile frame likes to set: TF, IF, IOPL, NT, RF, VM, AC, VIF, VIP, ID, and reserved ones.</summary>
    private static readonly ulong[] s_flagBits =
        [1UL << 8, 1UL << 9, 3UL << 12, 1UL << 14, 1UL << 16, 1UL << 17, 1UL << 18, 1UL << 19, 1UL << 20, 1UL << 21, 1UL << 3, 1UL << 5, 1UL << 15, 1UL << 22, 1UL << 63];

    /// <summary>System calls the syscall trap may make with the frame's registers: none of them can take the runner's image or its handlers.</summary>
    private static readonly ulong[] s_trapSyscalls = [15, 39, 24, 1, 0, 12, 102, 228, 500, 0x4000_0000];

    /// <summary>The case table of one run: <paramref name="count"/> cases; only the last tenth may end the run on purpose (a hostile stack with a fault after it, a blocked SIGSEGV).</summary>
    public static byte[] Generate(Random random, int count, Targets targets)
    {
        var table = new byte[count * CaseBytes];
        for (int i = 0; i < count; i++)
        {
            bool risky = i >= count - (count / 10);
            Span<byte> entry = table.AsSpan(i * CaseBytes, CaseBytes);
            bool real = random.Next(4) == 0;
            BinaryPrimitives.WriteUInt64LittleEndian(entry, real ? (ulong)KindMutatedReal : KindForged);
            for (int m = 0; m < Mutations; m++)
            {
                WriteMutation(random, entry.Slice(8 + (m * MutationBytes), MutationBytes), risky);
            }
            Forge(random, targets, risky).CopyTo(entry[FrameOffset..]);
        }
        return table;
    }

    /// <summary>Random FXSAVE images for forged frames to point at (random control and status words, MXCSR, registers).</summary>
    public static byte[] FxImagesFor(Random random)
    {
        var images = new byte[FxImages * FxBytes];
        random.NextBytes(images);
        for (int i = 0; i < FxImages; i++)
        {
            Span<byte> image = images.AsSpan(i * FxBytes, FxBytes);
            if (random.Next(2) == 0)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(image[24..], 0x1F80); // a plausible MXCSR half of the time
            }
        }
        return images;
    }

    private static void WriteMutation(Random random, Span<byte> mutation, bool risky)
    {
        int offset;
        do
        {
            offset = random.Next(4) == 0 ? random.Next(MutableBytes) : random.Next(RtSigFrame.Size / 8) * 8;
        }
        while (!risky && (Overlaps(offset, SavedRsp) || Overlaps(offset, SavedMask)));
        ulong and = ulong.MaxValue, or = 0, xor = 0;
        switch (random.Next(4))
        {
            case 0: // flip a bit
                xor = 1UL << random.Next(64);
                break;
            case 1: // replace with a hostile value
                and = 0;
                or = HostileValue(random);
                break;
            case 2: // set some bits
                or = (ulong)random.NextInt64() & (ulong)random.NextInt64();
                break;
            default: // scramble
                xor = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63);
                break;
        }
        BinaryPrimitives.WriteUInt64LittleEndian(mutation, (ulong)offset);
        BinaryPrimitives.WriteUInt64LittleEndian(mutation[8..], and);
        BinaryPrimitives.WriteUInt64LittleEndian(mutation[16..], or);
        BinaryPrimitives.WriteUInt64LittleEndian(mutation[24..], xor);
    }

    private static bool Overlaps(int offset, int field) => offset < field + 8 && field < offset + 8;

    private static ulong HostileValue(Random random) => random.Next(5) switch
    {
        0 => s_kernelHalf[random.Next(s_kernelHalf.Length)],
        1 => s_nonCanonical[random.Next(s_nonCanonical.Length)],
        2 => s_selectors[random.Next(s_selectors.Length)],
        3 => s_flagBits[random.Next(s_flagBits.Length)] | 0x202,
        _ => (ulong)random.NextInt64(),
    };

    private static byte[] Forge(Random random, Targets targets, bool risky)
    {
        (ulong rip, bool landing) = ForgedRip(random, targets, risky);
        ulong rsp = landing || risky ? ForgedRsp(random) : JunkStackPointer(random);
        ulong rax = rip == targets.SyscallTrap ? s_trapSyscalls[random.Next(s_trapSyscalls.Length)] : Register(random);
        var context = new UContext
        {
            Flags = random.Next(3) switch { 0 => UContext.DefaultFlags, 1 => (ulong)random.Next(8), _ => (ulong)random.NextInt64() },
            Link = random.Next(2) == 0 ? 0 : Register(random),
            Stack = new SignalStack(Register(random), random.Next(), (ulong)random.NextInt64()),
            Mcontext = new SigContext
            {
                R8 = Register(random), R9 = Register(random), R10 = Register(random), R11 = Register(random),
                R12 = Register(random), R13 = Register(random), R14 = Register(random), R15 = Register(random),
                Rdi = Register(random), Rsi = Register(random), Rbp = Register(random), Rbx = Register(random),
                Rdx = Register(random), Rax = rax, Rcx = Register(random), Rsp = rsp,
                Rip = rip,
                Eflags = Flags(random),
                Cs = Selector(random), Gs = Selector(random), Fs = Selector(random), Ss = Selector(random),
                Err = (ulong)random.NextInt64(), Trapno = (ulong)random.Next(32), Oldmask = (ulong)random.NextInt64(),
                Cr2 = Register(random),
                Fpstate = FpState(random, targets),
            },
            Sigmask = Mask(random, risky),
        };
        var frame = new byte[RtSigFrame.Size];
        RtSigFrame.Write(frame, Register(random), context, SigInfo.Fault(Signal.SIGSEGV, random.Next(4), Register(random)));
        return frame;
    }

    private static (ulong Rip, bool Landing) ForgedRip(Random random, Targets targets, bool risky)
    {
        int pick = random.Next(100);
        if (pick < 35)
        {
            return (targets.Landing, true);
        }
        ulong rip = pick switch
        {
            < 50 => s_kernelHalf[random.Next(s_kernelHalf.Length)] - (ulong)(random.Next(2) * random.Next(4096)),
            < 62 => s_nonCanonical[random.Next(s_nonCanonical.Length)] ^ (ulong)random.Next(4096),
            < 82 => targets.Traps[random.Next(targets.Traps.Length)],
            < 92 => random.Next(3) switch { 0 => 0, 1 => 0x1000 + (ulong)random.Next(0x10000), _ => (ulong)random.NextInt64() & 0x7FFF_FFFF_FFFF },
            < 97 => RecoveringGuest.Junk + (ulong)random.Next((int)RecoveringGuest.JunkBytes), // mapped but not executable
            _ => risky ? targets.ImageStart + (ulong)random.NextInt64((long)(targets.ImageEnd - targets.ImageStart)) : targets.Traps[0],
        };
        return (rip, false);
    }

    /// <summary>A stack pointer a fault can push its frame below: well inside the junk region.</summary>
    private static ulong JunkStackPointer(Random random) =>
        RecoveringGuest.Junk + 0x4000 + (ulong)random.Next((int)RecoveringGuest.JunkBytes - 0x4000) - (ulong)(random.Next(2) * random.Next(16));

    private static ulong ForgedRsp(Random random) => random.Next(6) switch
    {
        0 => 0,
        1 => s_kernelHalf[random.Next(s_kernelHalf.Length)],
        2 => s_nonCanonical[random.Next(s_nonCanonical.Length)],
        3 => (ulong)random.NextInt64(),
        _ => JunkStackPointer(random),
    };

    /// <summary>Random register contents, often a pointer into the junk region.</summary>
    private static ulong Register(Random random) => random.Next(3) == 0
        ? RecoveringGuest.Junk + (ulong)random.Next((int)RecoveringGuest.JunkBytes)
        : (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);

    private static ulong Flags(Random random)
    {
        ulong flags = random.Next(4) == 0 ? (ulong)random.NextInt64() : 0x202UL | ((ulong)random.Next(0x1000) & 0xCD5);
        for (int i = random.Next(4); i > 0; i--)
        {
            flags |= s_flagBits[random.Next(s_flagBits.Length)];
        }
        return flags;
    }

    private static ushort Selector(Random random) => random.Next(4) == 0 ? (ushort)random.Next(0x10000) : s_selectors[random.Next(s_selectors.Length)];

    private static ulong FpState(Random random, Targets targets) => random.Next(12) switch
    {
        0 or 1 or 2 => 0,
        3 or 4 or 5 => targets.FxImages + ((ulong)random.Next(FxImages) * FxBytes),
        6 => targets.FxImages + ((ulong)random.Next(FxImages) * FxBytes) + 1 + (ulong)random.Next(63), // unaligned
        7 => RecoveringGuest.Junk + RecoveringGuest.JunkBytes - 256, // runs off the end of the mapping
        8 => s_kernelHalf[random.Next(s_kernelHalf.Length)],
        9 => s_nonCanonical[random.Next(s_nonCanonical.Length)],
        10 => RecoveringGuest.Junk + (ulong)random.Next((int)RecoveringGuest.JunkBytes - FxBytes),
        _ => (ulong)random.NextInt64(),
    };

    /// <summary>A random signal mask; before a run's last tenth it never blocks a signal the handler needs.</summary>
    private static ulong Mask(Random random, bool risky)
    {
        ulong mask = random.Next(3) == 0 ? 0 : (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);
        return risky ? mask : mask & ~RecoveringGuest.HandledMask;
    }
}

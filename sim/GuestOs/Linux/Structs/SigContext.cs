using System.Buffers.Binary;

namespace HvSim.GuestOs.Linux.Structs;

/// <summary>
/// struct sigcontext for x86-64 (asm/sigcontext.h, 256 bytes): the register state saved in a
/// signal frame's uc_mcontext and restored by rt_sigreturn. Offsets were printed with offsetof
/// by the C program quoted in <see cref="RtSigFrame"/>. The kernel stores gs and fs as 0 (it
/// never saves segment selectors other than cs and ss) and reserved1[8] as zero.
/// </summary>
public readonly record struct SigContext
{
    public const int Size = 256;

    public const int R8Offset = 0;
    public const int R9Offset = 8;
    public const int R10Offset = 16;
    public const int R11Offset = 24;
    public const int R12Offset = 32;
    public const int R13Offset = 40;
    public const int R14Offset = 48;
    public const int R15Offset = 56;
    public const int RdiOffset = 64;
    public const int RsiOffset = 72;
    public const int RbpOffset = 80;
    public const int RbxOffset = 88;
    public const int RdxOffset = 96;
    public const int RaxOffset = 104;
    public const int RcxOffset = 112;
    public const int RspOffset = 120;
    public const int RipOffset = 128;
    public const int EflagsOffset = 136;
    public const int CsOffset = 144;                // __u16
    public const int GsOffset = 146;                // __u16
    public const int FsOffset = 148;                // __u16
    public const int SsOffset = 150;                // __u16, valid when uc_flags has UC_SIGCONTEXT_SS
    public const int ErrOffset = 152;               // page-fault error code
    public const int TrapnoOffset = 160;            // exception vector (14 for #PF)
    public const int OldmaskOffset = 168;           // low word of the blocked mask
    public const int Cr2Offset = 176;               // faulting address of a #PF
    public const int FpstateOffset = 184;           // user pointer to the FXSAVE/XSAVE image, 0 if none
    public const int Reserved1Offset = 192;         // __u64 reserved1[8]

    public ulong R8 { get; init; }
    public ulong R9 { get; init; }
    public ulong R10 { get; init; }
    public ulong R11 { get; init; }
    public ulong R12 { get; init; }
    public ulong R13 { get; init; }
    public ulong R14 { get; init; }
    public ulong R15 { get; init; }
    public ulong Rdi { get; init; }
    public ulong Rsi { get; init; }
    public ulong Rbp { get; init; }
    public ulong Rbx { get; init; }
    public ulong Rdx { get; init; }
    public ulong Rax { get; init; }
    public ulong Rcx { get; init; }
    public ulong Rsp { get; init; }
    public ulong Rip { get; init; }
    public ulong Eflags { get; init; }
    public ushort Cs { get; init; }
    public ushort Gs { get; init; }
    public ushort Fs { get; init; }
    public ushort Ss { get; init; }
    public ulong Err { get; init; }
    public ulong Trapno { get; init; }
    public ulong Oldmask { get; init; }
    public ulong Cr2 { get; init; }
    public ulong Fpstate { get; init; }

    public void WriteTo(Span<byte> destination)
    {
        StructIo.RequireLength(destination.Length, Size, "struct sigcontext");
        Span<byte> d = destination[..Size];
        d.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(d[R8Offset..], R8);
        BinaryPrimitives.WriteUInt64LittleEndian(d[R9Offset..], R9);
        BinaryPrimitives.WriteUInt64LittleEndian(d[R10Offset..], R10);
        BinaryPrimitives.WriteUInt64LittleEndian(d[R11Offset..], R11);
        BinaryPrimitives.WriteUInt64LittleEndian(d[R12Offset..], R12);
        BinaryPrimitives.WriteUInt64LittleEndian(d[R13Offset..], R13);
        BinaryPrimitives.WriteUInt64LittleEndian(d[R14Offset..], R14);
        BinaryPrimitives.WriteUInt64LittleEndian(d[R15Offset..], R15);
        BinaryPrimitives.WriteUInt64LittleEndian(d[RdiOffset..], Rdi);
        BinaryPrimitives.WriteUInt64LittleEndian(d[RsiOffset..], Rsi);
        BinaryPrimitives.WriteUInt64LittleEndian(d[RbpOffset..], Rbp);
        BinaryPrimitives.WriteUInt64LittleEndian(d[RbxOffset..], Rbx);
        BinaryPrimitives.WriteUInt64LittleEndian(d[RdxOffset..], Rdx);
        BinaryPrimitives.WriteUInt64LittleEndian(d[RaxOffset..], Rax);
        BinaryPrimitives.WriteUInt64LittleEndian(d[RcxOffset..], Rcx);
        BinaryPrimitives.WriteUInt64LittleEndian(d[RspOffset..], Rsp);
        BinaryPrimitives.WriteUInt64LittleEndian(d[RipOffset..], Rip);
        BinaryPrimitives.WriteUInt64LittleEndian(d[EflagsOffset..], Eflags);
        BinaryPrimitives.WriteUInt16LittleEndian(d[CsOffset..], Cs);
        BinaryPrimitives.WriteUInt16LittleEndian(d[GsOffset..], Gs);
        BinaryPrimitives.WriteUInt16LittleEndian(d[FsOffset..], Fs);
        BinaryPrimitives.WriteUInt16LittleEndian(d[SsOffset..], Ss);
        BinaryPrimitives.WriteUInt64LittleEndian(d[ErrOffset..], Err);
        BinaryPrimitives.WriteUInt64LittleEndian(d[TrapnoOffset..], Trapno);
        BinaryPrimitives.WriteUInt64LittleEndian(d[OldmaskOffset..], Oldmask);
        BinaryPrimitives.WriteUInt64LittleEndian(d[Cr2Offset..], Cr2);
        BinaryPrimitives.WriteUInt64LittleEndian(d[FpstateOffset..], Fpstate);
    }

    public static SigContext ReadFrom(ReadOnlySpan<byte> source)
    {
        StructIo.RequireLength(source.Length, Size, "struct sigcontext");
        return new SigContext
        {
            R8 = BinaryPrimitives.ReadUInt64LittleEndian(source[R8Offset..]),
            R9 = BinaryPrimitives.ReadUInt64LittleEndian(source[R9Offset..]),
            R10 = BinaryPrimitives.ReadUInt64LittleEndian(source[R10Offset..]),
            R11 = BinaryPrimitives.ReadUInt64LittleEndian(source[R11Offset..]),
            R12 = BinaryPrimitives.ReadUInt64LittleEndian(source[R12Offset..]),
            R13 = BinaryPrimitives.ReadUInt64LittleEndian(source[R13Offset..]),
            R14 = BinaryPrimitives.ReadUInt64LittleEndian(source[R14Offset..]),
            R15 = BinaryPrimitives.ReadUInt64LittleEndian(source[R15Offset..]),
            Rdi = BinaryPrimitives.ReadUInt64LittleEndian(source[RdiOffset..]),
            Rsi = BinaryPrimitives.ReadUInt64LittleEndian(source[RsiOffset..]),
            Rbp = BinaryPrimitives.ReadUInt64LittleEndian(source[RbpOffset..]),
            Rbx = BinaryPrimitives.ReadUInt64LittleEndian(source[RbxOffset..]),
            Rdx = BinaryPrimitives.ReadUInt64LittleEndian(source[RdxOffset..]),
            Rax = BinaryPrimitives.ReadUInt64LittleEndian(source[RaxOffset..]),
            Rcx = BinaryPrimitives.ReadUInt64LittleEndian(source[RcxOffset..]),
            Rsp = BinaryPrimitives.ReadUInt64LittleEndian(source[RspOffset..]),
            Rip = BinaryPrimitives.ReadUInt64LittleEndian(source[RipOffset..]),
            Eflags = BinaryPrimitives.ReadUInt64LittleEndian(source[EflagsOffset..]),
            Cs = BinaryPrimitives.ReadUInt16LittleEndian(source[CsOffset..]),
            Gs = BinaryPrimitives.ReadUInt16LittleEndian(source[GsOffset..]),
            Fs = BinaryPrimitives.ReadUInt16LittleEndian(source[FsOffset..]),
            Ss = BinaryPrimitives.ReadUInt16LittleEndian(source[SsOffset..]),
            Err = BinaryPrimitives.ReadUInt64LittleEndian(source[ErrOffset..]),
            Trapno = BinaryPrimitives.ReadUInt64LittleEndian(source[TrapnoOffset..]),
            Oldmask = BinaryPrimitives.ReadUInt64LittleEndian(source[OldmaskOffset..]),
            Cr2 = BinaryPrimitives.ReadUInt64LittleEndian(source[Cr2Offset..]),
            Fpstate = BinaryPrimitives.ReadUInt64LittleEndian(source[FpstateOffset..]),
        };
    }
}

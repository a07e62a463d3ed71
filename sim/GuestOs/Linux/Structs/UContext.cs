using System.Buffers.Binary;

namespace HvSim.GuestOs.Linux.Structs;

/// <summary>
/// The kernel's struct ucontext on x86-64 (asm-generic/ucontext.h, 304 bytes): what a SA_SIGINFO
/// handler receives as its third argument. Not glibc's ucontext_t, which has a 128-byte
/// uc_sigmask and an FPU area after it; the two agree up to and including the first 8 bytes of
/// uc_sigmask, which is all the kernel writes or reads.
/// </summary>
public readonly record struct UContext
{
    public const int Size = 304;

    public const int UcFlagsOffset = 0;
    public const int UcLinkOffset = 8;
    public const int UcStackOffset = 16;            // stack_t, 24 bytes
    public const int UcMcontextOffset = 40;         // struct sigcontext, 256 bytes
    public const int UcSigmaskOffset = 296;         // kernel sigset_t, 8 bytes

    /// <summary>uc_flags: fpstate is in XSAVE format (with the FP_XSTATE_MAGIC markers).</summary>
    public const ulong UC_FP_XSTATE = 0x1;

    /// <summary>uc_flags: the sigcontext ss slot holds the saved ss.</summary>
    public const ulong UC_SIGCONTEXT_SS = 0x2;

    /// <summary>uc_flags: rt_sigreturn restores ss exactly as saved.</summary>
    public const ulong UC_STRICT_RESTORE_SS = 0x4;

    /// <summary>
    /// What a 64-bit x86 kernel puts in uc_flags (frame_uc_flags in arch/x86/kernel/signal.c)
    /// when the fpstate it saved is a plain FXSAVE image; add UC_FP_XSTATE for an XSAVE image.
    /// </summary>
    public const ulong DefaultFlags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;

    public ulong Flags { get; init; }

    public ulong Link { get; init; }

    public SignalStack Stack { get; init; }

    public SigContext Mcontext { get; init; }

    /// <summary>The blocked-signal mask to restore at rt_sigreturn.</summary>
    public ulong Sigmask { get; init; }

    public void WriteTo(Span<byte> destination)
    {
        StructIo.RequireLength(destination.Length, Size, "struct ucontext");
        BinaryPrimitives.WriteUInt64LittleEndian(destination[UcFlagsOffset..], Flags);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[UcLinkOffset..], Link);
        Stack.WriteTo(destination[UcStackOffset..]);
        Mcontext.WriteTo(destination[UcMcontextOffset..]);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[UcSigmaskOffset..], Sigmask);
    }

    public static UContext ReadFrom(ReadOnlySpan<byte> source)
    {
        StructIo.RequireLength(source.Length, Size, "struct ucontext");
        return new UContext
        {
            Flags = BinaryPrimitives.ReadUInt64LittleEndian(source[UcFlagsOffset..]),
            Link = BinaryPrimitives.ReadUInt64LittleEndian(source[UcLinkOffset..]),
            Stack = SignalStack.ReadFrom(source[UcStackOffset..]),
            Mcontext = SigContext.ReadFrom(source[UcMcontextOffset..]),
            Sigmask = BinaryPrimitives.ReadUInt64LittleEndian(source[UcSigmaskOffset..]),
        };
    }
}

using System.Buffers.Binary;

namespace HvSim.GuestOs.Linux.Structs;

// Every size and offset in this folder was printed on x86-64 Debian 12 (gcc 12.2, glibc
// 2.36) by this program; the kernel types are spelled out because glibc's differ:
// #define _GNU_SOURCE
// #include <stddef.h>
// #include <stdio.h>
// #include <signal.h>
// #include <sys/resource.h>
// #include <sys/stat.h>
// #include <sys/uio.h>
// #include <sys/utsname.h>
// #define O(T, f) printf("%s.%s %zu\n", #T, #f, offsetof(T, f))
// #define S(T) printf("sizeof(%s) %zu\n", #T, sizeof(T))
// struct ksigaction { void *handler; unsigned long flags; void *restorer; unsigned long mask; };
// struct kucontext { unsigned long uc_flags; struct kucontext *uc_link; stack_t uc_stack;
//                    struct sigcontext uc_mcontext; unsigned long uc_sigmask; };
// struct rt_sigframe { char *pretcode; struct kucontext uc; siginfo_t info; };
// int main(void)
// {
//     S(struct stat); O(struct stat, st_mode); O(struct stat, st_rdev); O(struct stat, st_blocks);
//     O(struct stat, st_atim); O(struct stat, st_ctim);
//     S(struct utsname); O(struct utsname, domainname);
//     S(struct timespec); S(struct iovec); S(struct rlimit);
//     S(struct ksigaction); O(struct ksigaction, restorer); O(struct ksigaction, mask);
//     S(siginfo_t); O(siginfo_t, si_code); O(siginfo_t, si_addr); O(siginfo_t, si_pid); O(siginfo_t, si_uid);
//     S(stack_t); O(stack_t, ss_flags); O(stack_t, ss_size);
//     S(struct sigcontext); O(struct sigcontext, rdi); O(struct sigcontext, rsp); O(struct sigcontext, rip);
//     O(struct sigcontext, eflags); O(struct sigcontext, cs); O(struct sigcontext, __pad0);
//     O(struct sigcontext, err); O(struct sigcontext, trapno); O(struct sigcontext, oldmask);
//     O(struct sigcontext, cr2); O(struct sigcontext, fpstate); O(struct sigcontext, __reserved1);
//     S(struct kucontext); O(struct kucontext, uc_stack); O(struct kucontext, uc_mcontext);
//     O(struct kucontext, uc_sigmask);
//     S(struct rt_sigframe); O(struct rt_sigframe, uc); O(struct rt_sigframe, info);
//     return 0;
// }
// Output: stat 144 (st_mode 24, st_rdev 40, st_blocks 64, st_atim 72, st_ctim 104); utsname
// 390 (domainname 325); timespec, iovec, rlimit 16; ksigaction 32 (restorer 16, mask 24);
// siginfo_t 128 (si_code 8, si_addr 16, si_pid 16, si_uid 20); stack_t 24 (ss_flags 8, ss_size
// 16); sigcontext 256 (rdi 64, rsp 120, rip 128, eflags 136, cs 144, __pad0/ss 150, err 152,
// trapno 160, oldmask 168, cr2 176, fpstate 184, reserved1 192); kucontext 304 (uc_stack 16,
// uc_mcontext 40, uc_sigmask 296); rt_sigframe 440 (uc 8, info 312).

/// <summary>
/// The x86-64 signal frame (struct rt_sigframe, arch/x86/include/asm/sigframe.h, 440 bytes) the
/// kernel pushes on the user stack to run a handler:
/// <code>
///   frame + 0     pretcode   return address: sa_restorer, which calls rt_sigreturn
///   frame + 8     uc         struct ucontext (304 bytes; registers in uc.uc_mcontext)
///   frame + 312   info       siginfo_t (128 bytes)
///   above         the FPU state (uc_mcontext.fpstate points at it), 64-byte aligned
/// </code>
/// The handler starts with rsp = frame, rip = sa_handler, rdi = signal number,
/// rsi = frame + 312 (&amp;info), rdx = frame + 8 (&amp;uc), rax = 0. Its final <c>ret</c> pops
/// pretcode, so at rt_sigreturn the frame is at rsp - 8.
/// </summary>
public static class RtSigFrame
{
    public const int Size = 440;

    public const int PretcodeOffset = 0;
    public const int UContextOffset = 8;
    public const int InfoOffset = 312;

    /// <summary>Bytes below the interrupted rsp that the x86-64 ABI lets leaf code use; the frame skips them.</summary>
    public const ulong RedZoneSize = 128;

    /// <summary>Writes a whole frame: return address, ucontext, siginfo.</summary>
    public static void Write(Span<byte> destination, ulong pretcode, UContext context, SigInfo info)
    {
        StructIo.RequireLength(destination.Length, Size, "struct rt_sigframe");
        BinaryPrimitives.WriteUInt64LittleEndian(destination[PretcodeOffset..], pretcode);
        context.WriteTo(destination[UContextOffset..]);
        info.WriteTo(destination[InfoOffset..]);
    }

    /// <summary>Reads the ucontext back from a frame image, as rt_sigreturn does.</summary>
    public static UContext ReadContext(ReadOnlySpan<byte> frame)
    {
        StructIo.RequireLength(frame.Length, Size, "struct rt_sigframe");
        return UContext.ReadFrom(frame[UContextOffset..]);
    }

    /// <summary>Where rt_sigreturn finds the frame: the handler's ret popped pretcode, so rsp - 8.</summary>
    public static ulong FrameAddressAtSigreturn(ulong rsp) => rsp - 8;

    /// <summary>
    /// Where the kernel puts the frame and the FPU state (get_sigframe and fpu__alloc_mathframe
    /// in arch/x86/kernel): below the red zone of <paramref name="userRsp"/>, or from the top of
    /// the alternate stack when the handler has SA_ONSTACK and the thread is not already on it;
    /// the FPU area is 64-byte aligned, and the frame sits so that frame + 8 is 16-byte aligned,
    /// as if the handler had been called. <paramref name="fpStateSize"/> is the size of the FPU
    /// image (512 for FXSAVE; the XSAVE size plus 4 for the trailing magic); 0 saves none, and
    /// the fpstate address is then 0. Checked against a native SIGSEGV handler on Linux 6.x.
    /// </summary>
    public static SignalFramePlacement Place(ulong userRsp, ulong? alternateStackTop, int fpStateSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fpStateSize);
        ulong sp = alternateStackTop ?? userRsp - RedZoneSize;
        ulong fpstate = 0;
        if (fpStateSize > 0)
        {
            sp = (sp - (ulong)fpStateSize) & ~63UL;
            fpstate = sp;
        }

        ulong frame = ((sp - Size) & ~15UL) - 8;
        return new SignalFramePlacement(frame, fpstate);
    }
}

/// <summary>Addresses chosen for a signal frame: the rt_sigframe (the handler's rsp) and the FPU image (0 if none).</summary>
public readonly record struct SignalFramePlacement(ulong FrameAddress, ulong FpStateAddress)
{
    public ulong UContextAddress => FrameAddress + RtSigFrame.UContextOffset;

    public ulong InfoAddress => FrameAddress + RtSigFrame.InfoOffset;
}

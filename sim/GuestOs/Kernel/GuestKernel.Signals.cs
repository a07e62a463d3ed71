using System.Buffers.Binary;
using HvSim.Core;
using HvSim.Cpu;
using HvSim.Cpu.State;
using HvSim.GuestOs.Linux;
using HvSim.GuestOs.Linux.Structs;
using HvSim.Mmu;
using Iced.Intel;

namespace HvSim.GuestOs.Kernel;

public sealed partial class GuestKernel
{
    private const ulong SigDfl = 0, SigIgn = 1;
    private const int FxsaveSize = FxsaveImage.Size;
    private const ushort UserCs = 0x33, UserSs = 0x2B;

    /// <summary>
    /// Delivers a synchronous signal raised by the current instruction, as Linux's force_sig
    /// does: to the handler installed with rt_sigaction, through a real rt_sigframe (siginfo,
    /// ucontext with the general registers, RIP, flags, error code and CR2, and an FXSAVE image
    /// of the SSE state) pushed below the red zone of the user stack, or on the alternate stack
    /// for a SA_ONSTACK handler (a stack overflow can be caught there); or, when the signal is
    /// blocked, ignored or has no handler, by ending the process with status 128+n and a one-line
    /// report naming the signal, RIP, the address and the instruction. When the frame cannot be
    /// written (the stack is unmapped or read-only), the process dies of SIGSEGV whatever the
    /// signal was, as Linux's force_sigsegv makes it.
    /// </summary>
    public void RaiseSignal(Process process, Signal signal, int code, ulong address, ulong errorCode = 0, ulong trapNumber = 0)
    {
        KernelSigaction action = process.Actions[(int)signal - 1];
        bool blocked = (process.SignalMask & SignalFacts.MaskBit(signal)) != 0;
        process.LastFault = (errorCode, trapNumber, address);
        if (action.Handler is SigDfl or SigIgn || blocked)
        {
            string instruction = DisassembleAt(Cpu.Rip);
            process.FatalReport =
                $"hvsim: guest killed by {signal} ({SigCodes.Name(signal, code)}) at rip 0x{Cpu.Rip:x}, address 0x{address:x}: {instruction}";
            Exit(process, 128 + (int)signal);
        }
        else if (TryPushSignalFrame(process, SigInfo.Fault(signal, code, address), action) is { } failure)
        {
            KillForUnusableFrame(process, signal, failure);
        }
    }

    /// <summary>Why a signal frame could not be pushed.</summary>
    private enum FrameFailure
    {
        NoRestorer,
        AlternateStackOverflow,
        StackUnwritable,
    }

    /// <summary>
    /// The frame for a handler could not be set up: Linux's force_sigsegv ends the process with
    /// SIGSEGV, whatever the signal was (reported with why).
    /// </summary>
    private void KillForUnusableFrame(Process process, Signal signal, FrameFailure failure)
    {
        string instruction = DisassembleAt(Cpu.Rip);
        string name = SignalFacts.Name((int)signal);
        string why = failure switch
        {
            FrameFailure.NoRestorer => $"the {name} handler has no SA_RESTORER",
            FrameFailure.AlternateStackOverflow =>
                $"the {name} frame does not fit on the alternate signal stack 0x{process.AlternateStack.Pointer:x}+0x{process.AlternateStack.Size:x}",
            _ => $"the {name} frame could not be written below rsp 0x{Cpu.R(Reg.Rsp):x}",
        };
        process.FatalReport = $"hvsim: guest killed by {Signal.SIGSEGV} ({why}) at rip 0x{Cpu.Rip:x}: {instruction}";
        Exit(process, 128 + (int)Signal.SIGSEGV);
    }

    /// <summary>
    /// Where the frame goes (get_sigframe in arch/x86/kernel/signal.c): below the red zone of the
    /// interrupted stack, or at the top of the alternate stack when the handler asked for it
    /// (SA_ONSTACK) and one is installed and not already in use. A frame that would leave the
    /// alternate stack (a nested signal overflowing it, or a stack too small for one frame) is
    /// refused: Linux hands out an address that faults, so the process gets SIGSEGV.
    /// </summary>
    private static SignalFramePlacement? PlaceFrame(AlternateSignalStack alternate, ulong rsp, KernelSigaction action, int fpStateSize)
    {
        bool wasOnAlternate = alternate.IsOn(rsp);
        ulong? alternateTop = null;
        if ((action.Flags & SigActionFlags.SA_ONSTACK) != 0 && alternate.FlagsAt(rsp - RtSigFrame.RedZoneSize) == 0)
        {
            alternateTop = alternate.Pointer + alternate.Size;
        }
        SignalFramePlacement place = RtSigFrame.Place(rsp, alternateTop, fpStateSize);
        ulong frame = place.FrameAddress;
        if (wasOnAlternate && !alternate.IsOn(frame))
        {
            return null;
        }
        if (alternateTop is not null && (frame <= alternate.Pointer || frame - alternate.Pointer > alternate.Size))
        {
            return null;
        }
        return place;
    }

    /// <summary>Pushes the rt_sigframe for <paramref name="info"/> and enters the handler; null on success, else why not.</summary>
    private FrameFailure? TryPushSignalFrame(Process process, in SigInfo info, KernelSigaction action)
    {
        if ((action.Flags & SigActionFlags.SA_RESTORER) == 0)
        {
            return FrameFailure.NoRestorer; // x86-64 has no default return trampoline: the kernel refuses too
        }
        if (PlaceFrame(process.AlternateStack, Cpu.R(Reg.Rsp), action, FpStateSize) is not { } place)
        {
            return FrameFailure.AlternateStackOverflow;
        }
        int signal = info.Signo;
        (ulong errorCode, ulong trapNumber, ulong cr2) = process.LastFault;
        var context = new UContext
        {
            Flags = FrameUcFlags,
            Stack = process.AlternateStack.Saved,
            Mcontext = new SigContext
            {
                R8 = Cpu.R(Reg.R8), R9 = Cpu.R(Reg.R9), R10 = Cpu.R(Reg.R10), R11 = Cpu.R(Reg.R11),
                R12 = Cpu.R(Reg.R12), R13 = Cpu.R(Reg.R13), R14 = Cpu.R(Reg.R14), R15 = Cpu.R(Reg.R15),
                Rdi = Cpu.R(Reg.Rdi), Rsi = Cpu.R(Reg.Rsi), Rbp = Cpu.R(Reg.Rbp), Rbx = Cpu.R(Reg.Rbx),
                Rdx = Cpu.R(Reg.Rdx), Rax = Cpu.R(Reg.Rax), Rcx = Cpu.R(Reg.Rcx), Rsp = Cpu.R(Reg.Rsp),
                Rip = Cpu.Rip,
                Eflags = Cpu.Rflags,
                Cs = UserCs,
                Ss = UserSs,
                Err = errorCode,
                Trapno = trapNumber,
                Oldmask = process.SignalMask,
                Cr2 = cr2,
                Fpstate = place.FpStateAddress,
            },
            Sigmask = process.SignalMask,
        };
        // One frame per simulated PT fault: built on the host stack, not in fresh arrays.
        Span<byte> frame = stackalloc byte[RtSigFrame.Size];
        frame.Clear();
        RtSigFrame.Write(frame, action.Restorer, context, info);
        Span<byte> fx = stackalloc byte[FpStateSize];
        SaveFxState(fx[..FxsaveSize]);
        SaveExtendedFpState(fx);
        if (!UserMemory.CopyTo(process.Space, place.FpStateAddress, fx)
            || !UserMemory.CopyTo(process.Space, place.FrameAddress, frame))
        {
            return FrameFailure.StackUnwritable; // the stack is unusable: the kernel's force_sigsegv ends the process
        }
        process.AlternateStack.DisarmIfAsked();
        Ledger.Add(EventKind.SignalDelivery, Layer.Kernel, !Ledger.IsTracing ? null
            : new TraceData((info.FaultAddress is null ? "{signal} ({signal_code} from pid {pid})" : "{signal} ({signal_code}, address {address})")
                + ": rt_sigframe pushed at {sigframe}, handler {handler} gets it, returns through {restorer}")
            {
                Signal = SignalFacts.Name(signal),
                SignalCode = SigCodes.Name((Signal)signal, info.Code),
                Address = info.FaultAddress,
                Pid = info.FaultAddress is null ? info.SenderPid : null,
                SigFrame = place.FrameAddress,
                Handler = action.Handler,
                Restorer = action.Restorer,
            });

        // The handler starts with the signal, &siginfo and &ucontext as arguments; DF is cleared
        // (the ABI requires it at function entry).
        Cpu.R(Reg.Rsp) = place.FrameAddress;
        Cpu.R(Reg.Rdi) = (ulong)signal;
        Cpu.R(Reg.Rsi) = place.InfoAddress;
        Cpu.R(Reg.Rdx) = place.UContextAddress;
        Cpu.R(Reg.Rax) = 0;
        Cpu.DF = false;
        // Linux starts a handler with the init FPU state (fpu__clear_user_states loads
        // init_fpstate): FCW 0x037F, MXCSR 0x1F80, every x87 register empty, the x87 and XMM
        // registers zero, the YMM upper halves too with XSAVE; the interrupted state is in the frame's
        // FPU image.
        LoadInitialFpuState();
        ClearExtendedFpState();
        Cpu.Rip = action.Handler;
        if ((action.Flags & SigActionFlags.SA_NODEFER) == 0)
        {
            process.SignalMask |= SignalFacts.MaskBit(signal);
        }
        process.SignalMask |= action.Mask;
        if ((action.Flags & SigActionFlags.SA_RESETHAND) != 0)
        {
            process.Actions[signal - 1] = default;
        }
        return null;
    }

    /// <summary>
    /// rt_sigreturn: restores the registers, flags, signal mask and SSE state saved in the frame
    /// the handler returned through (RSP - 8, since the handler's ret popped the return code
    /// pointer). Returns the restored RAX, which becomes the system call's result. False when
    /// the frame cannot be read: the process then gets SIGSEGV, as on Linux.
    /// </summary>
    public bool SigReturn(Process process, out ulong rax)
    {
        rax = 0;
        ulong frameAddress = RtSigFrame.FrameAddressAtSigreturn(Cpu.R(Reg.Rsp));
        Span<byte> frame = stackalloc byte[RtSigFrame.Size];
        if (!UserMemory.CopyFrom(process.Space, frameAddress, frame))
        {
            return false;
        }
        UContext context = RtSigFrame.ReadContext(frame);
        SigContext m = context.Mcontext;
        if (m.Fpstate != 0)
        {
            Span<byte> fx = stackalloc byte[FxsaveSize];
            if (!UserMemory.CopyFrom(process.Space, m.Fpstate, fx))
            {
                return false;
            }
            RestoreFxState(fx);
            if (!RestoreExtendedFpState(process, m.Fpstate, fx))
            {
                return false;
            }
        }
        Cpu.R(Reg.R8) = m.R8; Cpu.R(Reg.R9) = m.R9; Cpu.R(Reg.R10) = m.R10; Cpu.R(Reg.R11) = m.R11;
        Cpu.R(Reg.R12) = m.R12; Cpu.R(Reg.R13) = m.R13; Cpu.R(Reg.R14) = m.R14; Cpu.R(Reg.R15) = m.R15;
        Cpu.R(Reg.Rdi) = m.Rdi; Cpu.R(Reg.Rsi) = m.Rsi; Cpu.R(Reg.Rbp) = m.Rbp; Cpu.R(Reg.Rbx) = m.Rbx;
        Cpu.R(Reg.Rdx) = m.Rdx; Cpu.R(Reg.Rcx) = m.Rcx; Cpu.R(Reg.Rsp) = m.Rsp;
        Cpu.Rip = m.Rip;
        // Only the flags user code may change are taken from the frame (the kernel's FIX_EFLAGS).
        Cpu.Rflags = (Cpu.Rflags & ~FlagBits.UserWritable) | (m.Eflags & FlagBits.UserWritable);
        process.SignalMask = context.Sigmask & ~(SignalFacts.MaskBit(Signal.SIGKILL) | SignalFacts.MaskBit(Signal.SIGSTOP));
        // restore_altstack: the handler may have changed uc_stack; a refusal (a bad size, EPERM
        // while on the alternate stack) is ignored, as Linux ignores it. "On it" is judged by the
        // stack the frame lies on, not the restored rsp: a handler on the alternate stack that
        // reinstalls that same stack keeps its version (observed on Linux 6.18).
        _ = process.AlternateStack.Set(context.Stack, frameAddress + 8); // rsp at rt_sigreturn
        Ledger.Add(EventKind.SigReturn, Layer.Kernel, !Ledger.IsTracing ? null
            : new TraceData("rt_sigframe at {sigframe} unwound: registers, flags, mask and SSE state restored, back to {next_rip}") { SigFrame = frameAddress, NextRip = m.Rip });
        rax = m.Rax;
        return true;
    }

    /// <summary>
    /// The frame's FPU state: the FXSAVE image of the x87 and SSE state (<see cref="FxsaveImage"/>);
    /// the software-reserved bytes after it stay zero (no XSAVE extension is announced).
    /// </summary>
    private void SaveFxState(Span<byte> fx)
    {
        fx.Clear();
        FxsaveImage.Save(Cpu, fx);
    }

    /// <summary>
    /// rt_sigreturn's restore of the FPU state: the whole image; MXCSR bits the CPU does not
    /// implement are dropped, as Linux's sanitizing with mxcsr_feature_mask drops them.
    /// </summary>
    private void RestoreFxState(ReadOnlySpan<byte> fx) => FxsaveImage.Load(Cpu, fx);

    /// <summary>init_fpstate (arch/x86/kernel/fpu/init.c, fpstate_init_fx): an image of zeros but FCW 0x037F and MXCSR 0x1F80.</summary>
    private void LoadInitialFpuState()
    {
        Span<byte> init = stackalloc byte[FxsaveSize];
        init.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(init[FxsaveImage.Fcw..], HvSim.Cpu.Cpu.FcwDefault);
        BinaryPrimitives.WriteUInt32LittleEndian(init[FxsaveImage.Mxcsr..], 0x1F80);
        FxsaveImage.Load(Cpu, init);
    }

    /// <summary>The instruction at a user address in Intel syntax, or a note why it cannot be read.</summary>
    public string DisassembleAt(ulong rip)
    {
        var bytes = new byte[15];
        int available = 0;
        for (; available < bytes.Length; available++)
        {
            if (!Mmu.Walker.TryWalk(Mmu.Cr3, rip + (ulong)available, AccessKind.Read, user: false, out Translation t, out _))
            {
                break;
            }
            bytes[available] = Memory.TryGet(new Frame(t.PhysicalPage >> 12))?.Bytes[(int)((rip + (ulong)available) & 0xFFF)] ?? 0;
        }
        if (available == 0)
        {
            return "(instruction not readable)";
        }
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(bytes, 0, available), rip);
        decoder.Decode(out Instruction instruction);
        if (instruction.IsInvalid)
        {
            return $"(invalid opcode bytes {Convert.ToHexString(bytes, 0, Math.Min(available, 4)).ToLowerInvariant()})";
        }
        var formatter = new IntelFormatter();
        var output = new StringOutput();
        formatter.Format(instruction, output);
        return output.ToStringAndReset();
    }
}

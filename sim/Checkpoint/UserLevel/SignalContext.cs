using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using HvSim.Cpu;
using HvSim.Cpu.Emulation;
using HvSim.Cpu.State;

namespace HvSim.Checkpoint.UserLevel;

/// <summary>
/// The registers a SIGSEGV handler sees in its ucontext (Linux x86-64 layout, as the guest
/// kernel builds it): uc_mcontext at +40 with the GPRs, RIP and EFLAGS, and a pointer to the
/// FXSAVE image with MXCSR and the XMM registers. Emul reads the faulting instruction's state
/// from here and writes the emulated result back, so that rt_sigreturn resumes after it.
/// </summary>
internal static class SignalContext
{
    private const int MContext = 40;
    private const int Rip = 128, Eflags = 136, FpState = 184;
    private const int FxMxcsr = FxsaveImage.Mxcsr, FxXmm = FxsaveImage.Xmm0;
    private const int GregsBytes = 192;

    // sigcontext's order of the GPRs: r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp.
    private static readonly byte[] s_order =
    [
        Reg.R8, Reg.R9, Reg.R10, Reg.R11, Reg.R12, Reg.R13, Reg.R14, Reg.R15,
        Reg.Rdi, Reg.Rsi, Reg.Rbp, Reg.Rbx, Reg.Rdx, Reg.Rax, Reg.Rcx, Reg.Rsp,
    ];

    /// <summary>Reads the saved state; false when the ucontext or its FXSAVE image is not readable.</summary>
    public static bool TryRead(GuestReader read, ulong ucontext, CpuState state, out ulong fpstate)
    {
        Span<byte> gregs = stackalloc byte[GregsBytes];
        fpstate = 0;
        if (!read(ucontext + MContext, gregs))
        {
            return false;
        }
        for (int i = 0; i < s_order.Length; i++)
        {
            state.Gpr[s_order[i]] = BinaryPrimitives.ReadUInt64LittleEndian(gregs[(i * 8)..]);
        }
        state.Rip = BinaryPrimitives.ReadUInt64LittleEndian(gregs[Rip..]);
        state.Rflags = BinaryPrimitives.ReadUInt64LittleEndian(gregs[Eflags..]);
        fpstate = BinaryPrimitives.ReadUInt64LittleEndian(gregs[FpState..]);
        if (fpstate == 0)
        {
            return true; // no FPU state saved: the XMM registers keep the values already in state
        }
        Span<byte> fx = stackalloc byte[FxXmm + (16 * 16)];
        if (!read(fpstate, fx))
        {
            return false;
        }
        state.Mxcsr = BinaryPrimitives.ReadUInt32LittleEndian(fx[FxMxcsr..]);
        for (int i = 0; i < 16; i++)
        {
            state.Xmm[i] = Vector128.Create(fx.Slice(FxXmm + (i * 16), 16));
        }
        return true;
    }

    /// <summary>The images to write back: the GPR block (at ucontext+40) and the XMM block (at fpstate+160).</summary>
    public static (byte[] Gregs, byte[] Xmm) Images(ReadOnlySpan<byte> originalGregs, CpuState state)
    {
        byte[] gregs = originalGregs.ToArray();
        for (int i = 0; i < s_order.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(gregs.AsSpan(i * 8), state.Gpr[s_order[i]]);
        }
        BinaryPrimitives.WriteUInt64LittleEndian(gregs.AsSpan(Rip), state.Rip);
        BinaryPrimitives.WriteUInt64LittleEndian(gregs.AsSpan(Eflags), state.Rflags);
        var xmm = new byte[16 * 16];
        for (int i = 0; i < 16; i++)
        {
            state.Xmm[i].CopyTo(xmm.AsSpan(i * 16));
        }
        return (gregs, xmm);
    }

    public const int GregsOffset = MContext;
    public const int GregsLength = GregsBytes;
    public const int XmmOffset = FxXmm;
}

using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using HvSim.Cpu;
using HvSim.Cpu.Emulation;
using HvSim.Cpu.State;
using HvSim.Cpu.X87;
using HvSim.GuestOs.Linux.Structs;

namespace HvSim.Checkpoint.UserLevel;

/// <summary>
/// The registers a SIGSEGV handler sees in its ucontext (Linux x86-64 layout, as the guest
/// kernel builds it): uc_mcontext at +40 with the GPRs, RIP and EFLAGS, and a pointer to the
/// FXSAVE image with the x87 state, MXCSR and the XMM registers. Emul reads the faulting instruction's state
/// from here and writes the emulated result back, so that rt_sigreturn resumes after it.
/// </summary>
internal static class SignalContext
{
    private const int MContext = 40;
    private const int Rip = 128, Eflags = 136, FpState = 184;
    private const int GregsBytes = 192;

    // sigcontext's order of the GPRs: r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp.
    private static readonly byte[] s_order =
    [
        Reg.R8, Reg.R9, Reg.R10, Reg.R11, Reg.R12, Reg.R13, Reg.R14, Reg.R15,
        Reg.Rdi, Reg.Rsi, Reg.Rbp, Reg.Rbx, Reg.Rdx, Reg.Rax, Reg.Rcx, Reg.Rsp,
    ];

    /// <summary>
    /// Takes the saved state from <paramref name="gregs"/> (the <see cref="GregsLength"/> bytes at
    /// ucontext + <see cref="GregsOffset"/>, which the caller has read) and the FXSAVE image they
    /// point to; false when that image is not readable.
    /// </summary>
    public static bool TryRead(GuestReader read, ReadOnlySpan<byte> gregs, CpuState state, out ulong fpstate)
    {
        fpstate = 0;
        for (int i = 0; i < s_order.Length; i++)
        {
            state.Gpr[s_order[i]] = BinaryPrimitives.ReadUInt64LittleEndian(gregs[(i * 8)..]);
        }
        state.Rip = BinaryPrimitives.ReadUInt64LittleEndian(gregs[Rip..]);
        state.Rflags = BinaryPrimitives.ReadUInt64LittleEndian(gregs[Eflags..]);
        fpstate = BinaryPrimitives.ReadUInt64LittleEndian(gregs[FpState..]);
        if (fpstate == 0)
        {
            return true; // no FPU state saved: the x87 and XMM registers keep the values already in state
        }
        Span<byte> fx = stackalloc byte[FxsaveImage.WrittenLength];
        if (!read(fpstate, fx))
        {
            return false;
        }
        state.Mxcsr = FxsaveImage.Load(state.X87, state.Xmm, fx);
        return true;
    }

    /// <summary>
    /// The GPR block to write back at ucontext+40: <paramref name="gregs"/> (<see cref="GregsLength"/>
    /// bytes) starts as a copy of <paramref name="originalGregs"/> and takes the state's GPRs, RIP and
    /// RFLAGS. The caller's buffer: one emulation per simulated Emul fault allocates nothing.
    /// </summary>
    public static void GregsImage(ReadOnlySpan<byte> originalGregs, CpuState state, Span<byte> gregs)
    {
        originalGregs.CopyTo(gregs);
        for (int i = 0; i < s_order.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(gregs[(i * 8)..], state.Gpr[s_order[i]]);
        }
        BinaryPrimitives.WriteUInt64LittleEndian(gregs[Rip..], state.Rip);
        BinaryPrimitives.WriteUInt64LittleEndian(gregs[Eflags..], state.Rflags);
    }

    /// <summary>The FXSAVE legacy image to write back at fpstate (<see cref="FpuLength"/> bytes) of an x87 state, MXCSR and XMM registers.</summary>
    public static void FpuImage(X87State x87, uint mxcsr, ReadOnlySpan<Vector128<byte>> xmm, Span<byte> fpu)
    {
        fpu[..FxsaveImage.WrittenLength].Clear();
        FxsaveImage.Save(x87, mxcsr, xmm, fpu[..FxsaveImage.WrittenLength]);
    }

    // The XSAVE-format fpstate (Linux with XSAVE, arch/x86/kernel/fpu/signal.c): _fpx_sw_bytes with
    // magic1 in the legacy area's software-reserved bytes (FpxSwBytes), then the XSAVE header and
    // YMM_Hi128 (XsaveArea).
    private const int XstateBv = XsaveArea.XstateBvOffset, YmmHigh = XsaveArea.YmmHighOffset;

    /// <summary>
    /// Reads bits 255:128 of the vector registers from an XSAVE-format fpstate: the saved values
    /// when the frame announces an XSAVE image and its XSTATE_BV has AVX, zero (the initial state)
    /// when XSTATE_BV has not; <paramref name="present"/> is false for a plain FXSAVE frame (the
    /// state keeps zero). False when the frame cannot be read.
    /// </summary>
    public static bool TryReadYmmHigh(GuestReader read, ulong fpstate, CpuState state, out bool present)
    {
        present = false;
        Span<byte> magic = stackalloc byte[4];
        if (!read(fpstate + FpxSwBytes.Offset, magic))
        {
            return false;
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(magic) != FpxSwBytes.FP_XSTATE_MAGIC1)
        {
            return true;
        }
        Span<byte> extended = stackalloc byte[YmmHigh + XsaveArea.YmmHighSize - XstateBv];
        if (!read(fpstate + XstateBv, extended))
        {
            return false;
        }
        present = true;
        bool saved = (BinaryPrimitives.ReadUInt64LittleEndian(extended) & XsaveArea.Avx) != 0;
        for (int i = 0; i < 16; i++)
        {
            state.YmmHigh[i] = saved ? Vector128.Create(extended.Slice(YmmHigh - XstateBv + (i * 16), 16)) : default;
        }
        return true;
    }

    /// <summary>The bytes to write back at fpstate + XsaveArea.YmmHighOffset: YMM_Hi128 of <paramref name="state"/>.</summary>
    public static byte[] YmmHighImage(CpuState state)
    {
        var image = new byte[XsaveArea.YmmHighSize];
        for (int i = 0; i < 16; i++)
        {
            state.YmmHigh[i].CopyTo(image.AsSpan(i * 16));
        }
        return image;
    }

    public const int GregsOffset = MContext;
    public const int GregsLength = GregsBytes;

    /// <summary>The FPU image's length written back at fpstate (the legacy FXSAVE area up to its reserved bytes).</summary>
    public const int FpuLength = FxsaveImage.WrittenLength;
}

using System.Buffers.Binary;
using HvSim.Cpu;
using HvSim.Cpu.State;
using HvSim.GuestOs.Linux.Structs;

namespace HvSim.GuestOs.Kernel;

/// <summary>
/// The signal frame's FPU state in XSAVE format, as Linux lays it out when XCR0 has AVX
/// (arch/x86/kernel/fpu/signal.c): the FXSAVE legacy area with struct _fpx_sw_bytes in its
/// software-reserved bytes, the XSAVE header (XSTATE_BV with FP and SSE always set, as
/// save_xstate_epilog sets them), YMM_Hi128, and FP_XSTATE_MAGIC2 after the image; uc_flags gets
/// UC_FP_XSTATE. rt_sigreturn restores the AVX component when the frame still announces itself
/// (magic1, sizes, magic2) and lists AVX in its xfeatures and XSTATE_BV, and puts it in its initial
/// state otherwise, as __fpu_restore_sig does. Only when the CPU has XSAVE (Linux's
/// use_xsave()); xfeatures and the image size follow its XCR0 (832 bytes with AVX, 576 without).
/// </summary>
public sealed partial class GuestKernel
{
    private bool XsaveSignalFrames => Cpu.Identity.Has(CpuFeatures.Xsave);

    private ulong UserXfeatures => Cpu.Identity.Xcr0;

    private int XstateSize => XsaveArea.StandardSize(UserXfeatures);

    /// <summary>Bytes of the frame's FPU state: the XSAVE image and magic2, or the FXSAVE image.</summary>
    private int FpStateSize => XsaveSignalFrames ? XstateSize + FpxSwBytes.FP_XSTATE_MAGIC2_SIZE : FxsaveSize;

    /// <summary>uc_flags for the frame (frame_uc_flags: UC_FP_XSTATE when the fpstate is an XSAVE image).</summary>
    private ulong FrameUcFlags => XsaveSignalFrames ? UContext.DefaultFlags | UContext.UC_FP_XSTATE : UContext.DefaultFlags;

    /// <summary>Completes an fpstate whose legacy area is already written: sw bytes, header, YMM_Hi128, magic2.</summary>
    private void SaveExtendedFpState(Span<byte> fpstate)
    {
        if (!XsaveSignalFrames)
        {
            return;
        }
        FpxSwBytes.ForXstate((uint)XstateSize, UserXfeatures).WriteTo(fpstate);
        bool avx = (UserXfeatures & XsaveArea.Avx) != 0;
        ulong xstateBv = XsaveArea.X87 | XsaveArea.Sse | (avx && XsaveArea.AvxInUse(Cpu) ? XsaveArea.Avx : 0);
        XsaveArea.WriteHeader(fpstate, xstateBv, 0);
        if (avx)
        {
            XsaveArea.SaveYmmHigh(Cpu, fpstate);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(fpstate[XstateSize..], FpxSwBytes.FP_XSTATE_MAGIC2);
    }

    /// <summary>fpu__clear_user_states for the extended part: the handler starts with the AVX component in its initial state.</summary>
    private void ClearExtendedFpState()
    {
        if (XsaveSignalFrames)
        {
            XsaveArea.InitAvx(Cpu);
        }
    }

    /// <summary>The extended part of rt_sigreturn's FPU restore; false when the announced image cannot be read.</summary>
    private bool RestoreExtendedFpState(Process process, ulong fpstate, ReadOnlySpan<byte> legacy)
    {
        if (!XsaveSignalFrames)
        {
            return true;
        }
        FpxSwBytes sw = FpxSwBytes.ReadFrom(legacy);
        Span<byte> magic = stackalloc byte[FpxSwBytes.FP_XSTATE_MAGIC2_SIZE];
        bool announced = sw.Announces((uint)XstateSize)
            && UserMemory.CopyFrom(process.Space, fpstate + sw.XstateSize, magic)
            && BinaryPrimitives.ReadUInt32LittleEndian(magic) == FpxSwBytes.FP_XSTATE_MAGIC2;
        if ((UserXfeatures & XsaveArea.Avx) == 0)
        {
            return true;
        }
        if (!announced || (sw.Xfeatures & XsaveArea.Avx) == 0)
        {
            XsaveArea.InitAvx(Cpu); // fx_only, or AVX not in the frame's xfeatures: initial state
            return true;
        }
        Span<byte> area = stackalloc byte[XsaveArea.Size];
        if (!UserMemory.CopyFrom(process.Space, fpstate, area))
        {
            return false;
        }
        XsaveArea.RestoreExtended(Cpu, area, XsaveArea.Avx);
        return true;
    }
}

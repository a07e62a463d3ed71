using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using HvSim.Cpu.State;
using HvSim.Mmu;

namespace HvSim.Cpu.Ops;

/// <summary>
/// XGETBV and the XSAVE family as user code meets them (glibc's dynamic linker saves and restores
/// the vector state around lazy binding with xsavec or xsave and xrstor): XCR0 is the CPU
/// identity's (x87 | SSE | AVX on v3).
/// The area's extended part is <see cref="XsaveArea"/>; facts from SDM Vol. 1, 13.7 to 13.10 and the
/// Vol. 2 pages of each instruction; the legacy region's layout is <see cref="FxsaveImage"/>'s.
/// XSAVEOPT is XSAVE here (the modified optimization is optional).
/// XINUSE: x87 and SSE are reported in use always (allowed: SDM Vol. 1, 13.6), AVX when a bit
/// 255:128 is set.
/// </summary>
internal static unsafe class XsaveOps
{
    /// <summary>xgetbv: EDX:EAX = XCR0 for ECX = 0; #GP(0) for any other ECX (XINUSE via ECX = 1 is not reported in cpuid). Gated on XSAVE.</summary>
    public static int Xgetbv(Cpu c, ref DecodedOp op)
    {
        if ((uint)c.R(Reg.Rcx) != 0)
        {
            return c.Raise(Vector.GeneralProtection);
        }
        ulong xcr0 = c.Identity.Xcr0;
        c.R(Reg.Rax) = (uint)xcr0;
        c.R(Reg.Rdx) = (uint)(xcr0 >> 32);
        return Exec.Next;
    }

    /// <summary>xsave/xsaveopt m: every requested component written; XSTATE_BV's requested bits set from XINUSE, its others kept.</summary>
    public static int Xsave(Cpu c, ref DecodedOp op) => Save(c, ref op, compacted: false);

    /// <summary>xsavec m: the compacted format (requested and in-use components; XCOMP_BV = RFBM | bit 63).</summary>
    public static int Xsavec(Cpu c, ref DecodedOp op) => Save(c, ref op, compacted: true);

    private static int Save(Cpu c, ref DecodedOp op, bool compacted)
    {
        ulong ea = c.Ea(ref op);
        if ((ea & 63) != 0)
        {
            return c.Raise(Vector.GeneralProtection);
        }
        ulong rfbm = Requested(c);
        Span<byte> area = stackalloc byte[XsaveArea.Size];
        if (!c._bus.TryRead(ea, area, user: true, out MemoryFault fault))
        {
            c.RecordFault(fault);
            return Exec.ExitFault;
        }
        ulong inUse = XsaveArea.X87 | XsaveArea.Sse | (XsaveArea.AvxInUse(c) ? XsaveArea.Avx : 0);
        SaveLegacy(c, area, rfbm, Wide(ref op));
        if ((rfbm & XsaveArea.Avx) != 0 && (!compacted || (inUse & XsaveArea.Avx) != 0))
        {
            XsaveArea.SaveYmmHigh(c, area);
        }
        if (compacted)
        {
            XsaveArea.WriteHeader(area, rfbm & inUse, rfbm | XsaveArea.Compacted);
        }
        else
        {
            ulong xstateBv = (XsaveArea.XstateBv(area) & ~rfbm) | (rfbm & inUse);
            BinaryPrimitives.WriteUInt64LittleEndian(area[XsaveArea.XstateBvOffset..], xstateBv);
        }
        int length = compacted && (rfbm & XsaveArea.Avx) == 0 ? XsaveArea.LegacySize + XsaveArea.HeaderSize : XsaveArea.Size;
        if (!c._bus.TryWrite(ea, area[..length], user: true, out fault))
        {
            c.RecordFault(fault);
            return Exec.ExitFault;
        }
        return Exec.Next;
    }

    /// <summary>
    /// xrstor m: for each requested component, its saved state when its XSTATE_BV bit is set, else
    /// its initial state. #GP(0) for a misaligned area, an XSTATE_BV bit outside XCR0 (standard
    /// form) or outside XCOMP_BV (compacted form), and reserved header bytes that are not zero;
    /// then nothing changes.
    /// </summary>
    public static int Xrstor(Cpu c, ref DecodedOp op)
    {
        ulong ea = c.Ea(ref op);
        if ((ea & 63) != 0)
        {
            return c.Raise(Vector.GeneralProtection);
        }
        Span<byte> area = stackalloc byte[XsaveArea.Size];
        if (!c._bus.TryRead(ea, area[..(XsaveArea.LegacySize + XsaveArea.HeaderSize)], user: true, out MemoryFault fault))
        {
            c.RecordFault(fault);
            return Exec.ExitFault;
        }
        ulong xstateBv = XsaveArea.XstateBv(area);
        ulong xcompBv = XsaveArea.XcompBv(area);
        bool compacted = (xcompBv & XsaveArea.Compacted) != 0;
        ulong xcr0 = c.Identity.Xcr0;
        ulong components = compacted ? xcompBv & ~XsaveArea.Compacted : xcr0;
        if ((xstateBv & ~components) != 0 || (components & ~xcr0) != 0 || (!compacted && xcompBv != 0)
            || area.Slice(XsaveArea.XcompBvOffset + 8, XsaveArea.HeaderSize - 16).ContainsAnyExcept((byte)0))
        {
            return c.Raise(Vector.GeneralProtection);
        }
        ulong rfbm = Requested(c);
        bool avxSaved = (rfbm & xstateBv & XsaveArea.Avx) != 0;
        if (avxSaved && !c._bus.TryRead(ea + XsaveArea.YmmHighOffset, area.Slice(XsaveArea.YmmHighOffset, XsaveArea.YmmHighSize), user: true, out fault))
        {
            c.RecordFault(fault);
            return Exec.ExitFault;
        }
        bool loadsMxcsr = (rfbm & (XsaveArea.Sse | XsaveArea.Avx)) != 0 && (!compacted || (xstateBv & XsaveArea.Sse) != 0);
        if (loadsMxcsr && (FxsaveImage.MxcsrOf(area) & ~FxsaveImage.MxcsrMask) != 0)
        {
            return c.Raise(Vector.GeneralProtection);
        }
        LoadLegacy(c, area, rfbm, xstateBv, loadsMxcsr, Wide(ref op));
        XsaveArea.RestoreExtended(c, area, rfbm);
        return Exec.Next;
    }

    /// <summary>The REX.W forms (xsave64, xrstor64...) use FXSAVE64's 64-bit FIP and FDP; Sub is 1 for them.</summary>
    private static bool Wide(ref DecodedOp op) => op.Sub != 0;

    /// <summary>RFBM = EDX:EAX AND XCR0.</summary>
    private static ulong Requested(Cpu c) => ((c.R(Reg.Rdx) << 32) | (uint)c.R(Reg.Rax)) & c.Identity.Xcr0;

    // The legacy region's state components (SDM Vol. 1, 13.4.1): x87 in bytes 0..23 and 32..159,
    // SSE (the XMM registers) in 160..415, MXCSR and MXCSR_MASK in 24..31 with SSE or AVX. The
    // image itself is FxsaveImage's; XSAVE and XRSTOR move only the requested ranges of it.
    private const int X87Head = 24, MxcsrPair = 24, MxcsrPairLength = 8, X87Registers = 32, X87RegistersLength = 128;
    private const int XmmArea = FxsaveImage.Xmm0, XmmAreaLength = 256;

    private static void SaveLegacy(Cpu c, Span<byte> area, ulong rfbm, bool wide)
    {
        Span<byte> image = stackalloc byte[FxsaveImage.Size];
        FxsaveImage.Save(c, image, wide);
        if ((rfbm & XsaveArea.X87) != 0)
        {
            image[..X87Head].CopyTo(area);
            image.Slice(X87Registers, X87RegistersLength).CopyTo(area[X87Registers..]);
        }
        if ((rfbm & (XsaveArea.Sse | XsaveArea.Avx)) != 0)
        {
            image.Slice(MxcsrPair, MxcsrPairLength).CopyTo(area[MxcsrPair..]);
        }
        if ((rfbm & XsaveArea.Sse) != 0)
        {
            image.Slice(XmmArea, XmmAreaLength).CopyTo(area[XmmArea..]);
        }
    }

    /// <summary>
    /// The legacy part of XRSTOR: the current state as an FXSAVE image, the requested components
    /// replaced by the area's (XSTATE_BV bit set) or by their initial state (clear: FCW 0x037F and
    /// the rest of the x87 state zero, every x87 register empty; the XMM registers zero), loaded back.
    /// </summary>
    private static void LoadLegacy(Cpu c, ReadOnlySpan<byte> area, ulong rfbm, ulong xstateBv, bool loadsMxcsr, bool wide)
    {
        Span<byte> image = stackalloc byte[FxsaveImage.Size];
        FxsaveImage.Save(c, image, wide);
        if ((rfbm & XsaveArea.X87) != 0)
        {
            if ((xstateBv & XsaveArea.X87) != 0)
            {
                area[..X87Head].CopyTo(image);
                area.Slice(X87Registers, X87RegistersLength).CopyTo(image[X87Registers..]);
            }
            else
            {
                image[..X87Head].Clear();
                image.Slice(X87Registers, X87RegistersLength).Clear();
                BinaryPrimitives.WriteUInt16LittleEndian(image[FxsaveImage.Fcw..], Cpu.FcwDefault);
            }
        }
        if (loadsMxcsr)
        {
            area.Slice(MxcsrPair, 4).CopyTo(image[FxsaveImage.Mxcsr..]);
        }
        else if ((rfbm & (XsaveArea.Sse | XsaveArea.Avx)) != 0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(image[FxsaveImage.Mxcsr..], 0x1F80);
        }
        if ((rfbm & XsaveArea.Sse) != 0)
        {
            if ((xstateBv & XsaveArea.Sse) != 0)
            {
                area.Slice(XmmArea, XmmAreaLength).CopyTo(image[XmmArea..]);
            }
            else
            {
                image.Slice(XmmArea, XmmAreaLength).Clear();
            }
        }
        FxsaveImage.Load(c, image, wide);
    }
}

using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using HvSim.Cpu.X87;

namespace HvSim.Cpu.State;

/// <summary>
/// The 512-byte legacy FXSAVE area (SDM Vol. 1, 10.5.1, Table 10-2 for the 64-bit format): the one
/// home of its layout, used by FXSAVE/FXRSTOR, the signal frame's FPU state and the write emulator's
/// reading of that frame. Covers the x87 and SSE state only (the XSAVE header and extended
/// components that follow it in an XSAVE area are another layer's concern).
/// </summary>
/// <remarks>
/// Measured on the host (AMD EPYC): FOP, FIP and FDP are stored only while an unmasked exception is
/// pending (ES set), as zeros otherwise (AMD's documented FXSAVE behaviour); bytes 416 to 511
/// (reserved and software-available) are never written; FXRSTOR recomputes ES and B from the flags
/// and masks it loads.
/// </remarks>
public static class FxsaveImage
{
    public const int Size = 512;

    public const int Fcw = 0, Fsw = 2, AbridgedFtw = 4, Fop = 6, Fip = 8, Fdp = 16, Mxcsr = 24, MxcsrMaskAt = 28;
    public const int St0 = 32, StStride = 16, Xmm0 = 160, XmmStride = 16;

    /// <summary>The bytes FXSAVE writes: everything before the reserved area at 416.</summary>
    public const int WrittenLength = 416;

    /// <summary>MXCSR bits this CPU implements (FLAGS, DAZ, masks, RC, FZ), reported as MXCSR_MASK.</summary>
    public const uint MxcsrMask = 0xFFFF;

    /// <summary>
    /// Writes the x87 and SSE state into the first <see cref="WrittenLength"/> bytes of <paramref name="image"/>.
    /// <paramref name="wide"/> selects the 64-bit layout (FXSAVE64: 64-bit FIP and FDP) over the
    /// 32-bit one (FIP and FDP offsets with FCS and FDS).
    /// </summary>
    public static void Save(Cpu cpu, Span<byte> image, bool wide = true)
    {
        SaveX87(cpu.X87, cpu.Mxcsr, image, wide);
        for (var i = 0; i < 16; i++)
        {
            cpu.Xmm(i).CopyTo(image.Slice(Xmm0 + (XmmStride * i), 16));
        }
    }

    /// <summary>As <see cref="Save(Cpu, Span{byte}, bool)"/> from a saved register state (the write emulator's).</summary>
    public static void Save(X87State x87, uint mxcsr, ReadOnlySpan<Vector128<byte>> xmm, Span<byte> image)
    {
        SaveX87(x87, mxcsr, image, wide: true);
        for (var i = 0; i < 16; i++)
        {
            xmm[i].CopyTo(image.Slice(Xmm0 + (XmmStride * i), 16));
        }
    }

    /// <summary>The MXCSR an image holds (FXRSTOR raises #GP when it sets bits outside <see cref="MxcsrMask"/>).</summary>
    public static uint MxcsrOf(ReadOnlySpan<byte> image) => BinaryPrimitives.ReadUInt32LittleEndian(image[Mxcsr..]);

    /// <summary>
    /// Loads the x87 and SSE state from an image (FXRSTOR): MXCSR bits outside the mask are dropped
    /// (callers that must fault on them check <see cref="MxcsrOf"/> first); FCS and FDS become 0.
    /// </summary>
    public static void Load(Cpu cpu, ReadOnlySpan<byte> image, bool wide = true)
    {
        cpu.Mxcsr = LoadX87(cpu.X87, image, wide);
        for (var i = 0; i < 16; i++)
        {
            cpu.Xmm(i) = ReadXmm(image, i);
        }
    }

    /// <summary>As <see cref="Load(Cpu, ReadOnlySpan{byte}, bool)"/> into a saved register state; returns MXCSR.</summary>
    public static uint Load(X87State x87, Span<Vector128<byte>> xmm, ReadOnlySpan<byte> image)
    {
        for (var i = 0; i < 16; i++)
        {
            xmm[i] = ReadXmm(image, i);
        }

        return LoadX87(x87, image, wide: true);
    }

    private static void SaveX87(X87State x87, uint mxcsr, Span<byte> image, bool wide)
    {
        image[..WrittenLength].Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(image[Fcw..], x87.Control);
        BinaryPrimitives.WriteUInt16LittleEndian(image[Fsw..], x87.Status);
        image[AbridgedFtw] = x87.Valid;
        if (x87.Pending)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(image[Fop..], x87.Opcode);
            if (wide)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(image[Fip..], x87.InstructionPointer);
                BinaryPrimitives.WriteUInt64LittleEndian(image[Fdp..], x87.DataPointer);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(image[Fip..], (uint)x87.InstructionPointer);
                BinaryPrimitives.WriteUInt16LittleEndian(image[(Fip + 4)..], x87.CodeSelector);
                BinaryPrimitives.WriteUInt32LittleEndian(image[Fdp..], (uint)x87.DataPointer);
                BinaryPrimitives.WriteUInt16LittleEndian(image[(Fdp + 4)..], x87.DataSelector);
            }
        }

        BinaryPrimitives.WriteUInt32LittleEndian(image[Mxcsr..], mxcsr);
        BinaryPrimitives.WriteUInt32LittleEndian(image[MxcsrMaskAt..], MxcsrMask);
        for (var i = 0; i < 8; i++)
        {
            x87.St(i).WriteBytes(image[(St0 + (StStride * i))..]);
        }
    }

    private static uint LoadX87(X87State x87, ReadOnlySpan<byte> image, bool wide)
    {
        x87.Control = Cpu.LoadedFcw(BinaryPrimitives.ReadUInt16LittleEndian(image[Fcw..]));
        x87.Status = BinaryPrimitives.ReadUInt16LittleEndian(image[Fsw..]);
        x87.Valid = image[AbridgedFtw];
        x87.Opcode = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(image[Fop..]) & 0x7FF);
        x87.InstructionPointer = wide ? BinaryPrimitives.ReadUInt64LittleEndian(image[Fip..]) : BinaryPrimitives.ReadUInt32LittleEndian(image[Fip..]);
        x87.DataPointer = wide ? BinaryPrimitives.ReadUInt64LittleEndian(image[Fdp..]) : BinaryPrimitives.ReadUInt32LittleEndian(image[Fdp..]);
        x87.CodeSelector = 0;
        x87.DataSelector = 0;
        for (var i = 0; i < 8; i++)
        {
            x87.St(i) = ReadSt(image, i);
        }

        x87.UpdateErrorSummary(statusLoaded: true);
        return MxcsrOf(image) & MxcsrMask;
    }

    /// <summary>The x87 register ST(i) an image holds.</summary>
    public static Float80 ReadSt(ReadOnlySpan<byte> image, int i) => Float80.FromBytes(image[(St0 + (StStride * i))..]);

    /// <summary>The XMM register an image holds.</summary>
    public static Vector128<byte> ReadXmm(ReadOnlySpan<byte> image, int i) => Vector128.Create(image.Slice(Xmm0 + (XmmStride * i), 16));
}

using System.Buffers.Binary;
using System.Runtime.Intrinsics;

namespace HvSim.Cpu.State;

/// <summary>
/// The parts of an XSAVE area beyond the 512-byte legacy (FXSAVE) region, for XCR0 up to x87 | SSE |
/// AVX (<see cref="CpuIdentity.Xcr0"/>; SDM Vol. 1, 13.4 and 13.5): the 64-byte XSAVE header at offset 512 (XSTATE_BV, XCOMP_BV)
/// and the AVX component, YMM_Hi128 (bits 255:128 of YMM0..15), at offset 576 in the standard
/// format; in the compacted format (XSAVEC) the first extended component also starts at 576, so
/// with AVX the only extended component the two formats agree. The legacy region is another type's
/// concern: the callers pass the whole area and this type never touches its first 512 bytes.
/// Used by the XSAVE family of instructions and by the signal frame's FPU state.
/// </summary>
public static class XsaveArea
{
    public const int LegacySize = 512;
    public const int XstateBvOffset = 512;
    public const int XcompBvOffset = 520;
    public const int HeaderSize = 64;
    public const int YmmHighOffset = 576;
    public const int YmmHighSize = 256;

    /// <summary>The largest standard-format area this model has (XCR0 = 7): legacy + header + YMM_Hi128.</summary>
    public const int Size = 832;

    /// <summary>State-component bits (XCR0, XSTATE_BV): x87, SSE, AVX.</summary>
    public const ulong X87 = 1, Sse = 2, Avx = 4;

    /// <summary>The standard-format size for an XCR0 (CPUID.(EAX=0DH,ECX=0).EBX): 832 with AVX, else 576.</summary>
    public static int StandardSize(ulong xcr0) => (xcr0 & Avx) != 0 ? Size : LegacySize + HeaderSize;

    /// <summary>XCOMP_BV bit 63: the area is in the compacted format.</summary>
    public const ulong Compacted = 1UL << 63;

    /// <summary>Whether the AVX component is out of its initial state (some bit 255:128 set): XINUSE[2] (SDM Vol. 1, 13.6).</summary>
    public static bool AvxInUse(Cpu cpu)
    {
        for (int i = 0; i < 16; i++)
        {
            if (cpu.YmmHigh(i) != Vector128<byte>.Zero)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Puts the AVX component in its initial state (bits 255:128 of every register zero).</summary>
    public static void InitAvx(Cpu cpu) => cpu.ZeroUpperHalves();

    public static ulong XstateBv(ReadOnlySpan<byte> area) => BinaryPrimitives.ReadUInt64LittleEndian(area[XstateBvOffset..]);

    public static ulong XcompBv(ReadOnlySpan<byte> area) => BinaryPrimitives.ReadUInt64LittleEndian(area[XcompBvOffset..]);

    /// <summary>Writes the header: XSTATE_BV, XCOMP_BV and the reserved bytes (zero).</summary>
    public static void WriteHeader(Span<byte> area, ulong xstateBv, ulong xcompBv)
    {
        area.Slice(XstateBvOffset, HeaderSize).Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(area[XstateBvOffset..], xstateBv);
        BinaryPrimitives.WriteUInt64LittleEndian(area[XcompBvOffset..], xcompBv);
    }

    /// <summary>Writes YMM_Hi128 (16 registers x 16 bytes) at offset 576.</summary>
    public static void SaveYmmHigh(Cpu cpu, Span<byte> area)
    {
        for (int i = 0; i < 16; i++)
        {
            cpu.YmmHigh(i).CopyTo(area.Slice(YmmHighOffset + (16 * i), 16));
        }
    }

    /// <summary>Loads YMM_Hi128 from offset 576.</summary>
    public static void LoadYmmHigh(Cpu cpu, ReadOnlySpan<byte> area)
    {
        for (int i = 0; i < 16; i++)
        {
            cpu.YmmHigh(i) = Vector128.Create(area.Slice(YmmHighOffset + (16 * i), 16));
        }
    }

    /// <summary>
    /// The extended part of a restore (XRSTOR, sigreturn): the AVX component from the area when it
    /// is requested and its XSTATE_BV bit is set, its initial state (zero) when requested and clear,
    /// untouched when not requested (SDM Vol. 1, 13.8.1).
    /// </summary>
    public static void RestoreExtended(Cpu cpu, ReadOnlySpan<byte> area, ulong requested)
    {
        if ((requested & Avx) == 0)
        {
            return;
        }
        if ((XstateBv(area) & Avx) != 0)
        {
            LoadYmmHigh(cpu, area);
        }
        else
        {
            cpu.ZeroUpperHalves();
        }
    }
}

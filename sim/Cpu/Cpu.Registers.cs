using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HvSim.Cpu;

/// <summary>The architectural register file, with room for the helper slots of <see cref="Reg"/>.</summary>
[InlineArray(Reg.Count)]
internal struct RegisterFile
{
    private ulong _element0;
}

/// <summary>The sixteen XMM registers.</summary>
[InlineArray(16)]
internal struct XmmFile
{
    private Vector128<byte> _element0;
}

public sealed unsafe partial class Cpu
{
    internal RegisterFile _r;
    internal XmmFile _xmm;

    /// <summary>The instruction pointer of the next instruction to run.</summary>
    public ulong Rip { get; set; }

    /// <summary>MXCSR as the guest last loaded it (no floating point is modelled beyond moves).</summary>
    public uint Mxcsr { get; set; } = 0x1F80;

    /// <summary>A 64-bit register by slot (0..15, or the helper slots of <see cref="Reg"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref ulong R(int slot) => ref Unsafe.Add(ref Unsafe.As<RegisterFile, ulong>(ref _r), slot);

    public ulong FsBase
    {
        get => R(Reg.FsBase);
        set => R(Reg.FsBase) = value;
    }

    public ulong GsBase
    {
        get => R(Reg.GsBase);
        set => R(Reg.GsBase) = value;
    }

    /// <summary>An XMM register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref Vector128<byte> Xmm(int index) => ref Unsafe.Add(ref Unsafe.As<XmmFile, Vector128<byte>>(ref _xmm), index);

    /// <summary>Reads a GPR operand of 1, 2, 4 or 8 bytes (slots HighByte+n are AH..BH).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong ReadReg(int slot, int size)
    {
        switch (size)
        {
            case 8: return R(slot);
            case 4: return (uint)R(slot);
            case 2: return (ushort)R(slot);
            default:
                return slot >= Reg.HighByte ? (byte)(R(slot - Reg.HighByte) >> 8) : (byte)R(slot);
        }
    }

    /// <summary>Writes a GPR operand: 32-bit writes zero the upper half, 8/16-bit writes merge.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteReg(int slot, int size, ulong value)
    {
        switch (size)
        {
            case 8: R(slot) = value; break;
            case 4: R(slot) = (uint)value; break;
            case 2: R(slot) = (R(slot) & ~0xFFFFUL) | (ushort)value; break;
            default:
                if (slot >= Reg.HighByte)
                {
                    ref ulong full = ref R(slot - Reg.HighByte);
                    full = (full & ~0xFF00UL) | ((ulong)(byte)value << 8);
                }
                else
                {
                    R(slot) = (R(slot) & ~0xFFUL) | (byte)value;
                }
                break;
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using HvSim.Mmu;

namespace HvSim.Cpu;

/// <summary>
/// The AVX state: bits 255:128 of the sixteen vector registers, kept apart from the XMM file so
/// that legacy SSE handlers (which must leave those bits unchanged, SDM Vol. 1, 14.1.2 and Vol. 3A,
/// 13.4) do not even touch them; only VEX-encoded handlers read and write this file (a VEX.128
/// write zeroes it, SDM Vol. 2A, 2.3.10.1). Also the 256-bit memory accesses the VEX handlers use.
/// </summary>
public sealed unsafe partial class Cpu
{
    internal XmmFile _ymmHigh;

    /// <summary>Bits 255:128 of YMM register <paramref name="index"/> (its low half is <see cref="Xmm"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref Vector128<byte> YmmHigh(int index) => ref Unsafe.Add(ref Unsafe.As<XmmFile, Vector128<byte>>(ref _ymmHigh), index);

    /// <summary>A whole YMM register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Vector256<byte> Ymm(int index) => Vector256.Create(Xmm(index), YmmHigh(index));

    /// <summary>Writes a whole YMM register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SetYmm(int index, Vector256<byte> value)
    {
        Xmm(index) = value.GetLower();
        YmmHigh(index) = value.GetUpper();
    }

    /// <summary>A VEX.128 result: the XMM part written, bits 255:128 zeroed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SetXmmVex(int index, Vector128<byte> value)
    {
        Xmm(index) = value;
        YmmHigh(index) = default;
    }

    /// <summary>vzeroupper: bits 255:128 of every register cleared.</summary>
    internal void ZeroUpperHalves() => _ymmHigh = default;

    /// <summary>Reads 32 bytes that may cross a page; nothing is read and the fault recorded when any byte faults.</summary>
    internal bool Read256(ulong va, out Vector256<byte> value)
    {
        byte* p = _tlb.FastRead(va);
        if (p != null && (va & PageMask) <= 4096 - 32)
        {
            value = Unsafe.ReadUnaligned<Vector256<byte>>(p);
            return true;
        }
        Vector256<byte> buffer = default;
        bool ok = _bus.TryRead(va, new Span<byte>(&buffer, 32), user: true, out MemoryFault fault);
        if (!ok)
        {
            RecordFault(fault);
        }
        value = buffer;
        return ok;
    }

    /// <summary>Writes 32 bytes that may cross a page; a fault on either page writes nothing.</summary>
    internal bool Write256(ulong va, Vector256<byte> value)
    {
        byte* p = _tlb.FastWrite(va);
        if (p != null && (va & PageMask) <= 4096 - 32)
        {
            Unsafe.WriteUnaligned(p, value);
            return true;
        }
        bool ok = _bus.TryWrite(va, new ReadOnlySpan<byte>(&value, 32), user: true, out MemoryFault fault);
        if (!ok)
        {
            RecordFault(fault);
        }
        return ok;
    }

    /// <summary>Reads 1, 2, 4, 8, 16 or 32 bytes into the low bytes of a vector (the rest zero).</summary>
    internal bool ReadVector(ulong va, int size, out Vector256<byte> value)
    {
        switch (size)
        {
            case 32:
                return Read256(va, out value);
            case 16:
                bool ok = Read128(va, out Vector128<byte> low);
                value = low.ToVector256();
                return ok;
            default:
                ok = Read(va, size, out ulong bits);
                value = Vector256.CreateScalar(bits).AsByte();
                return ok;
        }
    }
}

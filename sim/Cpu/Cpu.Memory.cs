using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using HvSim.Mmu;

namespace HvSim.Cpu;

public sealed unsafe partial class Cpu
{
    private const ulong PageMask = 0xFFF;

    /// <summary>The effective address of the op's memory operand (segment base included).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong Ea(ref DecodedOp op)
    {
        ulong address = op.Disp + R(op.Base) + (R(op.Index) << op.Scale);
        if ((op.Flags & OpFlags.Addr32) != 0)
        {
            address = (uint)address;
        }
        return address + R(op.Seg);
    }

    /// <summary>Reads 1, 2, 4 or 8 bytes; false (with the fault recorded) when the access faults.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool Read(ulong va, int size, out ulong value)
    {
        byte* p = _tlb.FastRead(va);
        if (p != null && (va & PageMask) <= (ulong)(4096 - size))
        {
            value = Load(p, size);
            return true;
        }
        return ReadSlow(va, size, out value);
    }

    /// <summary>1, 2, 4 or 8 bytes at a host pointer (the interpreter's and the translator's fast path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Load(byte* p, int size) => size switch
    {
        8 => Unsafe.ReadUnaligned<ulong>(p),
        4 => Unsafe.ReadUnaligned<uint>(p),
        2 => Unsafe.ReadUnaligned<ushort>(p),
        _ => *p,
    };

    /// <summary>Writes 1, 2, 4 or 8 bytes; false (nothing written, fault recorded) when the access faults.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool Write(ulong va, int size, ulong value)
    {
        byte* p = _tlb.FastWrite(va);
        if (p != null && (va & PageMask) <= (ulong)(4096 - size))
        {
            Store(p, size, value);
            return true;
        }
        return WriteSlow(va, size, value);
    }

    /// <summary>Stores 1, 2, 4 or 8 bytes at a host pointer (the interpreter's and the translator's fast path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Store(byte* p, int size, ulong value)
    {
        switch (size)
        {
            case 8: Unsafe.WriteUnaligned(p, value); break;
            case 4: Unsafe.WriteUnaligned(p, (uint)value); break;
            case 2: Unsafe.WriteUnaligned(p, (ushort)value); break;
            default: *p = (byte)value; break;
        }
    }

    /// <summary>
    /// The read half of a read-modify-write: the destination is checked for write permission
    /// before it is read, as hardware treats the whole access as a write (a fault reports W=1
    /// and nothing changes). The caller stores the result with <see cref="Write"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool RmwRead(ulong va, int size, out ulong value)
    {
        byte* p = _tlb.FastWrite(va);
        if (p != null && (va & PageMask) <= (ulong)(4096 - size))
        {
            value = Load(p, size);
            return true;
        }
        return RmwReadSlow(va, size, out value);
    }

    internal bool Read128(ulong va, out Vector128<byte> value)
    {
        byte* p = _tlb.FastRead(va);
        if (p != null && (va & PageMask) <= 4096 - 16)
        {
            value = Unsafe.ReadUnaligned<Vector128<byte>>(p);
            return true;
        }
        Vector128<byte> buffer = default;
        bool ok = _bus.TryRead(va, new Span<byte>(&buffer, 16), user: true, out MemoryFault fault);
        if (!ok)
        {
            RecordFault(fault);
        }
        value = buffer;
        return ok;
    }

    internal bool Write128(ulong va, Vector128<byte> value)
    {
        byte* p = _tlb.FastWrite(va);
        if (p != null && (va & PageMask) <= 4096 - 16)
        {
            Unsafe.WriteUnaligned(p, value);
            return true;
        }
        bool ok = _bus.TryWrite(va, new ReadOnlySpan<byte>(&value, 16), user: true, out MemoryFault fault);
        if (!ok)
        {
            RecordFault(fault);
        }
        return ok;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool ReadSlow(ulong va, int size, out ulong value)
    {
        ulong buffer = 0;
        bool ok = _mmuBus is Mmu.Mmu mmu
            ? mmu.TryRead(va, new Span<byte>(&buffer, size), user: true, out MemoryFault fault)
            : _bus.TryRead(va, new Span<byte>(&buffer, size), user: true, out fault);
        if (!ok)
        {
            RecordFault(fault);
            value = 0;
            return false;
        }
        value = buffer;
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool WriteSlow(ulong va, int size, ulong value)
    {
        bool ok = _mmuBus is Mmu.Mmu mmu
            ? mmu.TryWrite(va, new ReadOnlySpan<byte>(&value, size), user: true, out MemoryFault fault)
            : _bus.TryWrite(va, new ReadOnlySpan<byte>(&value, size), user: true, out fault);
        if (!ok)
        {
            RecordFault(fault);
            return false;
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool RmwReadSlow(ulong va, int size, out ulong value)
    {
        bool ok = _mmuBus is Mmu.Mmu mmu
            ? mmu.CheckWrite(va, size, user: true, out MemoryFault fault)
            : _bus.CheckWrite(va, size, user: true, out fault);
        if (!ok)
        {
            RecordFault(fault);
            value = 0;
            return false;
        }
        return ReadSlow(va, size, out value);
    }

    /// <summary>Records a memory fault as the pending exception (#PF, or #GP for a non-canonical address).</summary>
    internal void RecordFault(MemoryFault fault)
    {
        ExitFault = fault;
        ExitVector = fault.Kind == FaultKind.PageFault ? Vector.PageFault : Vector.GeneralProtection;
    }

    /// <summary>Records an exception without a memory fault (#UD, #DE, #GP...).</summary>
    internal int Raise(Vector vector)
    {
        ExitFault = default;
        ExitVector = vector;
        return Exec.ExitFault;
    }
}

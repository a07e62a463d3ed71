using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HvSim.Core;

namespace HvSim.Mmu;

/// <summary>
/// One 4 KiB frame of guest physical memory. The bytes live in a pinned array so that the TLB
/// can hand out a raw host pointer (the fast path is a tag compare and a pointer add).
/// </summary>
public sealed unsafe class PhysicalFrame
{
    private readonly byte[] _data;

    internal PhysicalFrame(Frame number)
    {
        Number = number;
        // Pinned object heap: the address never moves, so a pointer taken once stays valid.
        _data = GC.AllocateArray<byte>(PageGeometry.PageSize, pinned: true);
        Pointer = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_data));
    }

    /// <summary>The frame number in guest physical memory.</summary>
    public Frame Number { get; }

    /// <summary>Host address of the frame's first byte; stable for the frame's lifetime.</summary>
    public byte* Pointer { get; }

    /// <summary>The frame's bytes.</summary>
    public Span<byte> Bytes => _data;

    /// <summary>
    /// Decoded instructions cached for this frame by the CPU, or null. While it is set, writes to
    /// the frame take the slow path so that self-modifying code invalidates the cache.
    /// </summary>
    public object? DecodedCode { get; set; }

    /// <summary>
    /// The audit watching stores into this frame, or null (the usual case). While it is set, user
    /// writes take the slow path and every writer reports to it (<see cref="IWriteAudit"/>).
    /// </summary>
    public IWriteAudit? WriteWatch { get; set; }
}

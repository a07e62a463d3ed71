using HvSim.Core;

namespace HvSim.Mmu;

/// <summary>
/// Sparse guest physical memory: a frame costs host memory only once it is touched, so a 4 GiB
/// guest that uses 2 MiB costs about 2 MiB. Frames are kept in a two-level table (like a page
/// table) so that looking one up is two array loads.
/// </summary>
public sealed class PhysicalMemory
{
    private const int ChunkShift = 10; // 1024 frames (4 MiB) per second-level table
    private const int ChunkSize = 1 << ChunkShift;

    private readonly PhysicalFrame?[]?[] _chunks;

    /// <param name="sizeBytes">Guest physical memory size; a multiple of the page size.</param>
    public PhysicalMemory(ulong sizeBytes = 4UL << 30)
    {
        if (sizeBytes == 0 || sizeBytes % PageGeometry.PageSize != 0 || sizeBytes > (1UL << 46))
        {
            throw new ArgumentOutOfRangeException(nameof(sizeBytes), "physical memory size must be a non-zero multiple of 4 KiB up to 64 TiB");
        }
        FrameCount = sizeBytes >> PageGeometry.PageShift;
        _chunks = new PhysicalFrame?[]?[(FrameCount + ChunkSize - 1) >> ChunkShift];
    }

    /// <summary>Number of frames the guest's physical address space holds.</summary>
    public ulong FrameCount { get; }

    /// <summary>Number of frames that have been touched (and so cost host memory).</summary>
    public long ResidentFrames { get; private set; }

    /// <summary>Raised when a frame that holds decoded code is written (self-modifying code).</summary>
    public Action<PhysicalFrame>? CodeWritten { get; set; }

    /// <summary>The write audit installed on the MMU (<see cref="Mmu.WriteAudit"/>), for writers that walk guest tables themselves; null when none.</summary>
    public IWriteAudit? WriteAudit { get; internal set; }

    /// <summary>True when <paramref name="frame"/> lies inside guest physical memory.</summary>
    public bool Contains(Frame frame) => frame.Number < FrameCount;

    /// <summary>The frame, created zero-filled on first use.</summary>
    public PhysicalFrame GetOrCreate(Frame frame)
    {
        if (frame.Number >= FrameCount)
        {
            throw new ArgumentOutOfRangeException(nameof(frame), $"{frame} lies outside guest physical memory");
        }
        // A plain load, not `??=`: taking a reference into the array of chunks (whose element type,
        // an array, is not sealed) costs a covariance check on every call, once per page walk.
        PhysicalFrame?[]? chunk = _chunks[frame.Number >> ChunkShift];
        if (chunk is null)
        {
            chunk = new PhysicalFrame?[ChunkSize];
            _chunks[frame.Number >> ChunkShift] = chunk;
        }
        ref PhysicalFrame? slot = ref chunk[frame.Number & (ChunkSize - 1)];
        if (slot is null)
        {
            slot = new PhysicalFrame(frame);
            ResidentFrames++;
        }
        return slot;
    }

    /// <summary>The frame if it has been touched; null otherwise (its contents are zero).</summary>
    public PhysicalFrame? TryGet(Frame frame)
    {
        if (frame.Number >= FrameCount)
        {
            return null;
        }
        return _chunks[frame.Number >> ChunkShift]?[frame.Number & (ChunkSize - 1)];
    }

    /// <summary>Reads a little-endian 64-bit value (page-table entries are read this way).</summary>
    public unsafe ulong ReadU64(GuestPhysical address)
    {
        if ((address.Value & 7) != 0)
        {
            throw new ArgumentException($"unaligned 64-bit physical read at {address}", nameof(address));
        }
        // Every page walk reads its entries here (the MMU's, and the hypervisor's inspections): an
        // aligned load from the pinned frame, without a span's bounds checks.
        PhysicalFrame? frame = TryGet(address.Frame);
        return frame is null ? 0 : *(ulong*)(frame.Pointer + address.PageOffset);
    }

    /// <summary>Writes a little-endian 64-bit value.</summary>
    public void WriteU64(GuestPhysical address, ulong value)
    {
        if ((address.Value & 7) != 0)
        {
            throw new ArgumentException($"unaligned 64-bit physical write at {address}", nameof(address));
        }
        PhysicalFrame frame = GetOrCreate(address.Frame);
        NoteWrite(frame);
        BitConverter.TryWriteBytes(frame.Bytes.Slice(address.PageOffset, 8), value);
        frame.WriteWatch?.Written(frame, address.PageOffset, 8, user: false);
    }

    /// <summary>Copies bytes out of physical memory; may cross frames.</summary>
    public void Read(GuestPhysical address, Span<byte> destination)
    {
        ulong pa = address.Value;
        while (!destination.IsEmpty)
        {
            var at = new GuestPhysical(pa);
            int chunk = Math.Min(destination.Length, PageGeometry.PageSize - at.PageOffset);
            PhysicalFrame? frame = TryGet(at.Frame);
            if (frame is null)
            {
                destination[..chunk].Clear();
            }
            else
            {
                frame.Bytes.Slice(at.PageOffset, chunk).CopyTo(destination);
            }
            destination = destination[chunk..];
            pa += (ulong)chunk;
        }
    }

    /// <summary>Copies bytes into physical memory; may cross frames.</summary>
    public void Write(GuestPhysical address, ReadOnlySpan<byte> source)
    {
        ulong pa = address.Value;
        while (!source.IsEmpty)
        {
            var at = new GuestPhysical(pa);
            int chunk = Math.Min(source.Length, PageGeometry.PageSize - at.PageOffset);
            PhysicalFrame frame = GetOrCreate(at.Frame);
            NoteWrite(frame);
            source[..chunk].CopyTo(frame.Bytes.Slice(at.PageOffset, chunk));
            frame.WriteWatch?.Written(frame, at.PageOffset, chunk, user: false);
            source = source[chunk..];
            pa += (ulong)chunk;
        }
    }

    /// <summary>Fills a whole frame with zeros (a freshly allocated page).</summary>
    public void Zero(Frame frame)
    {
        PhysicalFrame? existing = TryGet(frame);
        if (existing is not null)
        {
            NoteWrite(existing);
            // A frame zeroed for reuse belongs to no mapping yet: whatever watched it in its
            // previous life (the audit watching a CDA page) no longer does.
            existing.WriteWatch = null;
            existing.Bytes.Clear();
        }
    }

    /// <summary>Every write that bypasses the TLB fast path comes here so decoded code is dropped.</summary>
    public void NoteWrite(PhysicalFrame frame)
    {
        if (frame.DecodedCode is not null)
        {
            CodeWritten?.Invoke(frame);
            frame.DecodedCode = null;
        }
    }
}

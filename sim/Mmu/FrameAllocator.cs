using HvSim.Core;

namespace HvSim.Mmu;

/// <summary>
/// Hands out free frames of guest physical memory, lowest first, and takes them back.
/// Deterministic: the same sequence of calls yields the same frames. It also keeps each frame's
/// map count (Linux's page mapcount: how many user PTEs map it), so that a frame is never freed
/// while a page table still maps it — the root of issue 13's page-table exploit, where a frame a
/// shared mapping still used was freed and reused as a page table.
/// </summary>
public sealed class FrameAllocator
{
    private readonly PhysicalMemory _memory;
    private readonly SortedSet<ulong> _freed = new();
    private readonly ulong _firstFrame;
    private ulong _next;

    private readonly ulong _endFrame;

    private const int CountChunkShift = 12; // map counts in chunks of 4096 frames (16 MiB of guest memory), made on first use
    private readonly int[]?[] _mapCounts;

    /// <param name="firstFrame">Frames below this one are never handed out (reserved).</param>
    /// <param name="endFrame">Frames from this one on are not this allocator's (another owner's range); default: all memory.</param>
    public FrameAllocator(PhysicalMemory memory, ulong firstFrame = 1, ulong? endFrame = null)
    {
        _memory = memory;
        _firstFrame = firstFrame;
        _next = firstFrame;
        _endFrame = Math.Min(endFrame ?? memory.FrameCount, memory.FrameCount);
        _mapCounts = new int[]?[(_endFrame >> CountChunkShift) + 1];
    }

    /// <summary>True when this allocator hands out <paramref name="frame"/> (it lies in its range).</summary>
    public bool Owns(Frame frame) => frame.Number >= _firstFrame && frame.Number < _endFrame;

    /// <summary>Frames currently handed out.</summary>
    public long InUse { get; private set; }

    /// <summary>A zero-filled frame, or null when guest physical memory is exhausted.</summary>
    public Frame? TryAllocate()
    {
        Frame frame;
        if (_freed.Count > 0)
        {
            ulong number = _freed.Min;
            _freed.Remove(number);
            frame = new Frame(number);
            _memory.Zero(frame);
        }
        else if (_next < _endFrame)
        {
            frame = new Frame(_next++);
        }
        else
        {
            return null;
        }
        InUse++;
        return frame;
    }

    /// <summary>Returns a frame to the pool; a frame some PTE still maps is never freed.</summary>
    public void Free(Frame frame)
    {
        if (frame.Number < _firstFrame || frame.Number >= _next || _freed.Contains(frame.Number))
        {
            throw new InvalidOperationException($"{frame} freed twice or never allocated");
        }
        if (MapCount(frame) != 0)
        {
            throw new InvalidOperationException($"{frame} freed while {MapCount(frame)} user PTEs map it");
        }
        _freed.Add(frame.Number);
        InUse--;
    }

    /// <summary>How many user PTEs map <paramref name="frame"/> (0 for a frame not this allocator's).</summary>
    public int MapCount(Frame frame) =>
        Owns(frame) && _mapCounts[frame.Number >> CountChunkShift] is int[] chunk ? chunk[frame.Number & ((1 << CountChunkShift) - 1)] : 0;

    /// <summary>A user PTE now maps <paramref name="frame"/>; only an allocated frame may be mapped.</summary>
    public void NoteMapped(Frame frame)
    {
        if (!Owns(frame) || frame.Number >= _next || _freed.Contains(frame.Number))
        {
            throw new InvalidOperationException($"{frame} mapped but not allocated");
        }
        (_mapCounts[frame.Number >> CountChunkShift] ??= new int[1 << CountChunkShift])[frame.Number & ((1 << CountChunkShift) - 1)]++;
    }

    /// <summary>A user PTE that mapped <paramref name="frame"/> is gone.</summary>
    public void NoteUnmapped(Frame frame)
    {
        int[]? chunk = Owns(frame) ? _mapCounts[frame.Number >> CountChunkShift] : null;
        int index = (int)(frame.Number & ((1 << CountChunkShift) - 1));
        if (chunk is null || chunk[index] == 0)
        {
            throw new InvalidOperationException($"{frame} unmapped more often than mapped");
        }
        chunk[index]--;
    }
}

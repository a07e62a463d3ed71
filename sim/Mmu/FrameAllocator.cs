using HvSim.Core;

namespace HvSim.Mmu;

/// <summary>
/// Hands out free frames of guest physical memory, lowest first, and takes them back.
/// Deterministic: the same sequence of calls yields the same frames.
/// </summary>
public sealed class FrameAllocator
{
    private readonly PhysicalMemory _memory;
    private readonly SortedSet<ulong> _freed = new();
    private readonly ulong _firstFrame;
    private ulong _next;

    private readonly ulong _endFrame;

    /// <param name="firstFrame">Frames below this one are never handed out (reserved).</param>
    /// <param name="endFrame">Frames from this one on are not this allocator's (another owner's range); default: all memory.</param>
    public FrameAllocator(PhysicalMemory memory, ulong firstFrame = 1, ulong? endFrame = null)
    {
        _memory = memory;
        _firstFrame = firstFrame;
        _next = firstFrame;
        _endFrame = Math.Min(endFrame ?? memory.FrameCount, memory.FrameCount);
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

    /// <summary>Returns a frame to the pool.</summary>
    public void Free(Frame frame)
    {
        if (frame.Number < _firstFrame || frame.Number >= _next || !_freed.Add(frame.Number))
        {
            throw new InvalidOperationException($"{frame} freed twice or never allocated");
        }
        InUse--;
    }
}

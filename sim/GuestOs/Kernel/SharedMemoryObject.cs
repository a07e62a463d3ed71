using HvSim.Core;

namespace HvSim.GuestOs.Kernel;

/// <summary>
/// The pages behind a MAP_SHARED mapping (Linux's shmem object). Every VMA that maps the object
/// maps the same frames, so a second mapping of it (mremap with old_size 0) is an alias: a
/// write through one is seen through the other. The frames live as long as some VMA maps them.
/// </summary>
public sealed class SharedMemoryObject
{
    private readonly Dictionary<ulong, Frame> _pages = new();

    /// <summary>The frame of page <paramref name="index"/> (counted from the object's start), if populated.</summary>
    public Frame? Page(ulong index) => _pages.TryGetValue(index, out Frame frame) ? frame : null;

    public void SetPage(ulong index, Frame frame) => _pages[index] = frame;

    /// <summary>All populated frames (to free them when the last mapping goes).</summary>
    public IEnumerable<Frame> Frames => _pages.Values;

    public void Clear() => _pages.Clear();
}

using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Mmu;

namespace HvSim.Tests.Fuzz;

/// <summary>
/// The fuzzers' view of a process's user memory, read straight from physical memory through a
/// software walk of its own page tables, so that looking sets no A or D bit, fills no TLB or
/// shadow entry and populates nothing: what a check reads cannot change what it checks.
/// </summary>
internal static class UserPages
{
    /// <summary>
    /// A copy of every present user page, by virtual address (with the frame that holds it), for
    /// "a refused call writes nothing": take one before the call, compare after.
    /// </summary>
    public static Dictionary<ulong, (ulong Frame, byte[] Bytes)> Snapshot(GuestKernel kernel, AddressSpace space)
    {
        var pages = new Dictionary<ulong, (ulong, byte[])>();
        foreach ((ulong va, ulong entry) in FuzzHarness.UserLeaves(kernel.Memory, space.Cr3))
        {
            var bytes = new byte[PageGeometry.PageSize];
            kernel.Memory.Read(new GuestPhysical(PteFormat.Address(entry)), bytes);
            pages[va] = (PteFormat.Address(entry), bytes);
        }
        return pages;
    }

    /// <summary>
    /// The pages whose bytes differ between two snapshots, among those present in both with the
    /// same frame (a page mapped, unmapped or moved in between is the kernel's doing, not a write).
    /// </summary>
    public static List<ulong> Written(Dictionary<ulong, (ulong Frame, byte[] Bytes)> before, Dictionary<ulong, (ulong Frame, byte[] Bytes)> after)
    {
        var written = new List<ulong>();
        foreach ((ulong va, (ulong frame, byte[] bytes)) in after)
        {
            if (before.TryGetValue(va, out var old) && old.Frame == frame && !old.Bytes.AsSpan().SequenceEqual(bytes))
            {
                written.Add(va);
            }
        }
        written.Sort();
        return written;
    }

    /// <summary>Reads user memory without side effects; false (with the bytes read so far) when a page is not present.</summary>
    public static bool TryPeek(GuestKernel kernel, ulong cr3, ulong va, Span<byte> destination)
    {
        int done = 0;
        while (done < destination.Length)
        {
            ulong at = va + (ulong)done;
            int chunk = Math.Min(destination.Length - done, PageGeometry.PageSize - (int)(at & PageGeometry.PageMask));
            HvSim.Hypervisor.Techniques.GuestLeaf leaf = HvSim.Hypervisor.Techniques.GuestPageWalk.Inspect(kernel.Memory, cr3, at);
            if (!leaf.Present)
            {
                return false;
            }
            kernel.Memory.Read(new GuestPhysical(leaf.PhysicalPage + (at & PageGeometry.PageMask)), destination.Slice(done, chunk));
            done += chunk;
        }
        return true;
    }

    /// <summary>A little-endian u64 of user memory (0 when its page is not present).</summary>
    public static ulong PeekU64(GuestKernel kernel, ulong cr3, ulong va)
    {
        Span<byte> bytes = stackalloc byte[8];
        bytes.Clear();
        TryPeek(kernel, cr3, va, bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }
}

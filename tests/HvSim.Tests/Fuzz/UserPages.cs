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
    /// A fingerprint of every present user page, by virtual address (with the frame that holds
    /// it), for "a refused call writes nothing": take one before the call, compare after. A 64-bit
    /// hash of each page rather than a copy, so that a check per call allocates nothing per page.
    /// </summary>
    public static Dictionary<ulong, (ulong Frame, ulong Hash)> Snapshot(GuestKernel kernel, AddressSpace space)
    {
        var pages = new Dictionary<ulong, (ulong, ulong)>();
        foreach ((ulong va, ulong entry) in FuzzHarness.UserLeaves(kernel.Memory, space.Cr3))
        {
            ulong frame = PteFormat.Address(entry);
            PhysicalFrame? contents = kernel.Memory.TryGet(new GuestPhysical(frame).Frame);
            pages[va] = (frame, contents is null ? 0 : Hash(contents.Bytes));
        }
        return pages;
    }

    /// <summary>
    /// The pages whose contents differ between two snapshots, among those present in both with the
    /// same frame (a page mapped, unmapped or moved in between is the kernel's doing, not a write).
    /// </summary>
    public static List<ulong> Written(Dictionary<ulong, (ulong Frame, ulong Hash)> before, Dictionary<ulong, (ulong Frame, ulong Hash)> after)
    {
        var written = new List<ulong>();
        foreach ((ulong va, (ulong frame, ulong hash)) in after)
        {
            if (before.TryGetValue(va, out var old) && old.Frame == frame && old.Hash != hash)
            {
                written.Add(va);
            }
        }
        written.Sort();
        return written;
    }

    /// <summary>A 64-bit mix of a page's words: each step is a bijection of the state for a given word, so one changed word always changes the result (several at once, all but surely). An untouched frame hashes as a page of zeros does.</summary>
    private static ulong Hash(ReadOnlySpan<byte> page)
    {
        ulong hash = 0;
        foreach (ulong word in System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(page))
        {
            hash = (System.Numerics.BitOperations.RotateLeft(hash, 23) ^ word) * 0x9E37_79B9_7F4A_7C15UL;
        }
        return hash;
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

using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.GuestOs.Linux;

namespace HvSim.GuestOs.Syscalls;

/// <summary>
/// mremap(2), in mm/mremap.c's order (do_mremap, Linux 6.16): check_mremap_params, the VMA
/// lookup, then mremap_to (MREMAP_FIXED or MREMAP_DONTUNMAP: a new address is implied) or
/// mremap_at (same size, shrink, grow in place, else move when MREMAP_MAYMOVE allows). The VMA
/// and page-table work is <see cref="AddressSpace.Move"/>, <see cref="AddressSpace.Grow"/> and
/// <see cref="AddressSpace.Unmap"/>. Private and shared anonymous mappings move alike.
/// </summary>
internal sealed partial class SyscallDispatcher
{
    private long Mremap(Process process, ulong oldAddress, ulong oldSize, ulong newSize, int flags, ulong newAddress)
    {
        AddressSpace space = process.Space;
        var remap = (RemapFlags)flags;
        bool mayMove = (remap & RemapFlags.MREMAP_MAYMOVE) != 0;
        bool fixedTarget = (remap & RemapFlags.MREMAP_FIXED) != 0;
        bool dontUnmap = (remap & RemapFlags.MREMAP_DONTUNMAP) != 0;
        bool impliesNewAddress = fixedTarget || dontUnmap;
        // check_mremap_params.
        if ((remap & ~(RemapFlags.MREMAP_MAYMOVE | RemapFlags.MREMAP_FIXED | RemapFlags.MREMAP_DONTUNMAP)) != 0 || !UserRange.IsPageAligned(oldAddress))
        {
            return Error(Errno.EINVAL);
        }
        // PAGE_ALIGN: a new size that wraps, or is 0, is refused; an old size that wraps becomes 0 (the duplicate case).
        if (!UserRange.TryPageAlign(newSize, out ulong newLength) || newLength == 0)
        {
            return Error(Errno.EINVAL);
        }
        if (impliesNewAddress)
        {
            if (!UserRange.IsPageAligned(newAddress) || !mayMove || (dontUnmap && oldSize != newSize))
            {
                return Error(Errno.EINVAL); // a fixed address implies a move; DONTUNMAP does not resize (raw lengths compared)
            }
            // "Worst-scenario case is when both vma's (new_addr and old_addr) get split in 3
            // before unmapping it": stay 4 maps below the limit, before anything is unmapped.
            if (space.MapCount + 2 >= space.MaxMapCount - 3)
            {
                return Error(Errno.ENOMEM);
            }
        }
        UserRange.TryPageAlign(oldSize, out ulong oldLength);
        if (newLength > UserRange.TaskSize)
        {
            return Error(Errno.EINVAL); // "is the new length silly?"
        }
        if (impliesNewAddress && (!UserRange.Fits(newAddress, newLength) || (oldAddress + oldLength > newAddress && newAddress + newLength > oldAddress)))
        {
            return Error(Errno.EINVAL); // "is the new address silly?", and vrm_overlaps: the whole ranges, before any part moves
        }
        if (space.Find(oldAddress) is null)
        {
            return Error(Errno.EFAULT); // vma_lookup: no VMA contains the address
        }
        if (fixedTarget && oldLength == newLength)
        {
            return RemapMove(process, oldAddress, oldLength, newAddress, dontUnmap);
        }
        return impliesNewAddress
            ? MremapTo(process, oldAddress, oldLength, newLength, newAddress, fixedTarget, dontUnmap)
            : MremapAt(process, oldAddress, oldLength, newLength, mayMove);
    }

    /// <summary>
    /// remap_move (Linux 6.17, "mm/mremap: permit mremap() move of multiple VMAs"): a MREMAP_FIXED
    /// move without resizing may span several VMAs; each part moves on its own (mremap_to) to the
    /// same offset from the target, the gaps between them kept. No gap is allowed at the start
    /// (EFAULT); a part that fails ends the call with its error, the parts before it moved.
    /// Every anonymous VMA may be part of such a move (vma_multi_allowed refuses uffd-armed VMAs and
    /// files with their own get_unmapped_area).
    /// </summary>
    private long RemapMove(Process process, ulong oldAddress, ulong length, ulong newAddress, bool dontUnmap)
    {
        ulong end = oldAddress + length;
        // The parts, taken before any moves: the target does not overlap the source (checked), so
        // nothing moved lands among them; a list also bounds the loop whatever a move does.
        var parts = new List<(ulong Start, ulong Length)>();
        bool uffdArmed = false;
        for (ulong at = oldAddress; process.Space.FindAtOrAfter(at) is Vma vma && vma.Start < end; at = vma.End)
        {
            if (parts.Count == 0 && vma.Start > oldAddress)
            {
                return Error(Errno.EFAULT); // no gap permitted at the start
            }
            ulong part = Math.Max(vma.Start, oldAddress);
            parts.Add((part, Math.Min(end, vma.End) - part));
            uffdArmed |= vma.UffdWp is not null;
        }
        if (parts.Count == 0 || (parts.Count > 1 && uffdArmed))
        {
            // The second: vma_multi_allowed refuses a uffd-armed VMA in a move of several, since
            // userfaultfd's remap notification needs the mmap lock dropped between them.
            return Error(Errno.EFAULT);
        }
        long result = 0;
        foreach ((ulong part, ulong partLength) in parts)
        {
            long moved = MremapTo(process, part, partLength, partLength, newAddress + (part - oldAddress), fixedTarget: true, dontUnmap);
            if (moved < 0)
            {
                return moved;
            }
            if (part == oldAddress)
            {
                result = moved;
            }
        }
        return result;
    }

    /// <summary>mremap_to: to a fixed address (its range unmapped first), or with DONTUNMAP to a hint.</summary>
    private long MremapTo(Process process, ulong oldAddress, ulong oldLength, ulong newLength, ulong newAddress, bool fixedTarget, bool dontUnmap)
    {
        AddressSpace space = process.Space;
        if (!UserRange.Fits(newAddress, newLength) || (oldAddress + oldLength > newAddress && newAddress + newLength > oldAddress))
        {
            return Error(Errno.EINVAL); // in the user half, not overlapping the old range
        }
        if (fixedTarget)
        {
            if (newAddress < UserRange.MmapMinAddr)
            {
                return Error(Errno.EPERM); // get_unmapped_area's security_mmap_addr (checked before the unmap here; nothing mapped there)
            }
            if (newAddress + newLength > AddressSpace.MmapBase)
            {
                return Error(Errno.ENOMEM); // as mmap(MAP_FIXED): the simulated space keeps the stack above MmapBase
            }
            if (!space.Unmap(newAddress, newLength))
            {
                return Error(Errno.ENOMEM);
            }
            if (space.Find(oldAddress) is null)
            {
                return Error(Errno.EFAULT);
            }
        }
        if (newLength < oldLength)
        {
            // shrink_vma, then move what is left.
            if (!space.Unmap(oldAddress + newLength, oldLength - newLength))
            {
                return Error(Errno.ENOMEM);
            }
            oldLength = newLength;
        }
        Vma vma = space.Find(oldAddress)!;
        if (RemapIsValid(vma, oldAddress, oldLength, newLength) is Errno invalid)
        {
            return Error(invalid);
        }
        if (dontUnmap && !vma.Shared && !MayCommit(newLength))
        {
            return Error(Errno.ENOMEM); // vrm_calc_charge: DONTUNMAP charges the whole new length
        }
        ulong target;
        if (fixedTarget)
        {
            target = newAddress;
        }
        else if (newAddress >= UserRange.MmapMinAddr && newAddress + newLength <= AddressSpace.MmapBase && space.IsFree(newAddress, newAddress + newLength))
        {
            target = newAddress; // DONTUNMAP alone: the address is a hint, used when free
        }
        else if (space.FindFree(newLength) is ulong free)
        {
            target = free;
        }
        else
        {
            return Error(Errno.ENOMEM);
        }
        return MoveVma(space, oldAddress, oldLength, target, newLength, dontUnmap);
    }

    /// <summary>mremap_at: the same size (nothing to do), shrink in place, grow in place, or move when allowed.</summary>
    private long MremapAt(Process process, ulong oldAddress, ulong oldLength, ulong newLength, bool mayMove)
    {
        AddressSpace space = process.Space;
        if (newLength == oldLength)
        {
            return (long)oldAddress; // MREMAP_NO_RESIZE
        }
        if (newLength < oldLength)
        {
            return space.Unmap(oldAddress + newLength, oldLength - newLength) ? (long)oldAddress : Error(Errno.ENOMEM);
        }
        Vma vma = space.Find(oldAddress)!;
        if (RemapIsValid(vma, oldAddress, oldLength, newLength) is Errno invalid)
        {
            return Error(invalid);
        }
        ulong delta = newLength - oldLength;
        if (!vma.Shared && !MayCommit(delta))
        {
            return Error(Errno.ENOMEM); // vrm_calc_charge: the grown part is charged
        }
        // vrm_can_expand_in_place: the range runs to the VMA's end and the pages after it are free.
        ulong growEnd = vma.End + delta;
        if (oldAddress + oldLength == vma.End && growEnd > vma.End && growEnd <= AddressSpace.MmapBase && space.IsFree(vma.End, growEnd))
        {
            space.Grow(vma, growEnd);
            return (long)oldAddress;
        }
        if (!mayMove)
        {
            return Error(Errno.ENOMEM);
        }
        return space.FindFree(newLength) is ulong target
            ? MoveVma(space, oldAddress, oldLength, target, newLength, keepSource: false)
            : Error(Errno.ENOMEM);
    }

    /// <summary>
    /// remap_is_valid: a private mapping cannot be duplicated (old_size 0, EINVAL); the range may
    /// not run past its VMA (EFAULT). Null when valid.
    /// </summary>
    private static Errno? RemapIsValid(Vma vma, ulong oldAddress, ulong oldLength, ulong newLength)
    {
        if (oldLength == 0 && !vma.Shared)
        {
            return Errno.EINVAL;
        }
        if (oldLength > vma.End - oldAddress)
        {
            return Errno.EFAULT; // "we can't remap across vm area boundaries"
        }
        return null;
    }

    /// <summary>move_vma: prep_move_vma's map-count check, then the move itself.</summary>
    private static long MoveVma(AddressSpace space, ulong oldAddress, ulong oldLength, ulong target, ulong newLength, bool keepSource)
    {
        // "We'd prefer to avoid failure later on in do_munmap: which may split one vma into three before unmapping."
        if (space.MapCount >= space.MaxMapCount - 3)
        {
            return Error(Errno.ENOMEM);
        }
        return space.Move(oldAddress, oldLength, target, newLength, keepSource) ? (long)target : Error(Errno.ENOMEM);
    }
}

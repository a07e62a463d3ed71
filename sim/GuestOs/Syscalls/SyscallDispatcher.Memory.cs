using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.GuestOs.Linux;

namespace HvSim.GuestOs.Syscalls;

internal sealed partial class SyscallDispatcher
{
    private const MemoryProtection KnownProtection = MemoryProtection.PROT_READ | MemoryProtection.PROT_WRITE | MemoryProtection.PROT_EXEC;

    private long Mmap(Process process, ulong address, ulong length, int protection, int flags, int fd, ulong offset)
    {
        var map = (MapFlags)flags;
        var prot = (MemoryProtection)protection;
        bool fixedAddress = (map & (MapFlags.MAP_FIXED | MapFlags.MAP_FIXED_NOREPLACE)) != 0;
        if (length == 0 || (fixedAddress && (address & PageGeometry.PageMask) != 0) || (prot & ~KnownProtection) != 0)
        {
            return Error(Errno.EINVAL);
        }
        if (!fixedAddress)
        {
            // mm/mmap.c's round_hint_to_min: a hint is rounded down (never an error) and one below
            // vm.mmap_min_addr is raised to it (the fuzzer's first find: a hint of 0x1000 mapped there).
            address = PageGeometry.PageBase(address);
            if (address != 0 && address < UserRange.MmapMinAddr)
            {
                address = UserRange.MmapMinAddr;
            }
        }
        MapFlags type = map & MapFlags.MAP_TYPE;
        if (type != MapFlags.MAP_PRIVATE && type != MapFlags.MAP_SHARED && type != MapFlags.MAP_SHARED_VALIDATE)
        {
            return Error(Errno.EINVAL);
        }
        if ((map & MapFlags.MAP_ANONYMOUS) == 0)
        {
            return Error(fd < 0 ? Errno.EBADF : Errno.ENODEV); // no file system: only anonymous memory
        }
        if (!UserRange.TryPageAlign(length, out ulong size) || size > AddressSpace.MmapBase)
        {
            return Error(Errno.ENOMEM);
        }
        ulong start;
        if (fixedAddress)
        {
            if (address + size > AddressSpace.MmapBase || address + size < address)
            {
                return Error(Errno.ENOMEM);
            }
            if (address < UserRange.MmapMinAddr)
            {
                return Error(Errno.EPERM); // security_mmap_addr: below vm.mmap_min_addr without CAP_SYS_RAWIO
            }
            if ((map & MapFlags.MAP_FIXED_NOREPLACE) != 0 && !process.Space.IsFree(address, address + size))
            {
                return Error(Errno.EEXIST);
            }
            start = address;
        }
        else if (address != 0 && address + size <= AddressSpace.MmapBase && address + size > address && process.Space.IsFree(address, address + size))
        {
            start = address; // the hint is free: use it
        }
        else
        {
            ulong? free = process.Space.FindFree(size);
            if (free is null)
            {
                return Error(Errno.ENOMEM);
            }
            start = free.Value;
        }
        return process.Space.Map(start, size, prot, shared: type != MapFlags.MAP_PRIVATE, name: "anon")
            ? (long)start
            : Error(Errno.ENOMEM); // vm.max_map_count
    }

    /// <summary>munmap, as mm/mmap.c's do_vmi_munmap checks it: an aligned start, the range in the user half, a length that aligns to more than 0.</summary>
    private long Munmap(Process process, ulong address, ulong length)
    {
        if (!UserRange.IsPageAligned(address) || !UserRange.Fits(address, length)
            || !UserRange.TryPageAlign(length, out ulong aligned) || aligned == 0)
        {
            return Error(Errno.EINVAL);
        }
        return process.Space.Unmap(address, aligned) ? 0 : Error(Errno.ENOMEM); // a split beyond vm.max_map_count
    }

    /// <summary>mprotect, in mm/mprotect.c's order: alignment (EINVAL), a zero length (done), a range that wraps (ENOMEM), the protection (EINVAL), holes (ENOMEM).</summary>
    private long Mprotect(Process process, ulong address, ulong length, int protection)
    {
        var prot = (MemoryProtection)protection;
        if (!UserRange.IsPageAligned(address))
        {
            return Error(Errno.EINVAL);
        }
        if (length == 0)
        {
            return 0;
        }
        if (!UserRange.TryPageAlign(length, out ulong aligned) || address + aligned <= address)
        {
            return Error(Errno.ENOMEM);
        }
        if ((prot & ~KnownProtection) != 0)
        {
            return Error(Errno.EINVAL);
        }
        if (!UserRange.Fits(address, aligned))
        {
            return Error(Errno.ENOMEM); // no VMA lies beyond the user half
        }
        return process.Space.Protect(address, aligned, prot) ? 0 : Error(Errno.ENOMEM);
    }

    /// <summary>
    /// Linux's heuristic overcommit (vm.overcommit_memory = 0): a single private writable request
    /// larger than all of memory is refused, anything smaller is granted and populated on demand.
    /// </summary>
    private bool MayCommit(ulong bytes) => bytes <= _kernel.Memory.FrameCount * PageGeometry.PageSize;

    /// <summary>brk: grows or shrinks the heap VMA after the image; returns the (possibly unchanged) break.</summary>
    private long Brk(Process process, ulong requested)
    {
        if (requested < process.BrkStart)
        {
            return (long)process.Brk;
        }
        ulong oldEnd = PageGeometry.RoundUp(process.Brk);
        // As mm/mmap.c's brk: only a break at or below the current one shrinks the heap; a break
        // whose page alignment wraps past 2^64 is a growth that cannot fit (the break stays).
        if (!UserRange.TryPageAlign(requested, out ulong newEnd))
        {
            return (long)process.Brk;
        }
        if (requested > process.Brk && newEnd > oldEnd)
        {
            if (newEnd > AddressSpace.MmapBase || !MayCommit(newEnd - oldEnd) || !process.Space.IsFree(oldEnd, newEnd))
            {
                return (long)process.Brk;
            }
            if (!process.Space.Map(oldEnd, newEnd - oldEnd, MemoryProtection.PROT_READ | MemoryProtection.PROT_WRITE, shared: false, name: "[heap]"))
            {
                return (long)process.Brk;
            }
        }
        else if (newEnd < oldEnd)
        {
            if (!process.Space.Unmap(newEnd, oldEnd - newEnd))
            {
                return (long)process.Brk;
            }
        }
        process.Brk = requested;
        return (long)requested;
    }
}

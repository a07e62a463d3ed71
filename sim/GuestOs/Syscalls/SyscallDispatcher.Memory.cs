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
            address = PageGeometry.PageBase(address); // a hint is rounded down (x86's addr &= PAGE_MASK), never an error
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
        ulong size = PageGeometry.RoundUp(length);
        if (size < length || size > AddressSpace.MmapBase)
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
        process.Space.Map(start, size, prot, shared: type != MapFlags.MAP_PRIVATE, name: "anon");
        return (long)start;
    }

    private long Munmap(Process process, ulong address, ulong length)
    {
        if ((address & PageGeometry.PageMask) != 0 || length == 0 || address + length < address)
        {
            return Error(Errno.EINVAL);
        }
        process.Space.Unmap(address, PageGeometry.RoundUp(length));
        return 0;
    }

    private long Mprotect(Process process, ulong address, ulong length, int protection)
    {
        var prot = (MemoryProtection)protection;
        if ((address & PageGeometry.PageMask) != 0 || (prot & ~KnownProtection) != 0 || address + length < address)
        {
            return Error(Errno.EINVAL);
        }
        if (length == 0)
        {
            return 0;
        }
        return process.Space.Protect(address, PageGeometry.RoundUp(length), prot) ? 0 : Error(Errno.ENOMEM);
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
        ulong newEnd = PageGeometry.RoundUp(requested);
        if (newEnd > oldEnd)
        {
            if (newEnd > AddressSpace.MmapBase || !MayCommit(newEnd - oldEnd) || !process.Space.IsFree(oldEnd, newEnd))
            {
                return (long)process.Brk;
            }
            process.Space.Map(oldEnd, newEnd - oldEnd, MemoryProtection.PROT_READ | MemoryProtection.PROT_WRITE, shared: false, name: "[heap]");
        }
        else if (newEnd < oldEnd)
        {
            process.Space.Unmap(newEnd, oldEnd - newEnd);
        }
        process.Brk = requested;
        return (long)requested;
    }
}

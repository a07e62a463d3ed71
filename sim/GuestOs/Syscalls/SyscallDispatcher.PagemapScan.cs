using System.Buffers.Binary;
using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.GuestOs.Linux;

namespace HvSim.GuestOs.Syscalls;

/// <summary>The PAGEMAP_SCAN ioctl of /proc/self/pagemap (fs/proc/task_mmu.c do_pagemap_scan, Linux 6.7).</summary>
internal sealed partial class SyscallDispatcher
{
    /// <summary>The regions of one scan, reused (a checkpoint cycle scans once).</summary>
    private readonly List<PageRegion> _scanRegions = new();

    /// <summary>
    /// PAGEMAP_SCAN: the argument checked as pagemap_scan_get_args checks it (EFAULT, EINVAL), the
    /// walk run, the regions found copied to vec (even when the walk then failed, as
    /// pagemap_scan_flush_buffer does before the error is returned), walk_end written back; the
    /// result is the number of regions, or the walk's error (EPERM from PM_SCAN_CHECK_WPASYNC).
    /// </summary>
    private long PagemapScanIoctl(Process process, ulong argument)
    {
        Span<byte> arg = stackalloc byte[PagemapScanAbi.ArgBytes];
        if (!User.CopyFrom(process.Space, argument, arg))
        {
            return Error(Errno.EFAULT);
        }
        Span<ulong> field = stackalloc ulong[PagemapScanAbi.ArgBytes / 8];
        for (int i = 0; i < field.Length; i++)
        {
            field[i] = BinaryPrimitives.ReadUInt64LittleEndian(arg[(i * 8)..]);
        }
        ulong size = field[0], flags = field[1], start = field[2], end = field[3];
        ulong vec = field[5], vecLen = field[6], maxPages = field[7];
        ulong inverted = field[8], mask = field[9], anyOf = field[10], returnMask = field[11];
        if (size != PagemapScanAbi.ArgBytes || (flags & ~PagemapScanAbi.Flags) != 0
            || ((inverted | mask | anyOf | returnMask) & ~PagemapScanAbi.Categories) != 0
            || (start & PageGeometry.PageMask) != 0)
        {
            return Error(Errno.EINVAL);
        }
        if (!AccessOk(start, end - start))
        {
            return Error(Errno.EFAULT); // end below start wraps to a huge size
        }
        if (vec == 0 && vecLen != 0)
        {
            return Error(Errno.EINVAL);
        }
        if (vec != 0 && (vecLen > ulong.MaxValue / PagemapScanAbi.RegionBytes || !AccessOk(vec, vecLen * PagemapScanAbi.RegionBytes)))
        {
            return Error(Errno.EFAULT);
        }
        end = (end + PageGeometry.PageMask) & ~PageGeometry.PageMask;
        var request = new PagemapScanRequest(flags, start, end, vecLen, maxPages == 0 ? ulong.MaxValue : maxPages,
            inverted, mask, anyOf, returnMask);
        List<PageRegion> regions = _scanRegions;
        regions.Clear();
        PagemapScanOutcome outcome = process.Space.PagemapScan(request, regions);
        long result = outcome.Error is Errno failed ? Error(failed) : regions.Count;
        Span<byte> region = stackalloc byte[PagemapScanAbi.RegionBytes];
        for (int i = 0; i < regions.Count; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(region, regions[i].Start);
            BinaryPrimitives.WriteUInt64LittleEndian(region[8..], regions[i].End);
            BinaryPrimitives.WriteUInt64LittleEndian(region[16..], regions[i].Categories);
            if (!User.CopyTo(process.Space, vec + ((ulong)i * PagemapScanAbi.RegionBytes), region))
            {
                result = Error(Errno.EFAULT);
                break;
            }
        }
        return User.WriteU64(process.Space, argument + PagemapScanAbi.WalkEndOffset, outcome.WalkEnd) ? result : Error(Errno.EFAULT);
    }

    /// <summary>x86's access_ok: the range [address, address + size) lies in the user half without wrapping.</summary>
    private static bool AccessOk(ulong address, ulong size) =>
        address + size >= address && address + size <= UserRange.TaskSize + PageGeometry.PageSize;
}

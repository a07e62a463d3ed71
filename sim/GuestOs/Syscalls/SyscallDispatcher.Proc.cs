using HvSim.GuestOs.Files;
using HvSim.GuestOs.Kernel;
using HvSim.GuestOs.Linux;

namespace HvSim.GuestOs.Syscalls;

/// <summary>/proc/self/clear_refs and /proc/self/pagemap (fs/proc/task_mmu.c), the soft-dirty interface.</summary>
internal sealed partial class SyscallDispatcher
{
    /// <summary>Bytes per pagemap entry (PM_ENTRY_BYTES).</summary>
    private const int PagemapEntryBytes = 8;

    /// <summary>clear_refs_write's CLEAR_REFS_SOFT_DIRTY.</summary>
    private const int ClearRefsSoftDirty = 4;

    /// <summary>The proc file <paramref name="components"/> names for this process (/proc/self/... or /proc/PID/...), or null.</summary>
    private static ProcSelfKind? ProcSelf(Process process, IReadOnlyList<string> components)
    {
        if (components.Count != 3 || components[0] != "proc"
            || (components[1] != "self" && components[1] != process.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            return null;
        }
        return components[2] switch
        {
            "clear_refs" => ProcSelfKind.ClearRefs,
            "pagemap" => ProcSelfKind.Pagemap,
            _ => null,
        };
    }

    /// <summary>open of a proc file: clear_refs is write-only (mode 0200), pagemap read-only (0400).</summary>
    private static long OpenProcSelf(Process process, ProcSelfKind kind, IReadOnlyList<string> components, int flags)
    {
        int access = flags & FileConstants.O_ACCMODE;
        bool allowed = kind == ProcSelfKind.ClearRefs ? access == FileConstants.O_WRONLY : access == FileConstants.O_RDONLY;
        if (!allowed)
        {
            return Error(Errno.EACCES);
        }
        var file = new ProcSelfFile(kind, components, flags & ~FileConstants.O_CLOEXEC);
        long fd = process.Files.Install(file, (flags & FileConstants.O_CLOEXEC) != 0);
        if (fd < 0)
        {
            file.Release();
        }
        return fd;
    }

    /// <summary>
    /// pagemap_read: the offset and the count must be multiples of 8 (EINVAL); entry i of the read
    /// is the page at (offset / 8 + i) * 4096. Reads past the user address space end early.
    /// </summary>
    private long ReadPagemap(Process process, ProcSelfFile file, ulong buffer, ulong count, long? at)
    {
        long start = at ?? file.Offset;
        if (start % PagemapEntryBytes != 0 || count % PagemapEntryBytes != 0)
        {
            return Error(Errno.EINVAL);
        }
        ulong firstPage = (ulong)start / PagemapEntryBytes;
        ulong pages = Math.Min(count / PagemapEntryBytes, (ulong)(FileConstants.MaxRwCount / PagemapEntryBytes));
        ulong userPages = HvSim.Core.UserRange.TaskSize >> 12;
        pages = firstPage >= userPages ? 0 : Math.Min(pages, userPages - firstPage);
        byte[] chunk = CopyBuffer;
        ulong done = 0;
        while (done < pages)
        {
            int n = (int)Math.Min(pages - done, (ulong)(chunk.Length / PagemapEntryBytes));
            for (int i = 0; i < n; i++)
            {
                ulong page = (firstPage + done + (ulong)i) << 12;
                BitConverter.TryWriteBytes(chunk.AsSpan(i * PagemapEntryBytes, PagemapEntryBytes), process.Space.PagemapEntry(page));
            }
            // One kernel PteScan per entry (priced PteScan@kernel@*, as PAGEMAP_SCAN's PTEs are).
            _kernel.Ledger.Add(HvSim.Core.EventKind.PteScan, HvSim.Core.Layer.Kernel, n, !_kernel.Ledger.IsTracing ? null
                : new HvSim.Core.TraceData("pagemap read: {count} entries from {address}") { Count = n, Address = (firstPage + done) << 12 });
            if (!User.CopyTo(process.Space, buffer + (done * PagemapEntryBytes), chunk.AsSpan(0, n * PagemapEntryBytes)))
            {
                return done == 0 ? Error(Errno.EFAULT) : (long)(done * PagemapEntryBytes);
            }
            done += (ulong)n;
        }
        if (at is null)
        {
            file.Offset = start + (long)(done * PagemapEntryBytes);
        }
        return (long)(done * PagemapEntryBytes);
    }

    /// <summary>clear_refs_write: a decimal number (kstrtoint after trimming); 4 clears soft-dirty, 1-3 and 5 are accepted and do nothing here; else EINVAL.</summary>
    private long WriteClearRefs(Process process, ulong buffer, ulong count)
    {
        Span<byte> text = stackalloc byte[16];
        int n = (int)Math.Min(count, (ulong)text.Length - 1);
        if (!User.CopyFrom(process.Space, buffer, text[..n]))
        {
            return Error(Errno.EFAULT);
        }
        string value = System.Text.Encoding.ASCII.GetString(text[..n]).Trim();
        if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int type) || type < 1 || type > 5)
        {
            return Error(Errno.EINVAL);
        }
        if (type == ClearRefsSoftDirty)
        {
            process.Space.ClearSoftDirty();
        }
        return (long)count;
    }
}

using HvSim.GuestOs.Files;
using HvSim.GuestOs.Kernel;
using HvSim.GuestOs.Linux;
using HvSim.GuestOs.Linux.Structs;

namespace HvSim.GuestOs.Syscalls;

/// <summary>
/// The calls on descriptors from 3 up, the files opened under --mount: read, write, pread64,
/// pwrite64, lseek, fstat, getdents64, fcntl, dup, close and close_range. Each moves at most
/// MAX_RW_COUNT bytes, through a buffer of at most <see cref="CopyChunk"/>, so one call's host
/// cost is bounded whatever the file's size.
/// </summary>
internal sealed partial class SyscallDispatcher
{
    private const int SeekSet = 0, SeekCur = 1, SeekEnd = 2;
    private const int CloseRangeUnshare = 2, CloseRangeCloexec = 4;

    /// <summary>Whether <paramref name="fd"/> is a standard stream still (dup2 may have put a file there).</summary>
    private static bool IsStandard(Process process, int fd) => fd is >= 0 and <= 2 && process.Files.Get(fd) is null;

    /// <summary>read or pread64 (<paramref name="at"/> set) on a mounted file.</summary>
    private long ReadFile(Process process, int fd, ulong buffer, ulong count, long? at)
    {
        switch (process.Files.Get(fd))
        {
            case null:
                return Error(Errno.EBADF);
            case HostDirectory:
                return Error(Errno.EISDIR);
            case ProcSelfFile { Kind: ProcSelfKind.Pagemap } pagemap:
                return ReadPagemap(process, pagemap, buffer, count, at);
            case ProcSelfFile:
                return Error(Errno.EBADF); // clear_refs is write-only
            case UserfaultfdFile uffd:
                return ReadUserfaultfd(uffd, count);
            case HostFile { Readable: false }:
                return Error(Errno.EBADF);
            case HostFile file:
                count = Math.Min(count, FileConstants.MaxRwCount);
                long start = at ?? file.Offset;
                if (EndOverflows(start, count))
                {
                    return Error(Errno.EINVAL);
                }
                long done = 0;
                byte[] chunk = CopyBuffer;
                try
                {
                    while ((ulong)done < count)
                    {
                        int want = (int)Math.Min(count - (ulong)done, (ulong)chunk.Length);
                        int n = RandomAccess.Read(file.Handle, chunk.AsSpan(0, want), start + done);
                        if (n == 0)
                        {
                            break;
                        }
                        if (!User.CopyTo(process.Space, buffer + (ulong)done, chunk.AsSpan(0, n)))
                        {
                            if (done == 0)
                            {
                                return Error(Errno.EFAULT);
                            }
                            break;
                        }
                        done += n;
                    }
                }
                catch (IOException e) when (done == 0)
                {
                    return Error(HostErrors.From(e));
                }
                if (at is null)
                {
                    file.Offset = start + done;
                }
                return done;
            default:
                return Error(Errno.EBADF);
        }
    }

    /// <summary>write or pwrite64 (<paramref name="at"/> set) on a mounted file.</summary>
    private long WriteFile(Process process, int fd, ulong buffer, ulong count, long? at)
    {
        if (process.Files.Get(fd) is ProcSelfFile proc)
        {
            return proc.Kind == ProcSelfKind.ClearRefs ? WriteClearRefs(process, buffer, count) : Error(Errno.EBADF);
        }
        if (process.Files.Get(fd) is not HostFile { Writable: true } file)
        {
            return Error(Errno.EBADF); // not open, a directory, or opened read-only
        }
        count = Math.Min(count, FileConstants.MaxRwCount);
        long written = 0; // what reached the file, for a host error part way
        try
        {
            long start = at ?? (file.Appends ? file.Length : file.Offset);
            if (EndOverflows(start, count))
            {
                return Error(Errno.EINVAL);
            }
            long done = TransferFromUser(process, buffer, count, (chunk, n, offset) =>
            {
                RandomAccess.Write(file.Handle, chunk.AsSpan(0, n), start + offset);
                written = offset + n;
            });
            if (done >= 0 && at is null)
            {
                file.Offset = start + done;
            }
            return done;
        }
        catch (IOException e)
        {
            return written > 0 ? written : Error(HostErrors.From(e));
        }
    }

    /// <summary>rw_verify_area: a transfer whose end would pass the largest offset is EINVAL.</summary>
    private static bool EndOverflows(long start, ulong count) => (ulong)(long.MaxValue - start) < count;

    private long Pread64(Process process, int fd, ulong buffer, ulong count, long offset)
    {
        if (IsStandard(process, fd))
        {
            return Error(Errno.ESPIPE);
        }
        return offset < 0 ? Error(Errno.EINVAL) : ReadFile(process, fd, buffer, count, offset);
    }

    private long Pwrite64(Process process, int fd, ulong buffer, ulong count, long offset)
    {
        if (IsStandard(process, fd))
        {
            return Error(Errno.ESPIPE);
        }
        return offset < 0 ? Error(Errno.EINVAL) : WriteFile(process, fd, buffer, count, offset);
    }

    private static long Lseek(Process process, int fd, long offset, int whence)
    {
        if (IsStandard(process, fd))
        {
            return Error(Errno.ESPIPE);
        }
        OpenFile? file = process.Files.Get(fd);
        if (file is null)
        {
            return Error(Errno.EBADF);
        }
        long? target = whence switch
        {
            SeekSet => offset,
            SeekCur => file.Offset + offset,
            SeekEnd when file is HostFile host => host.Length + offset,
            _ => null,
        };
        if (target is not long position || position < 0)
        {
            return Error(Errno.EINVAL);
        }
        file.Offset = position;
        return position;
    }

    private long FstatFile(Process process, int fd, ulong statAddress)
    {
        OpenFile? file = process.Files.Get(fd);
        if (file is null)
        {
            return Error(Errno.EBADF);
        }
        long? size = file is HostFile host ? host.Length : null;
        return CopyStat(process, FileStatus.Of(file.Path.Node, FileSystem.Mounts.IndexOf(file.Path.Mount), size), statAddress);
    }

    /// <summary>getdents64: as many whole entries as fit, from the directory's position; 0 at the end.</summary>
    private long Getdents64(Process process, int fd, ulong buffer, ulong count)
    {
        OpenFile? file = process.Files.Get(fd);
        if (file is null && !IsStandard(process, fd))
        {
            return Error(Errno.EBADF);
        }
        if (file is not HostDirectory directory)
        {
            return Error(Errno.ENOTDIR);
        }
        IReadOnlyList<DirectoryEntry> entries;
        try
        {
            entries = directory.Entries;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Error(HostErrors.From(e));
        }
        int limit = (int)Math.Min(count, CopyChunk);
        byte[] records = new byte[limit];
        int used = 0;
        int index = (int)Math.Min(directory.Offset, entries.Count);
        for (; index < entries.Count; index++)
        {
            DirectoryEntry entry = entries[index];
            int length = LinuxDirent64.RecordLength(entry.NameBytes.Length);
            if (used + length > limit)
            {
                break;
            }
            LinuxDirent64.Write(records.AsSpan(used), entry.Inode, index + 1, entry.Type, entry.NameBytes);
            used += length;
        }
        if (used == 0 && index < entries.Count)
        {
            return Error(Errno.EINVAL); // the buffer cannot hold the next entry
        }
        if (!User.CopyTo(process.Space, buffer, records.AsSpan(0, used)))
        {
            return Error(Errno.EFAULT);
        }
        directory.Offset = index;
        return used;
    }

    /// <summary>fcntl on a mounted file: flags, FD_CLOEXEC and duplication.</summary>
    private static long FcntlFile(Process process, int fd, int command, ulong argument)
    {
        OpenFile? file = process.Files.Get(fd);
        if (file is null)
        {
            return Error(Errno.EBADF);
        }
        const int settable = FileConstants.O_APPEND | FileConstants.O_NONBLOCK;
        switch (command)
        {
            case FileConstants.F_GETFL:
                return file.StatusFlags;
            case FileConstants.F_SETFL:
                file.StatusFlags = (file.StatusFlags & ~settable) | ((int)argument & settable);
                return 0;
            case FileConstants.F_GETFD:
                return process.Files.CloseOnExec(fd) ? FileConstants.FD_CLOEXEC : 0;
            case FileConstants.F_SETFD:
                process.Files.SetCloseOnExec(fd, (argument & FileConstants.FD_CLOEXEC) != 0);
                return 0;
            case FileConstants.F_DUPFD:
            case FileConstants.F_DUPFD_CLOEXEC:
                if (argument >= FileDescriptorTable.Limit)
                {
                    return Error(Errno.EINVAL);
                }
                return process.Files.Install(file.AddReference(), command == FileConstants.F_DUPFD_CLOEXEC, (int)argument);
            default:
                return Error(Errno.EINVAL);
        }
    }

    /// <summary>dup: the standard streams cannot be duplicated (they are not in the table).</summary>
    private static long Dup(Process process, int fd)
    {
        if (process.Files.Get(fd) is { } file)
        {
            return process.Files.Install(file.AddReference(), closeOnExec: false);
        }
        return IsStandard(process, fd) ? Error(Errno.EMFILE) : Error(Errno.EBADF);
    }

    /// <summary>
    /// dup2 and dup3: <paramref name="newFd"/> (closed first if open) refers to the same open file
    /// as <paramref name="oldFd"/>; busybox's "sort -o FILE" moves FILE onto stdout this way. A
    /// standard stream cannot be the source (it is not in the table).
    /// </summary>
    private static long Dup3(Process process, int oldFd, int newFd, int flags, bool isDup2)
    {
        if ((flags & ~FileConstants.O_CLOEXEC) != 0 || (!isDup2 && oldFd == newFd))
        {
            return Error(Errno.EINVAL);
        }
        OpenFile? file = process.Files.Get(oldFd);
        if (file is null)
        {
            return IsStandard(process, oldFd) ? (isDup2 && oldFd == newFd ? newFd : Error(Errno.EMFILE)) : Error(Errno.EBADF);
        }
        if (newFd is < 0 or >= FileDescriptorTable.Limit)
        {
            return Error(Errno.EBADF);
        }
        if (oldFd == newFd)
        {
            return newFd;
        }
        process.Files.Close(newFd);
        return process.Files.Install(file.AddReference(), (flags & FileConstants.O_CLOEXEC) != 0, newFd, exactly: true);
    }

    /// <summary>close: on a standard stream a no-op (it stays open), unless dup2 put a file there.</summary>
    private static long Close(Process process, int fd) =>
        process.Files.Close(fd) || IsStandard(process, fd) ? 0 : Error(Errno.EBADF);

    /// <summary>close_range: the standard streams stay (closing them is a no-op, as close is).</summary>
    private static long CloseRange(Process process, uint first, uint last, int flags)
    {
        if (first > last || (flags & ~(CloseRangeUnshare | CloseRangeCloexec)) != 0)
        {
            return Error(Errno.EINVAL);
        }
        uint end = Math.Min(last, FileDescriptorTable.Limit - 1);
        for (uint fd = first; fd <= end; fd++)
        {
            if ((flags & CloseRangeCloexec) != 0)
            {
                process.Files.SetCloseOnExec((int)fd, true);
            }
            else
            {
                process.Files.Close((int)fd);
            }
        }
        return 0;
    }
}

using System.Buffers.Binary;
using HvSim.GuestOs.Kernel;
using HvSim.GuestOs.Linux;
using HvSim.GuestOs.Linux.Structs;

namespace HvSim.GuestOs.Syscalls;

internal sealed partial class SyscallDispatcher
{
    private const int CopyChunk = 64 * 1024;

    /// <summary>
    /// One buffer for the copies between user memory and a stream or host file: a call moves its
    /// bytes through it piece by piece, so no call allocates in proportion to its count (a writev
    /// of 1,024 vectors allocated 64 KiB per vector, a getrandom 1 MiB).
    /// </summary>
    private byte[] CopyBuffer => _copyBuffer ??= new byte[CopyChunk];

    private byte[]? _copyBuffer;
    private const ulong Tcgets = 0x5401;

    private Stream? Output(int fd) => fd switch
    {
        1 => _stdout,
        2 => _stderr,
        _ => null,
    };

    private long Write(Process process, int fd, ulong buffer, ulong count)
    {
        if (!IsStandard(process, fd))
        {
            return WriteFile(process, fd, buffer, count, at: null);
        }
        Stream? stream = Output(fd);
        if (stream is null)
        {
            return Error(Errno.EBADF);
        }
        long written = TransferFromUser(process, buffer, count, (chunk, n, _) => stream.Write(chunk, 0, n));
        stream.Flush();
        return written;
    }

    /// <summary>
    /// write(2)'s transfer, whatever the destination: up to <paramref name="count"/> bytes (cut to
    /// MAX_RW_COUNT) go from user memory to <paramref name="sink"/> through the copy buffer, piece
    /// by piece (the sink gets the buffer, the piece's length and its offset in the transfer). A
    /// piece that cannot be read ends the transfer: the bytes moved so far, or -EFAULT when none
    /// were, as Linux's write returns.
    /// </summary>
    private long TransferFromUser(Process process, ulong buffer, ulong count, Action<byte[], int, long> sink)
    {
        count = Math.Min(count, FileConstants.MaxRwCount);
        byte[] chunk = CopyBuffer;
        long done = 0;
        while ((ulong)done < count)
        {
            int n = (int)Math.Min(count - (ulong)done, CopyChunk);
            if (!User.CopyFrom(process.Space, buffer + (ulong)done, chunk.AsSpan(0, n)))
            {
                return done > 0 ? done : Error(Errno.EFAULT);
            }
            sink(chunk, n, done);
            done += n;
        }
        return done;
    }

    private long Writev(Process process, int fd, ulong iov, ulong count)
    {
        if (count > IoVec.MaxCount)
        {
            return Error(Errno.EINVAL);
        }
        long total = 0;
        Span<byte> entry = stackalloc byte[IoVec.Size];
        for (ulong i = 0; i < count; i++)
        {
            if (!User.CopyFrom(process.Space, iov + (i * IoVec.Size), entry))
            {
                return total > 0 ? total : Error(Errno.EFAULT);
            }
            IoVec vec = IoVec.ReadFrom(entry);
            if ((ulong)total >= FileConstants.MaxRwCount)
            {
                break; // the whole call moves at most MAX_RW_COUNT bytes
            }
            long n = Write(process, fd, vec.Base, Math.Min(vec.Length, FileConstants.MaxRwCount - (ulong)total));
            if (n < 0)
            {
                return total > 0 ? total : n;
            }
            total += n;
        }
        return total;
    }

    private long Read(Process process, int fd, ulong buffer, ulong count)
    {
        if (!IsStandard(process, fd))
        {
            return ReadFile(process, fd, buffer, count, at: null);
        }
        if (fd != 0)
        {
            return Error(Errno.EBADF);
        }
        byte[] chunk = new byte[(int)Math.Min(count, CopyChunk)];
        int n;
        if (_kernel.WallClock is WallClockLimit clock)
        {
            if (!clock.TryRead(_stdin, chunk, out n))
            {
                // Waited out the run's wall-clock limit: the run ends before the guest sees this.
                return Error(Errno.EINTR);
            }
        }
        else
        {
            n = _stdin.Read(chunk, 0, chunk.Length);
        }
        if (n > 0 && !User.CopyTo(process.Space, buffer, chunk.AsSpan(0, n)))
        {
            return Error(Errno.EFAULT);
        }
        return n;
    }

    /// <summary>
    /// Standard streams are pipes here and mounted files are files: neither is a terminal (so
    /// stdio buffers fully, as under a test harness). A userfaultfd takes its UFFDIO_* calls, and
    /// /proc/self/pagemap PAGEMAP_SCAN (any other request on it is EINVAL, as do_pagemap_cmd answers).
    /// </summary>
    private long Ioctl(Process process, int fd, ulong request, ulong argument)
    {
        switch (process.Files.Get(fd))
        {
            case Files.UserfaultfdFile uffd:
                return UserfaultfdIoctl(uffd.Context, (uint)request, argument);
            case Files.ProcSelfFile { Kind: Files.ProcSelfKind.Pagemap }:
                return (uint)request == PagemapScanAbi.Ioctl ? PagemapScanIoctl(process, argument) : Error(Errno.EINVAL);
            case null when !IsStandard(process, fd):
                return Error(Errno.EBADF);
        }
        return request == Tcgets ? Error(Errno.ENOTTY) : Error(Errno.EINVAL);
    }

    /// <summary>
    /// fcntl on the three standard descriptors: F_GETFL reports stdin read-only and stdout/stderr
    /// write-only, as for pipes; FD_CLOEXEC and status flags are accepted and forgotten (nothing
    /// is ever exec'd); duplication is refused (they are not in the fd table). Descriptors from 3
    /// up are the mounted files' (<see cref="FcntlFile"/>).
    /// </summary>
    private static long Fcntl(Process process, int fd, int command, ulong argument)
    {
        if (!IsStandard(process, fd))
        {
            return FcntlFile(process, fd, command, argument);
        }
        return command switch
        {
            FileConstants.F_GETFL => fd == 0 ? FileConstants.O_RDONLY : FileConstants.O_WRONLY,
            FileConstants.F_GETFD => 0,
            FileConstants.F_SETFD or FileConstants.F_SETFL => 0,
            FileConstants.F_DUPFD or FileConstants.F_DUPFD_CLOEXEC => Error(Errno.EMFILE),
            _ => Error(Errno.EINVAL),
        };
    }

    private long Fstat(Process process, int fd, ulong statAddress)
    {
        if (!IsStandard(process, fd))
        {
            return FstatFile(process, fd, statAddress);
        }
        var stat = new KernelStat
        {
            Device = 0x0C,
            Inode = (ulong)(100 + fd),
            LinkCount = 1,
            Mode = FileConstants.S_IFIFO | 0x180, // pipe, rw-------
            Uid = 1000,
            Gid = 1000,
            BlockSize = 4096,
        };
        byte[] bytes = new byte[KernelStat.Size];
        stat.WriteTo(bytes);
        return User.CopyTo(process.Space, statAddress, bytes) ? 0 : Error(Errno.EFAULT);
    }

    private long Readlink(Process process, ulong path, ulong buffer, ulong size)
    {
        string? name = User.ReadCString(process.Space, path);
        if (name is null)
        {
            return Error(Errno.EFAULT);
        }
        if (name != "/proc/self/exe")
        {
            return Error(Errno.ENOENT);
        }
        // The guest's working directory is "/" and the program is not under any mount: it is
        // seen there by its file name. The host's path (its directories, user names) is none of the
        // guest's business (issue 13).
        byte[] target = System.Text.Encoding.UTF8.GetBytes("/" + Path.GetFileName(process.ExecutablePath));
        int n = (int)Math.Min((ulong)target.Length, size); // readlink does not NUL-terminate
        return User.CopyTo(process.Space, buffer, target.AsSpan(0, n)) ? n : Error(Errno.EFAULT);
    }

    /// <summary>
    /// getcwd: there is no file system, so every process stays in the root directory. Returns the
    /// length including the NUL, as the system call (not the libc wrapper) does.
    /// </summary>
    private long Getcwd(Process process, ulong buffer, ulong size)
    {
        ReadOnlySpan<byte> root = "/\0"u8;
        if (size < (ulong)root.Length)
        {
            return Error(Errno.ERANGE);
        }
        return User.CopyTo(process.Space, buffer, root) ? root.Length : Error(Errno.EFAULT);
    }

    private static void WriteU64(Span<byte> destination, int offset, ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination[offset..], value);
    }
}

using HvSim.GuestOs.Files;
using HvSim.GuestOs.Kernel;
using HvSim.GuestOs.Linux;
using HvSim.GuestOs.Linux.Structs;

namespace HvSim.GuestOs.Syscalls;

/// <summary>
/// The calls that name a file by path (openat, newfstatat, faccessat, mkdirat, unlinkat and their
/// old forms): read the path from the guest, normalise it against dirfd (or the root, the
/// guest's working directory), and leave the rest to <see cref="GuestFileSystem"/>.
/// </summary>
internal sealed partial class SyscallDispatcher
{
    private const int AtRemoveDir = 0x200;

    private GuestFileSystem FileSystem => _kernel.FileSystem;

    /// <summary>
    /// The normalised components of the path at <paramref name="address"/>, relative paths taken
    /// from <paramref name="dirfd"/>; null with EFAULT, ENAMETOOLONG (PATH_MAX), ENOENT (empty),
    /// EBADF or ENOTDIR (a dirfd that is not an open directory).
    /// </summary>
    private List<string>? GuestPathAt(Process process, int dirfd, ulong address, out bool trailingSlash, out Errno error)
    {
        trailingSlash = false;
        string? path = ReadPath(process, address, out error);
        if (path is null)
        {
            return null;
        }
        IReadOnlyList<string> from = [];
        if (path.Length > 0 && path[0] != '/' && dirfd != FileConstants.AT_FDCWD)
        {
            OpenFile? directory = process.Files.Get(dirfd);
            if (directory is null && dirfd is < 0 or > 2)
            {
                error = Errno.EBADF;
                return null;
            }
            if (directory is not HostDirectory)
            {
                error = Errno.ENOTDIR;
                return null;
            }
            from = directory.Path.GuestComponents;
        }
        trailingSlash = path.EndsWith('/');
        return GuestPath.Normalise(from, path, out error);
    }

    /// <summary>A NUL-terminated path of fewer than PATH_MAX bytes (longer: ENAMETOOLONG, as Linux).</summary>
    private string? ReadPath(Process process, ulong address, out Errno error)
    {
        error = 0;
        byte[] bytes = new byte[GuestPath.MaxPathBytes];
        for (int i = 0; i < bytes.Length; i++)
        {
            if (!User.CopyFrom(process.Space, address + (ulong)i, bytes.AsSpan(i, 1)))
            {
                error = Errno.EFAULT;
                return null;
            }
            if (bytes[i] == 0)
            {
                return System.Text.Encoding.UTF8.GetString(bytes, 0, i);
            }
        }
        error = Errno.ENAMETOOLONG;
        return null;
    }

    private long Openat(Process process, int dirfd, ulong path, int flags, int mode)
    {
        if (GuestPathAt(process, dirfd, path, out bool trailingSlash, out Errno error) is not { } components)
        {
            return Error(error);
        }
        if (ProcSelf(process, components) is ProcSelfKind proc)
        {
            return OpenProcSelf(process, proc, components, flags);
        }
        return FileSystem.Open(process.Files, components, trailingSlash, flags, mode);
    }

    private long Newfstatat(Process process, int dirfd, ulong path, ulong statAddress, int flags)
    {
        string? name = ReadPath(process, path, out Errno error);
        if (name is null)
        {
            return Error(error);
        }
        if (name.Length == 0 && (flags & FileConstants.AT_EMPTY_PATH) != 0)
        {
            return Fstat(process, dirfd, statAddress);
        }
        if (GuestPathAt(process, dirfd, path, out _, out error) is not { } components)
        {
            return Error(error);
        }
        KernelStat? stat = FileSystem.Stat(components, (flags & FileConstants.AT_SYMLINK_NOFOLLOW) != 0, out error);
        return stat is { } found ? CopyStat(process, found, statAddress) : Error(error);
    }

    private long Faccessat(Process process, int dirfd, ulong path, int mode)
    {
        if (GuestPathAt(process, dirfd, path, out _, out Errno error) is not { } components)
        {
            return Error(error);
        }
        return FileSystem.Access(components, mode);
    }

    private long Mkdirat(Process process, int dirfd, ulong path, int mode)
    {
        if (GuestPathAt(process, dirfd, path, out _, out Errno error) is not { } components)
        {
            return Error(error);
        }
        return FileSystem.MakeDirectory(components, mode);
    }

    private long Unlinkat(Process process, int dirfd, ulong path, int flags)
    {
        if ((flags & ~AtRemoveDir) != 0)
        {
            return Error(Errno.EINVAL);
        }
        if (GuestPathAt(process, dirfd, path, out bool trailingSlash, out Errno error) is not { } components)
        {
            return Error(error);
        }
        bool directory = (flags & AtRemoveDir) != 0;
        if (!directory && trailingSlash)
        {
            // unlink("x/"): the slash asks for a directory, which unlink never removes.
            KernelStat? stat = FileSystem.Stat(components, noFollow: true, out error);
            return stat is not { } found ? Error(error)
                : (found.Mode & FileConstants.S_IFMT) == FileConstants.S_IFDIR ? Error(Errno.EISDIR) : Error(Errno.ENOTDIR);
        }
        return FileSystem.Remove(components, directory);
    }

    private long CopyStat(Process process, KernelStat stat, ulong statAddress)
    {
        byte[] bytes = new byte[KernelStat.Size];
        stat.WriteTo(bytes);
        return User.CopyTo(process.Space, statAddress, bytes) ? 0 : Error(Errno.EFAULT);
    }
}

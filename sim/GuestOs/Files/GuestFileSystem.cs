using HvSim.GuestOs.Linux;
using HvSim.GuestOs.Linux.Structs;
using Microsoft.Win32.SafeHandles;

namespace HvSim.GuestOs.Files;

/// <summary>
/// The path operations of the mounted directories (open, stat, access, mkdir, unlink, rmdir),
/// with Linux's errors. Results are a value ≥ 0 or -errno, as the system calls return them.
/// Guest paths arrive normalised (<see cref="GuestPath"/>); every host path comes from
/// <see cref="MountTable.Resolve"/>, so none lies outside a mount.
/// </summary>
public sealed class GuestFileSystem
{
    /// <summary>The guest's umask: files are created 0666 &amp; ~022, directories 0777 &amp; ~022.</summary>
    private const int Umask = 0x12; // 022

    /// <summary>Status flags an open file description keeps (F_GETFL): the rest only act at open.</summary>
    private const int KeptStatusFlags = FileConstants.O_ACCMODE | FileConstants.O_APPEND | FileConstants.O_NONBLOCK;

    private const int AccessWriteOk = 2, AccessReadOk = 4;

    public GuestFileSystem(MountTable mounts)
    {
        Mounts = mounts;
    }

    public MountTable Mounts { get; }

    /// <summary>openat: a new fd in <paramref name="files"/>, or -errno.</summary>
    public long Open(FileDescriptorTable files, IReadOnlyList<string> path, bool trailingSlash, int flags, int mode)
    {
        int access = flags & FileConstants.O_ACCMODE;
        if (access == FileConstants.O_ACCMODE)
        {
            return Fail(Errno.EINVAL);
        }
        if (Mounts.IsAncestorOfMount(path))
        {
            return Fail(Errno.EACCES); // mode 0111, owned by root: it cannot be opened for reading
        }
        if (Mounts.Resolve(path, out Errno error) is not { } resolved)
        {
            return Fail(error);
        }
        bool create = (flags & FileConstants.O_CREAT) != 0;
        bool wantsWrite = access != FileConstants.O_RDONLY;
        bool closeOnExec = (flags & FileConstants.O_CLOEXEC) != 0;
        int statusFlags = flags & KeptStatusFlags;
        try
        {
            switch (resolved.Node.Kind)
            {
                case HostNodeKind.Missing:
                    if (!create)
                    {
                        return Fail(Errno.ENOENT);
                    }
                    if (trailingSlash)
                    {
                        return Fail(Errno.EISDIR);
                    }
                    if (resolved.Mount.ReadOnly)
                    {
                        return Fail(Errno.EROFS);
                    }
                    return files.Install(Create(resolved, mode, statusFlags), closeOnExec);
                case HostNodeKind.Symlink:
                    return Fail(Errno.ELOOP);
                case HostNodeKind.Other:
                    // FIFOs, sockets and devices are not passed through: opening a FIFO would
                    // block the host, a device could be anything.
                    return Fail(Errno.EACCES);
                case HostNodeKind.Directory:
                    if (create && (flags & FileConstants.O_EXCL) != 0)
                    {
                        return Fail(Errno.EEXIST);
                    }
                    if (wantsWrite || create)
                    {
                        return Fail(Errno.EISDIR);
                    }
                    return files.Install(new HostDirectory(resolved, statusFlags), closeOnExec);
                default:
                    if (create && (flags & FileConstants.O_EXCL) != 0)
                    {
                        return Fail(Errno.EEXIST);
                    }
                    if ((flags & FileConstants.O_DIRECTORY) != 0 || trailingSlash)
                    {
                        return Fail(Errno.ENOTDIR);
                    }
                    bool truncate = (flags & FileConstants.O_TRUNC) != 0 && wantsWrite;
                    if ((wantsWrite || truncate) && resolved.Mount.ReadOnly)
                    {
                        return Fail(Errno.EROFS);
                    }
                    SafeFileHandle handle = File.OpenHandle(resolved.HostPath, FileMode.Open,
                        wantsWrite ? (access == FileConstants.O_WRONLY ? FileAccess.Write : FileAccess.ReadWrite) : FileAccess.Read,
                        FileShare.ReadWrite | FileShare.Delete);
                    if (truncate)
                    {
                        RandomAccess.SetLength(handle, 0);
                    }
                    return files.Install(new HostFile(resolved, statusFlags, handle), closeOnExec);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(HostErrors.From(e));
        }
    }

    private static HostFile Create(ResolvedPath resolved, int mode, int statusFlags)
    {
        // The host file is opened read-write whatever the guest asked for (.NET refuses to create
        // a file opened read-only); the guest's access mode is enforced on its fd.
        SafeFileHandle handle = File.OpenHandle(resolved.HostPath, FileMode.CreateNew, FileAccess.ReadWrite,
            FileShare.ReadWrite | FileShare.Delete);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(handle, (UnixFileMode)(mode & 0x1FF & ~Umask));
        }
        return new HostFile(resolved with { Node = HostNode.Probe(resolved.HostPath) }, statusFlags, handle);
    }

    /// <summary>stat (follow) or lstat (<paramref name="noFollow"/>) of a path.</summary>
    public KernelStat? Stat(IReadOnlyList<string> path, bool noFollow, out Errno error)
    {
        if (Mounts.IsAncestorOfMount(path))
        {
            error = 0;
            return FileStatus.OfMountAncestor(path);
        }
        if (Mounts.Resolve(path, out error) is not { } resolved)
        {
            return null;
        }
        switch (resolved.Node.Kind)
        {
            case HostNodeKind.Missing:
                error = Errno.ENOENT;
                return null;
            case HostNodeKind.Symlink when !noFollow:
                error = Errno.ELOOP; // never followed; lstat may still see the link itself
                return null;
            default:
                return FileStatus.Of(resolved.Node, Mounts.IndexOf(resolved.Mount));
        }
    }

    /// <summary>faccessat: the file exists, and W_OK is refused on a read-only mount.</summary>
    public long Access(IReadOnlyList<string> path, int mode)
    {
        if (Mounts.IsAncestorOfMount(path))
        {
            return (mode & (AccessWriteOk | AccessReadOk)) != 0 ? Fail(Errno.EACCES) : 0; // only X_OK and F_OK pass 0111
        }
        if (Mounts.Resolve(path, out Errno error) is not { } resolved)
        {
            return Fail(error);
        }
        return resolved.Node.Kind switch
        {
            HostNodeKind.Missing => Fail(Errno.ENOENT),
            HostNodeKind.Symlink => Fail(Errno.ELOOP),
            _ when (mode & AccessWriteOk) != 0 && resolved.Mount.ReadOnly => Fail(Errno.EROFS),
            _ => 0,
        };
    }

    public long MakeDirectory(IReadOnlyList<string> path, int mode)
    {
        if (Mounts.IsAncestorOfMount(path))
        {
            return Fail(Errno.EEXIST); // what mkdir -p expects of "/" and the directories above a mount
        }
        if (Mounts.Resolve(path, out Errno error) is not { } resolved)
        {
            return Fail(error);
        }
        if (resolved.Node.Kind != HostNodeKind.Missing)
        {
            return Fail(Errno.EEXIST);
        }
        if (resolved.Mount.ReadOnly)
        {
            return Fail(Errno.EROFS);
        }
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(resolved.HostPath);
            }
            else
            {
                Directory.CreateDirectory(resolved.HostPath, (UnixFileMode)(mode & 0x1FF & ~Umask));
            }
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(HostErrors.From(e));
        }
    }

    /// <summary>unlink (a file or a symbolic link itself, never its target) or rmdir (an empty directory).</summary>
    public long Remove(IReadOnlyList<string> path, bool directory)
    {
        if (Mounts.IsAncestorOfMount(path))
        {
            return Fail(directory ? Errno.EBUSY : Errno.EISDIR); // it holds mount points
        }
        if (Mounts.Resolve(path, out Errno error) is not { } resolved)
        {
            return Fail(error);
        }
        HostNodeKind kind = resolved.Node.Kind;
        if (kind == HostNodeKind.Missing)
        {
            return Fail(Errno.ENOENT);
        }
        if (directory && kind != HostNodeKind.Directory)
        {
            return Fail(Errno.ENOTDIR);
        }
        if (!directory && kind == HostNodeKind.Directory)
        {
            return Fail(Errno.EISDIR);
        }
        if (resolved.IsMountRoot)
        {
            return Fail(Errno.EBUSY);
        }
        if (resolved.Mount.ReadOnly)
        {
            return Fail(Errno.EROFS);
        }
        try
        {
            if (directory)
            {
                if (Directory.EnumerateFileSystemEntries(resolved.HostPath).Any())
                {
                    return Fail(Errno.ENOTEMPTY);
                }
                Directory.Delete(resolved.HostPath);
            }
            else
            {
                File.Delete(resolved.HostPath);
            }
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(HostErrors.From(e));
        }
    }

    private static long Fail(Errno errno) => -(long)errno;
}

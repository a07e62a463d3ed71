using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace HvSim.GuestOs.Files;

/// <summary>What a host path names, as far as a mount cares.</summary>
public enum HostNodeKind
{
    Missing,
    Regular,
    Directory,
    /// <summary>A symbolic link: never followed (a link may point anywhere on the host).</summary>
    Symlink,
    /// <summary>A FIFO, socket or device: refused (a FIFO would block the host's open, a device never ends).</summary>
    Other,
}

/// <summary>
/// One host path's type, size, permissions and identity, read with lstat semantics (a symbolic
/// link is reported, not followed). .NET has no portable way to tell a FIFO or a device from a
/// regular file, so this calls statx(2), whose struct layout is the same on every Linux
/// architecture (unlike struct stat).
/// </summary>
public readonly record struct HostNode(HostNodeKind Kind, long Size, uint Mode, ulong Inode, ulong LinkCount)
{
    private const int AtFdcwd = -100;
    private const int AtSymlinkNofollow = 0x100;
    private const uint StatxBasicStats = 0x7FF;
    private const int StatxBufferSize = 256;
    private const int StxNlinkOffset = 0x10;
    private const int StxModeOffset = 0x1C;
    private const int StxInoOffset = 0x20;
    private const int StxSizeOffset = 0x28;
    private const int Enoent = 2, Eacces = 13, Enotdir = 20;

    public static HostNode Missing => new(HostNodeKind.Missing, 0, 0, 0, 0);

    /// <summary>
    /// lstat of <paramref name="hostPath"/>. A path that does not exist (or runs through a
    /// non-directory) is <see cref="HostNodeKind.Missing"/>; other failures (EACCES on the way)
    /// throw <see cref="UnauthorizedAccessException"/> or <see cref="IOException"/>.
    /// </summary>
    public static HostNode Probe(string hostPath)
    {
        byte[] buffer = new byte[StatxBufferSize];
        if (Statx(AtFdcwd, hostPath, AtSymlinkNofollow, StatxBasicStats, buffer) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is Enoent or Enotdir)
            {
                return Missing;
            }
            if (errno == Eacces)
            {
                throw new UnauthorizedAccessException(hostPath);
            }
            throw new IOException($"statx failed (errno {errno})", errno);
        }
        uint mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(StxModeOffset));
        HostNodeKind kind = (mode & 0xF000) switch
        {
            0x8000 => HostNodeKind.Regular,
            0x4000 => HostNodeKind.Directory,
            0xA000 => HostNodeKind.Symlink,
            _ => HostNodeKind.Other,
        };
        return new HostNode(
            kind,
            BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(StxSizeOffset)),
            mode,
            BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(StxInoOffset)),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(StxNlinkOffset)));
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}

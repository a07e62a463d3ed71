using HvSim.GuestOs.Linux.Structs;

namespace HvSim.GuestOs.Files;

/// <summary>struct stat for a file under a mount.</summary>
public static class FileStatus
{
    /// <summary>
    /// Every mounted file's atime, mtime and ctime: 2000-01-01T00:00:00Z. The host's times would
    /// make a run's output depend on when its inputs were written (ls -l, tar, make), so the
    /// guest sees a fixed epoch and runs stay deterministic.
    /// </summary>
    public const long FixedEpochSeconds = 946_684_800;

    /// <summary>st_dev of the first mount (major 0, as for a virtual file system); later mounts count up.</summary>
    private const ulong FirstDevice = 0x30;

    /// <summary>
    /// A directory that only leads to mounts (<see cref="MountTable.IsAncestorOfMount"/>): root's,
    /// mode 0111 (it can be passed through, not listed or written), on a device of its own, with
    /// an inode number derived from the path so that two of them differ.
    /// </summary>
    public static KernelStat OfMountAncestor(IReadOnlyList<string> components)
    {
        var epoch = new Timespec(FixedEpochSeconds, 0);
        ulong inode = 14695981039346656037UL;
        foreach (char c in "/" + string.Join('/', components))
        {
            inode = (inode ^ c) * 1099511628211UL;
        }
        return new KernelStat
        {
            Device = FirstDevice - 1,
            Inode = inode,
            LinkCount = 2,
            Mode = Linux.FileConstants.S_IFDIR | 0x49, // 0111
            BlockSize = 4096,
            AccessTime = epoch,
            ModificationTime = epoch,
            StatusChangeTime = epoch,
        };
    }

    public static KernelStat Of(HostNode node, int mountIndex, long? currentSize = null)
    {
        long size = currentSize ?? node.Size;
        var epoch = new Timespec(FixedEpochSeconds, 0);
        return new KernelStat
        {
            Device = FirstDevice + (ulong)mountIndex,
            Inode = node.Inode,
            LinkCount = node.LinkCount,
            Mode = node.Mode,
            Uid = 1000,
            Gid = 1000,
            FileSize = size,
            BlockSize = 4096,
            Blocks = (size + 4095) / 4096 * 8, // whole 4 KiB blocks, in 512-byte units
            AccessTime = epoch,
            ModificationTime = epoch,
            StatusChangeTime = epoch,
        };
    }
}

namespace HvSim.GuestOs.Linux;

/// <summary>
/// File-related constants a guest kernel needs to answer stat, open and fcntl
/// (linux/stat.h, asm-generic/fcntl.h, linux/fcntl.h). Octal in C; written here in hex.
/// </summary>
public static class FileConstants
{
    /// <summary>
    /// MAX_RW_COUNT (linux/fs.h, INT_MAX &amp; PAGE_MASK): the most one read, write or writev moves;
    /// a larger count is cut to it (rw_verify_area), so one call's work is bounded.
    /// </summary>
    public const ulong MaxRwCount = 0x7FFF_F000;

    // st_mode file types.
    public const uint S_IFMT = 0xF000;
    public const uint S_IFSOCK = 0xC000;
    public const uint S_IFLNK = 0xA000;
    public const uint S_IFREG = 0x8000;
    public const uint S_IFBLK = 0x6000;
    public const uint S_IFDIR = 0x4000;
    public const uint S_IFCHR = 0x2000;
    public const uint S_IFIFO = 0x1000;

    // open flags.
    public const int O_ACCMODE = 0x3;
    public const int O_RDONLY = 0x0;
    public const int O_WRONLY = 0x1;
    public const int O_RDWR = 0x2;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_NOCTTY = 0x100;
    public const int O_TRUNC = 0x200;
    public const int O_APPEND = 0x400;
    public const int O_NONBLOCK = 0x800;
    public const int O_DIRECTORY = 0x1_0000;
    public const int O_NOFOLLOW = 0x2_0000;
    public const int O_CLOEXEC = 0x8_0000;

    // *at() calls.
    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_EMPTY_PATH = 0x1000;

    // fcntl commands.
    public const int F_DUPFD = 0;
    public const int F_GETFD = 1;
    public const int F_SETFD = 2;
    public const int F_GETFL = 3;
    public const int F_SETFL = 4;
    public const int F_DUPFD_CLOEXEC = 1030;
    public const int FD_CLOEXEC = 1;
}

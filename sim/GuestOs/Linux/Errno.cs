namespace HvSim.GuestOs.Linux;

/// <summary>
/// Linux error numbers (asm-generic/errno-base.h and errno.h). Members carry the C macro names
/// so that reports read like strace output. A system call fails by returning the negated value
/// in rax; see <see cref="ErrnoExtensions.AsSyscallResult"/>.
/// </summary>
public enum Errno
{
    EPERM = 1,
    ENOENT = 2,
    ESRCH = 3,
    EINTR = 4,
    EIO = 5,
    ENXIO = 6,
    E2BIG = 7,
    ENOEXEC = 8,
    EBADF = 9,
    ECHILD = 10,
    EAGAIN = 11,
    ENOMEM = 12,
    EACCES = 13,
    EFAULT = 14,
    ENOTBLK = 15,
    EBUSY = 16,
    EEXIST = 17,
    EXDEV = 18,
    ENODEV = 19,
    ENOTDIR = 20,
    EISDIR = 21,
    EINVAL = 22,
    ENFILE = 23,
    EMFILE = 24,
    ENOTTY = 25,
    ETXTBSY = 26,
    EFBIG = 27,
    ENOSPC = 28,
    ESPIPE = 29,
    EROFS = 30,
    EMLINK = 31,
    EPIPE = 32,
    EDOM = 33,
    ERANGE = 34,
    EDEADLK = 35,
    ENAMETOOLONG = 36,
    ENOLCK = 37,
    ENOSYS = 38,
    ENOTEMPTY = 39,
    ELOOP = 40,
    ENODATA = 61,
    EOVERFLOW = 75,
    ENOTSOCK = 88,
    EOPNOTSUPP = 95,
    EAFNOSUPPORT = 97,
    ETIMEDOUT = 110,
}

public static class ErrnoExtensions
{
    /// <summary>The raw rax value of a system call failing with <paramref name="errno"/>: -errno.</summary>
    public static ulong AsSyscallResult(this Errno errno) => unchecked((ulong)-(long)errno);

    /// <summary>
    /// Whether a raw rax value is an error return. As in the kernel (IS_ERR_VALUE), only
    /// -4095..-1 are errors; larger "negative" values are valid results such as high addresses.
    /// </summary>
    public static bool IsSyscallError(ulong rax) => rax >= unchecked((ulong)-4095L);
}

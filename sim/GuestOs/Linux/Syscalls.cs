using System.Text;

namespace HvSim.GuestOs.Linux;

/// <summary>
/// x86-64 Linux system call numbers (the value in rax at <c>syscall</c>), checked against
/// /usr/include/x86_64-linux-gnu/asm/unistd_64.h. Member names are the kernel names in
/// PascalCase; <see cref="SyscallNumberExtensions.LinuxName"/> gives the kernel spelling.
/// </summary>
public enum SyscallNumber
{
    Read = 0,
    Write = 1,
    Open = 2,
    Close = 3,
    Stat = 4,
    Fstat = 5,
    Lstat = 6,
    Poll = 7,
    Lseek = 8,
    Mmap = 9,
    Mprotect = 10,
    Munmap = 11,
    Brk = 12,
    RtSigaction = 13,
    RtSigprocmask = 14,
    RtSigreturn = 15,
    Ioctl = 16,
    Pread64 = 17,
    Pwrite64 = 18,
    Readv = 19,
    Writev = 20,
    Access = 21,
    Pipe = 22,
    Select = 23,
    SchedYield = 24,
    Mremap = 25,
    Msync = 26,
    Mincore = 27,
    Madvise = 28,
    Dup = 32,
    Dup2 = 33,
    Nanosleep = 35,
    Getpid = 39,
    Clone = 56,
    Fork = 57,
    Vfork = 58,
    Execve = 59,
    Exit = 60,
    Wait4 = 61,
    Kill = 62,
    Uname = 63,
    Fcntl = 72,
    Ftruncate = 77,
    Getcwd = 79,
    Chdir = 80,
    Rename = 82,
    Mkdir = 83,
    Rmdir = 84,
    Unlink = 87,
    Readlink = 89,
    Gettimeofday = 96,
    Getrlimit = 97,
    Sysinfo = 99,
    Times = 100,
    Getuid = 102,
    Getgid = 104,
    Geteuid = 107,
    Getegid = 108,
    Getppid = 110,
    RtSigpending = 127,
    Sigaltstack = 131,
    Prctl = 157,
    ArchPrctl = 158,
    Gettid = 186,
    Tkill = 200,
    Time = 201,
    Futex = 202,
    SchedGetaffinity = 204,
    Getdents64 = 217,
    SetTidAddress = 218,
    ClockGettime = 228,
    ClockGetres = 229,
    ClockNanosleep = 230,
    ExitGroup = 231,
    Tgkill = 234,
    Openat = 257,
    Mkdirat = 258,
    Newfstatat = 262,
    Unlinkat = 263,
    Readlinkat = 267,
    Faccessat = 269,
    SetRobustList = 273,
    GetRobustList = 274,
    Dup3 = 292,
    Pipe2 = 293,
    Prlimit64 = 302,
    Getrandom = 318,
    MemfdCreate = 319,
    Userfaultfd = 323,
    Statx = 332,
    Rseq = 334,
    CloseRange = 436,
    Faccessat2 = 439,
}

public static class SyscallNumberExtensions
{
    /// <summary>
    /// The kernel's name for a system call ("exit_group", "pread64"), for traces and reports;
    /// "syscall_N" for a number without a member.
    /// </summary>
    public static string LinuxName(this SyscallNumber number)
    {
        if (!Enum.IsDefined(number))
        {
            return $"syscall_{(int)number}";
        }

        // PascalCase back to the kernel's snake_case: a capital letter starts a new word; digits
        // stay attached (Pread64 -> pread64, Prlimit64 -> prlimit64).
        string pascal = number.ToString();
        var name = new StringBuilder(pascal.Length + 4);
        for (int i = 0; i < pascal.Length; i++)
        {
            char c = pascal[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    name.Append('_');
                }

                name.Append(char.ToLowerInvariant(c));
            }
            else
            {
                name.Append(c);
            }
        }

        return name.ToString();
    }
}

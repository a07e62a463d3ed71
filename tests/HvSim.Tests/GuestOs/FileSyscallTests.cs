namespace HvSim.Tests.GuestOsTests;

using HvSim.GuestOs.Kernel;
using static TinyElf.Code;

/// <summary>
/// fcntl on the standard descriptors and getcwd, which busybox needs: printf checks
/// fcntl(1, F_GETFL) before printing and gives up (status 1, no output) when it fails, as it
/// would with stdout closed; pwd prints getcwd's answer.
/// </summary>
public sealed class FileSyscallTests
{
    private const ulong Fcntl = 72, Getcwd = 79;

    private static KernelRun Run(TinyElf.Code code)
    {
        KernelRun run = KernelRun.Elf(TinyElf.Build(code.ToArray()), "tiny", [], 1_000_000);
        Assert.Equal(RunOutcome.Exited, run.Outcome);
        return run;
    }

    [Theory]
    [InlineData(0UL, 3UL, 0)]          // F_GETFL: O_RDONLY (a pipe's read end)
    [InlineData(1UL, 3UL, 1)]          // F_GETFL: O_WRONLY
    [InlineData(2UL, 3UL, 1)]
    [InlineData(1UL, 1UL, 0)]          // F_GETFD: no FD_CLOEXEC
    [InlineData(1UL, 2UL, 0)]          // F_SETFD accepted
    [InlineData(0UL, 4UL, 0)]          // F_SETFL accepted
    [InlineData(5UL, 3UL, 256 - 9)]    // EBADF: no such descriptor
    [InlineData(1UL, 0UL, 256 - 24)]   // F_DUPFD: EMFILE (no descriptor table to grow)
    [InlineData(1UL, 999UL, 256 - 22)] // unknown command: EINVAL
    public void FcntlOnStandardDescriptors(ulong fd, ulong command, int status)
    {
        // exit(fcntl(fd, command)): the low byte of the result, or of -errno.
        var code = new TinyElf.Code()
            .MovImm64(Rdi, fd).MovImm64(Rsi, command).MovImm64(Rdx, 0).MovImm64(Rax, Fcntl).Syscall()
            .MovFromRax(Rdi).ExitGroup();
        Assert.Equal(status, Run(code).ExitStatus);
    }

    [Theory]
    [InlineData(16UL, 2, "/\0")]    // the root directory; the system call returns the length with the NUL
    [InlineData(2UL, 2, "/\0")]
    [InlineData(1UL, 256 - 34, "")] // ERANGE: no room for "/" and its NUL
    public void GetcwdIsTheRootDirectory(ulong size, int status, string printed)
    {
        // rbx = getcwd(rsp - 64, size); write(1, rsp - 64, rbx > 0 ? rbx : 0); exit(rbx).
        var code = new TinyElf.Code()
            .Bytes(0x48, 0x89, 0xE7, 0x48, 0x83, 0xEF, 0x40) // mov rdi, rsp; sub rdi, 64
            .MovImm64(Rsi, size).MovImm64(Rax, Getcwd).Syscall()
            .Bytes(0x48, 0x89, 0xC3)                         // mov rbx, rax
            .Bytes(0x48, 0x89, 0xFE)                         // mov rsi, rdi
            .MovImm64(Rdi, 1).MovImm64(Rdx, 0)
            .Bytes(0x48, 0x85, 0xDB, 0x48, 0x0F, 0x4F, 0xD3) // test rbx, rbx; cmovg rdx, rbx
            .MovImm64(Rax, 1).Syscall()
            .Bytes(0x48, 0x89, 0xDF)                         // mov rdi, rbx
            .ExitGroup();
        KernelRun run = Run(code);
        Assert.Equal(status, run.ExitStatus);
        Assert.Equal(printed, run.Stdout);
    }
}

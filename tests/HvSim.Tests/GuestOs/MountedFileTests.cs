using System.Buffers.Binary;
using System.Text;
using HvSim.GuestOs.Files;
using static HvSim.Tests.GuestOsTests.FileScript;

namespace HvSim.Tests.GuestOsTests;

/// <summary>
/// Files under --mount (issue 14): the calls a program's input and output need, on a temporary
/// host tree, with Linux's results and errors; the read-only mount; and the descriptor table.
/// </summary>
public sealed class MountedFileTests : IDisposable
{
    internal const int Dup2 = 33, Dup3 = 292;
    internal const int Read = 0, Write = 1, Open = 2, Close = 3, Fstat = 5, Lseek = 8, Pread64 = 17, Pwrite64 = 18,
        Dup = 32, Fcntl = 72, Mkdir = 83, Rmdir = 84, Unlink = 87, Getdents64 = 217, Openat = 257, Mkdirat = 258,
        Newfstatat = 262, Unlinkat = 263, CloseRange = 436;
    internal const int ORdonly = 0, OWronly = 1, ORdwr = 2, OCreat = 0x40, OExcl = 0x80, OTrunc = 0x200,
        OAppend = 0x400, ODirectory = 0x1_0000, OCloexec = 0x8_0000, AtFdcwd = -100;
    internal const long EBADF = -9, ENOENT = -2, EEXIST = -17, ENOTDIR = -20, EISDIR = -21, EMFILE = -24,
        EROFS = -30, ENOTEMPTY = -39, ELOOP = -40, ENAMETOOLONG = -36, EBUSY = -16, ESPIPE = -29;

    private readonly MountFixture _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void ReadsAMountedFileAndClosesIt()
    {
        var s = new FileScript();
        int fd = s.Call(Open, "/data/in.txt", ORdonly);
        s.Call(Read, new Result(fd), new Buf(), new Imm(4096));
        s.Call(Read, new Result(fd), new Buf(100), new Imm(4096)); // at the end: 0
        s.Call(Close, new Result(fd));
        s.Call(Close, new Result(fd));                               // closed already
        (long[] r, byte[] buffer) = s.Run(_tree.Data);
        Assert.Equal([3, MountFixture.Input.Length, 0, 0, EBADF], r);
        Assert.Equal(MountFixture.Input, Encoding.UTF8.GetString(buffer, 0, MountFixture.Input.Length));
    }

    [Fact]
    public void WithoutAMountNothingIsReachable()
    {
        var s = new FileScript();
        s.Call(Open, "/data/in.txt", ORdonly);
        s.Call(Openat, AtFdcwd, _tree.Inside + "/in.txt", ORdonly); // the host path itself
        s.Call(Newfstatat, AtFdcwd, "/", new Buf(), 0);
        Assert.Equal([ENOENT, ENOENT, ENOENT], s.Run().Results);
    }

    /// <summary>
    /// "/" exists because /data is mounted below it: a directory one may pass through (mode 0111,
    /// root's) but not list, create in or remove — so mkdir -p /data/a/b walks it as on Linux.
    /// </summary>
    [Fact]
    public void TheDirectoriesAboveAMountExistButCannotBeChanged()
    {
        const int StModeOffset = 24, EACCES = -13;
        var s = new FileScript();
        s.Call(Newfstatat, AtFdcwd, "/", new Buf(), 0);
        s.Call(Mkdir, "/", 0x1ED);
        s.Call(Open, "/", ORdonly | ODirectory);
        s.Call(Rmdir, "/");
        s.Call(Unlink, "/");
        s.Call(Mkdir, "/data", 0x1ED);                          // the mount root: EEXIST from the host
        s.Call(Mkdir, "/data/made", 0x1ED);
        s.Call(Newfstatat, AtFdcwd, "/elsewhere", new Buf(512), 0); // beside the mount: nothing
        (long[] r, byte[] buffer) = s.Run(_tree.Data);
        Assert.Equal([0, EEXIST, EACCES, EBUSY, EISDIR, EEXIST, 0, ENOENT], r);
        Assert.Equal(0x4000u | 0x49u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(StModeOffset)));
    }

    /// <summary>Each way out of /data that a path could try, and the error Linux would give for it here.</summary>
    [Theory]
    [InlineData("/data/../outside/secret", ENOENT)]          // ".." stops at the guest's root, where nothing is mounted
    [InlineData("/data/../../../../../outside/secret", ENOENT)]
    [InlineData("data/../../outside/secret", ENOENT)]        // relative to the working directory "/"
    [InlineData("/data/sub/../../outside/secret", ENOENT)]
    [InlineData("/outside/secret", ENOENT)]
    [InlineData("/etc/passwd", ENOENT)]
    [InlineData("/data/secret-link", ELOOP)]                 // an absolute link out
    [InlineData("/data/relative-link", ELOOP)]               // a relative link out
    [InlineData("/data/outside-dir/secret", ELOOP)]          // a link as a parent directory
    [InlineData("/data/outside-dir/../in.txt", 3L)]          // lexical "..": the link is never looked at
    [InlineData("/data/sub/../in.txt", 3L)]                  // ".." inside the mount works
    [InlineData("/data/in.txt/../in.txt", 3L)]
    [InlineData("/data//./in.txt", 3L)]
    public void PathsCannotLeaveTheMount(string path, long expected)
    {
        var s = new FileScript();
        s.Call(Open, path, ORdonly);
        s.Call(Read, new Result(0), new Buf(), new Imm(4096));
        (long[] r, byte[] buffer) = s.Run(_tree.Data);
        Assert.Equal(expected, r[0]);
        Assert.DoesNotContain("secret", Encoding.UTF8.GetString(buffer));
    }

    [Fact]
    public void AMountAtTheRootCannotBeClimbedOutOf()
    {
        var s = new FileScript();
        s.Call(Open, "/../outside/secret", ORdonly);
        s.Call(Open, "/../../inside/in.txt", ORdonly); // "/.." is "/": this is /inside/in.txt, not there
        s.Call(Open, "/../in.txt", ORdonly);           // ... and this is /in.txt, which is
        Assert.Equal([ENOENT, ENOENT, 3], s.Run(new MountPoint(_tree.Inside, "/", ReadOnly: false)).Results);
    }

    [Fact]
    public void LongPathsAndNulBytesAreRefusedOrCut()
    {
        var s = new FileScript();
        s.Call(Open, "/data/" + new string('a', 256), ORdonly);                            // NAME_MAX is 255
        s.Call(Open, "/data/" + string.Concat(Enumerable.Repeat("sub/../", 600)) + "in.txt", ORdonly); // over PATH_MAX
        s.Call(Open, "/data/" + string.Concat(Enumerable.Repeat("sub/../", 580)) + "in.txt", ORdonly); // 4072 bytes: fine
        s.Call(Open, new Str(Encoding.UTF8.GetBytes("/data/x\0/../../outside/secret")), ORdonly); // the path ends at the NUL
        s.Call(Open, new Str(Encoding.UTF8.GetBytes("/data/in.txt\0/../../outside/secret")), ORdonly);
        Assert.Equal([ENAMETOOLONG, ENAMETOOLONG, 3, ENOENT, 4], s.Run(_tree.Data).Results);
    }

    [Fact]
    public void AReadOnlyMountRefusesEveryWrite()
    {
        var s = new FileScript();
        s.Call(Open, "/ro/keep.txt", OWronly);
        s.Call(Open, "/ro/keep.txt", ORdwr | OTrunc);
        s.Call(Open, "/ro/new.txt", OWronly | OCreat, 0x1A4);
        s.Call(Mkdir, "/ro/dir", 0x1ED);
        s.Call(Unlink, "/ro/keep.txt");
        s.Call(Open, "/ro/keep.txt", ORdonly | OCreat, 0x1A4); // exists: O_CREAT creates nothing, so allowed
        s.Call(Write, new Result(5), new Buf(), new Imm(4));     // read-only fd
        s.Call(Mkdir, "/ro/keep.txt", 0x1ED);                    // EEXIST comes before EROFS
        Assert.Equal([EROFS, EROFS, EROFS, EROFS, EROFS, 3, EBADF, EEXIST], s.Run(_tree.Ro).Results);
        Assert.Equal(MountFixture.Input, File.ReadAllText(Path.Combine(_tree.ReadOnly, "keep.txt")));
        Assert.Equal(["keep.txt"], Directory.GetFileSystemEntries(_tree.ReadOnly).Select(Path.GetFileName));
    }

    [Fact]
    public void CreatesWritesAppendsAndSeeks()
    {
        var s = new FileScript();
        int fd = s.Call(Openat, AtFdcwd, "/data/out.txt", OWronly | OCreat | OTrunc, 0x1A4);
        s.Call(Write, new Result(fd), "abcdef", 6);           // the string's address: its six bytes
        s.Call(Lseek, new Result(fd), 2, 0);                  // SEEK_SET 2
        s.Call(Write, new Result(fd), "XY", 2);
        s.Call(Pwrite64, new Result(fd), "Z", 1, 5);
        s.Call(Lseek, new Result(fd), 0, 2);                  // SEEK_END: the size
        s.Call(Read, new Result(fd), new Buf(), 1);           // write-only: EBADF
        s.Call(Close, new Result(fd));
        int app = s.Call(Open, "/data/out.txt", OWronly | OAppend);
        s.Call(Lseek, new Result(app), 0, 0);
        s.Call(Write, new Result(app), "+", 1);               // appended whatever the offset
        s.Call(Open, "/data/out.txt", OWronly | OCreat | OExcl, 0x1A4);
        s.Call(Open, "/data/out.txt", ORdonly | ODirectory);
        s.Call(Open, "/data/sub", OWronly);
        int dir = s.Call(Open, "/data/sub", ORdonly | ODirectory);
        s.Call(Read, new Result(dir), new Buf(), 1);
        int rd = s.Call(Open, "/data/out.txt", ORdonly);
        s.Call(Pread64, new Result(rd), new Buf(), 3, 4);
        s.Call(Lseek, 1, 0, 0);                              // a pipe
        s.Call(Open, "/data/nothing/new.txt", OWronly | OCreat, 0x1A4);
        s.Call(Pread64, new Result(rd), new Buf(), 3, long.MaxValue - 1); // the end would overflow: EINVAL
        s.Call(Pread64, new Result(rd), new Buf(), 3, -1);
        s.Call(Lseek, new Result(rd), 10, 0);
        s.Call(Lseek, new Result(rd), long.MaxValue, 1);                  // SEEK_CUR past the largest offset
        (long[] r, byte[] buffer) = s.Run(_tree.Data);
        Assert.Equal([3, 6, 2, 2, 1, 6, EBADF, 0, 3, 0, 1, EEXIST, ENOTDIR, EISDIR, 4, EISDIR, 5, 3, ESPIPE, ENOENT, -22, -22, 10, -22], r);
        Assert.Equal("abXYeZ+", File.ReadAllText(Path.Combine(_tree.Inside, "out.txt")));
        Assert.Equal("eZ+", Encoding.ASCII.GetString(buffer, 0, 3)); // pread at 4
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal((UnixFileMode)0x1A4, File.GetUnixFileMode(Path.Combine(_tree.Inside, "out.txt"))); // 0644 & ~022
        }
    }

    [Fact]
    public void FstatReportsTheHostFileWithAFixedEpoch()
    {
        var s = new FileScript();
        int fd = s.Call(Open, "/data/in.txt", ORdonly);
        s.Call(Fstat, new Result(fd), new Buf());
        s.Call(Newfstatat, AtFdcwd, "/data/sub", new Buf(144), 0);
        s.Call(Newfstatat, AtFdcwd, "/data/secret-link", new Buf(288), 0x100); // lstat: the link itself
        s.Call(Newfstatat, AtFdcwd, "/data/secret-link", new Buf(432), 0);     // stat would follow it
        s.Call(Fstat, 99, new Buf());
        (long[] r, byte[] b) = s.Run(_tree.Data);
        Assert.Equal([3, 0, 0, 0, ELOOP, EBADF], r);
        uint Mode(int at) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at + 24));
        long Field(int at, int offset) => BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(at + offset));
        Assert.Equal(0x8000u, Mode(0) & 0xF000);             // S_IFREG
        Assert.Equal(MountFixture.Input.Length, Field(0, 48)); // st_size
        Assert.Equal(4096, Field(0, 56));                      // st_blksize
        Assert.Equal(FileStatus.FixedEpochSeconds, Field(0, 88)); // st_mtime, whatever the host says
        Assert.Equal(FileStatus.FixedEpochSeconds, Field(0, 72));
        Assert.Equal(0x4000u, Mode(144) & 0xF000);           // S_IFDIR
        Assert.Equal(0xA000u, Mode(288) & 0xF000);           // S_IFLNK
    }

    [Fact]
    public void Getdents64ListsEntriesSortedByName()
    {
        foreach (string name in new[] { "b", "a", "C", "a.txt" })
        {
            File.WriteAllText(Path.Combine(_tree.Inside, "sub", name), name);
        }
        Directory.CreateDirectory(Path.Combine(_tree.Inside, "sub", "d"));
        var s = new FileScript();
        int dir = s.Call(Openat, AtFdcwd, "/data/sub", ORdonly | ODirectory | OCloexec);
        s.Call(Getdents64, new Result(dir), new Buf(), 4096);
        s.Call(Getdents64, new Result(dir), new Buf(2048), 4096); // the end: 0
        s.Call(Getdents64, 1, new Buf(), 4096);                    // not a directory
        int file = s.Call(Openat, new Result(dir), "a.txt", ORdonly); // relative to a dirfd
        s.Call(Getdents64, new Result(file), new Buf(), 4096);
        s.Call(Fcntl, new Result(dir), 1, 0);                      // F_GETFD: FD_CLOEXEC
        (long[] r, byte[] b) = s.Run(_tree.Data);
        Assert.Equal(3, r[0]);
        Assert.Equal([0, ENOTDIR, 4, ENOTDIR, 1], r[2..]);
        var names = new List<(string, byte)>();
        for (int at = 0; at < r[1];)
        {
            int length = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at + 16));
            string name = Encoding.UTF8.GetString(b, at + 19, Array.IndexOf(b, (byte)0, at + 19) - (at + 19));
            names.Add((name, b[at + 18]));
            at += length;
        }
        Assert.Equal([(".", 4), ("..", 4), ("C", 8), ("a", 8), ("a.txt", 8), ("b", 8), ("d", 4)], names);
    }

    [Fact]
    public void MakesAndRemovesDirectoriesAndFiles()
    {
        var s = new FileScript();
        s.Call(Mkdir, "/data/new", 0x1ED);
        s.Call(Mkdir, "/data/new", 0x1ED);
        s.Call(Mkdirat, AtFdcwd, "/data/new/inner", 0x1ED);
        s.Call(Rmdir, "/data/new");
        s.Call(Unlink, "/data/new/inner");
        s.Call(Unlinkat, AtFdcwd, "/data/new/inner", 0x200);
        s.Call(Unlinkat, AtFdcwd, "/data/new", 0x200);
        s.Call(Unlink, "/data/in.txt");
        s.Call(Unlink, "/data/in.txt");
        s.Call(Unlink, "/data/secret-link");  // the link, never its target
        s.Call(Unlinkat, AtFdcwd, "/data", 0x200);
        s.Call(Rmdir, "/data/sub/");
        s.Call(Mkdir, "/data/gone/x", 0x1ED);
        (long[] r, _) = s.Run(_tree.Data);
        Assert.Equal([0, EEXIST, 0, ENOTEMPTY, EISDIR, 0, 0, 0, ENOENT, 0, EBUSY, 0, ENOENT], r);
        Assert.Equal(["outside-dir", "relative-link"], Directory.GetFileSystemEntries(_tree.Inside).Select(Path.GetFileName).Order());
        Assert.Equal(MountFixture.Secret, File.ReadAllText(Path.Combine(_tree.Outside, "secret")));
    }

    [Fact]
    public void Dup2PutsAFileOnStdoutUntilItIsClosed()
    {
        var s = new FileScript();
        int fd = s.Call(Open, "/data/redirected.txt", OWronly | OCreat, 0x1A4);
        s.Call(Dup2, new Result(fd), 1);
        s.Call(Write, 1, "to the file", 11);
        s.Call(Fcntl, 1, 3, 0);                  // F_GETFL: the file's O_WRONLY
        s.Call(Close, 1);                        // stdout is the pipe again
        s.Call(Dup2, 0, 7);                      // a standard stream is not in the table
        s.Call(Dup3, new Result(fd), new Result(fd), 0);
        s.Call(Dup2, 99, 5);
        (long[] r, _) = s.Run(_tree.Data);
        Assert.Equal([3, 1, 11, 1, 0, EMFILE, -22, EBADF], r);
        Assert.Equal("to the file", File.ReadAllText(Path.Combine(_tree.Inside, "redirected.txt")));
    }

    [Fact]
    public void AFifoInTheMountIsRefusedWithoutBlocking()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", Path.Combine(_tree.Inside, "fifo")))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }
        var s = new FileScript();
        s.Call(Open, "/data/fifo", ORdonly); // opening it on the host would wait for a writer forever
        s.Call(Open, "/data/fifo", OWronly);
        Assert.Equal([-13L, -13L], s.Run(_tree.Data).Results);
    }

    [Fact]
    public void DescriptorsAreLowestFreeAndLimitedTo1024()
    {
        var s = new FileScript();
        int first = s.Call(Open, "/data/in.txt", ORdonly);
        s.Call(Open, "/data/in.txt", ORdonly);
        s.Call(Close, new Result(first));
        s.Call(Open, "/data/in.txt", ORdonly);     // 3 again
        s.Call(Dup, new Result(first));            // 5
        s.Call(Fcntl, new Result(first), 0, 10);   // F_DUPFD from 10
        s.Call(CloseRange, 5, 10, 0);
        for (int i = 0; i < 1021; i++)
        {
            s.Call(Open, "/data/in.txt", ORdonly); // 5..1023, then EMFILE
        }
        (long[] r, _) = s.Run(_tree.Data);
        Assert.Equal([3, 4, 0, 3, 5, 10, 0], r[..7]);
        Assert.Equal(Enumerable.Range(5, 1019).Select(i => (long)i), r[7..1026]);
        Assert.Equal([EMFILE, EMFILE], r[1026..]);
    }
}

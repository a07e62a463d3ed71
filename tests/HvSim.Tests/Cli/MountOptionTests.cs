using HvSim.Cli;
using HvSim.Tests.GuestOsTests;
using static Iced.Intel.AssemblerRegisters;

namespace HvSim.Tests.Cli;

/// <summary>hvsim exec --mount: what a good value gives the guest, and how a bad one is refused.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class MountOptionTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"hvsim-mount-cli-{Guid.NewGuid():N}");
    private readonly string _program;

    public MountOptionTests()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "in.txt"), "input\n");
        // exit(open("/files/in.txt", O_RDONLY)): 3 when the file is there, 256 - ENOENT when not.
        byte[] elf = OsCallGuest.Program(a =>
        {
            Iced.Intel.Label path = a.CreateLabel();
            a.lea(rdi, __[path]);
            a.xor(esi, esi);
            a.mov(eax, 2);
            a.syscall();
            OsCallGuest.ExitWithRax(a);
            a.Label(ref path);
            a.db("/files/in.txt\0"u8.ToArray());
        });
        _program = Path.Combine(_dir, "open-input");
        File.WriteAllBytes(_program, elf);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TheGuestOpensAFileOnlyUnderItsMount()
    {
        Assert.Equal(3, HvsimConsole.Run("exec", "--mount", $"{_dir}:/files:ro", _program).Status);
        Assert.Equal(3, HvsimConsole.Run("exec", "--mount", $"{_dir}/:/files/./", _program).Status);
        Assert.Equal(256 - 2, HvsimConsole.Run("exec", "--mount", $"{_dir}:/other", _program).Status);
        Assert.Equal(256 - 2, HvsimConsole.Run("exec", _program).Status);
    }

    [Theory]
    [InlineData("no-colon")]
    [InlineData(":/files")]
    [InlineData("DIR:")]
    [InlineData("DIR:relative")]
    [InlineData("DIR:/files:rw")]           // only ":ro" is a mode; this reads as a relative guest dir
    [InlineData("/nonexistent/hvsim-dir:/files")]
    [InlineData("DIR/in.txt:/files")]       // a file, not a directory
    public void ABadMountIsAOneLineUsageError(string value)
    {
        (int status, _, string stderr) = HvsimConsole.Run("exec", "--mount", value.Replace("DIR", _dir), _program);
        AssertUsageError(status, stderr);
    }

    [Fact]
    public void TheSameGuestDirectoryCannotBeMountedTwice()
    {
        (int status, _, string stderr) = HvsimConsole.Run("exec", "--mount", $"{_dir}:/files", "--mount", $"{_dir}:/files/", _program);
        AssertUsageError(status, stderr);
        Assert.Contains("already mounted", stderr);
    }

    [Fact]
    public void AMountWithoutAValueIsAUsageError()
    {
        (int status, _, string stderr) = HvsimConsole.Run("exec", "--mount");
        AssertUsageError(status, stderr);
    }

    private static void AssertUsageError(int status, string stderr)
    {
        Assert.Equal(Program.UsageError, status);
        string[] lines = stderr.TrimEnd('\n').Split('\n');
        Assert.True(lines.Length == 1, $"expected one line, got:\n{stderr}");
        Assert.StartsWith("hvsim: --mount", lines[0]);
    }
}

using System.Text;
using HvSim.GuestOs.Files;

namespace HvSim.Tests.Guests;

/// <summary>
/// busybox applets on a file under --mount (issue 14): the host runs them in a temporary
/// directory on "files/NAME"; the simulator runs them from "/" with that directory's "files"
/// mounted at /files, so the argument, and every file name the applet prints, is the same.
/// Skipped where /bin/busybox is missing (see <see cref="BusyboxDifferentialTests"/>).
/// </summary>
public sealed class MountedBusyboxTests : IDisposable
{
    private static readonly string[] s_environment = { "LANG=C" };

    private readonly string _root = Path.Combine(Path.GetTempPath(), $"hvsim-busybox-mount-{Guid.NewGuid():N}");

    public MountedBusyboxTests()
    {
        string files = Path.Combine(_root, "files");
        Directory.CreateDirectory(files);
        var text = new StringBuilder();
        uint x = 777;
        for (int i = 0; i < 5000; i++) // ~60 KiB: more than one read
        {
            x = (x * 1103515245) + 12345;
            text.Append((x >> 16) % 10007).Append(" line").Append((x >> 8) % 53).Append('\n');
        }
        File.WriteAllText(Path.Combine(files, "numbers.txt"), text.ToString());
        File.WriteAllText(Path.Combine(files, "small.txt"), "pear\napple\nfig\n");
        using (FileStream gz = File.Create(Path.Combine(files, "numbers.gz")))
        using (var compressor = new System.IO.Compression.GZipStream(gz, System.IO.Compression.CompressionLevel.Optimal))
        {
            compressor.Write(Encoding.ASCII.GetBytes(text.ToString()));
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [BusyboxTheory]
    [InlineData("sha256sum", "files/numbers.txt", "files/small.txt")]
    [InlineData("md5sum", "files/numbers.txt")]
    [InlineData("sort", "files/numbers.txt")]
    [InlineData("sort", "-n", "-r", "files/numbers.txt", "files/small.txt")]
    [InlineData("wc", "files/numbers.txt", "files/small.txt")]
    [InlineData("cat", "files/small.txt", "files/missing.txt")]
    [InlineData("ls", "-1", "files")]
    [InlineData("head", "-c", "100", "files/numbers.txt")]
    // awk: field splitting, associative arrays, and floating-point arithmetic printed with %g/%f.
    [InlineData("awk", "{ s += $1; n[$2]++ } END { print s, NR, s / NR; for (k in n) c++; printf \"%d %.6f %g\\n\", c, s / 3, s * 1e-9 }", "files/numbers.txt")]
    [InlineData("awk", "-F", "line", "$2 > 40 { print $1 * 1.5, sqrt($2), int($1 / 7) }", "files/numbers.txt")]
    [InlineData("sort", "-k2,2", "-k1,1n", "files/numbers.txt")]
    public void AppletOnAMountedFileMatchesTheHost(params string[] args)
    {
        GuestRun native = GuestRun.Native(BusyboxDifferentialTests.BusyboxPath, args, s_environment, workingDirectory: _root);
        var mount = new MountPoint(Path.Combine(_root, "files"), "/files", ReadOnly: true);
        GuestRun simulated = GuestRun.Simulated(BusyboxDifferentialTests.BusyboxPath, args, s_environment,
            maxInstructions: 2_000_000_000, mounts: [mount]);
        string where = $"busybox {string.Join(' ', args)} (hvsim: {simulated.FatalReport ?? "exited normally"})";
        Assert.True(native.StdoutText.Length > 0, $"{where}: the host printed nothing");
        Assert.True(native.StdoutText == simulated.StdoutText,
            $"{where}: stdout differs\n--- host ---\n{Tail(native.StdoutText)}\n--- hvsim ---\n{Tail(simulated.StdoutText)}");
        Assert.True(native.StderrText == simulated.StderrText,
            $"{where}: stderr differs\n--- host ---\n{native.StderrText}\n--- hvsim ---\n{simulated.StderrText}");
        Assert.Equal(native.ExitStatus, simulated.ExitStatus);
    }

    /// <summary>
    /// gzip compresses and decompresses byte for byte as on the host (-n: no name or time in the
    /// header). zcat is not here: busybox's zcat pipes through a child process, and the guest
    /// kernel runs one process (pipe and fork are ENOSYS).
    /// </summary>
    [BusyboxTheory]
    [InlineData("gzip", "-c", "-n", "-9", "files/numbers.txt")]
    [InlineData("gzip", "-c", "-n", "-1", "files/small.txt")]
    [InlineData("gzip", "-d", "-c", "files/numbers.gz")]
    public void CompressorOnAMountedFileMatchesTheHostByteForByte(params string[] args)
    {
        GuestRun native = GuestRun.Native(BusyboxDifferentialTests.BusyboxPath, args, s_environment, workingDirectory: _root);
        var mount = new MountPoint(Path.Combine(_root, "files"), "/files", ReadOnly: true);
        GuestRun simulated = GuestRun.Simulated(BusyboxDifferentialTests.BusyboxPath, args, s_environment,
            maxInstructions: 2_000_000_000, mounts: [mount]);
        string where = $"busybox {string.Join(' ', args)} (hvsim: {simulated.FatalReport ?? "exited normally"})";
        Assert.True(native.Stdout.Length > 0, $"{where}: the host printed nothing");
        Assert.True(native.Stdout.AsSpan().SequenceEqual(simulated.Stdout),
            $"{where}: stdout differs ({native.Stdout.Length} bytes on the host, {simulated.Stdout.Length} simulated)");
        Assert.Equal(native.StderrText, simulated.StderrText);
        Assert.Equal(native.ExitStatus, simulated.ExitStatus);
    }

    [BusyboxTheory]
    [InlineData("sha256sum")]
    [InlineData("wc")]
    public void WithoutTheMountTheFileIsNotThere(string applet)
    {
        GuestRun simulated = GuestRun.Simulated(BusyboxDifferentialTests.BusyboxPath, [applet, "files/small.txt"], s_environment);
        Assert.Equal(1, simulated.ExitStatus);
        Assert.Contains("No such file or directory", simulated.StderrText);
    }

    [BusyboxTheory]
    [InlineData("ro")]
    [InlineData("rw")]
    public void SortWritesItsOutputFileOnlyToAWritableMount(string mode)
    {
        var mount = new MountPoint(Path.Combine(_root, "files"), "/files", ReadOnly: mode == "ro");
        GuestRun simulated = GuestRun.Simulated(BusyboxDifferentialTests.BusyboxPath,
            ["sort", "-o", "files/sorted.txt", "files/small.txt"], s_environment, mounts: [mount]);
        string written = Path.Combine(_root, "files", "sorted.txt");
        if (mode == "ro")
        {
            Assert.NotEqual(0, simulated.ExitStatus);
            Assert.Contains("Read-only file system", simulated.StderrText);
            Assert.False(File.Exists(written));
        }
        else
        {
            Assert.True(simulated.ExitStatus == 0, simulated.StderrText);
            Assert.Equal("apple\nfig\npear\n", File.ReadAllText(written));
        }
    }

    private static string Tail(string text) => text.Length > 800 ? "..." + text[^800..] : text;
}

using HvSim.Cli;
using HvSim.Tests.Guests;

namespace HvSim.Tests.Cli;

[CollectionDefinition(nameof(ConsoleCollection), DisableParallelization = true)]
public sealed class ConsoleCollection
{
}

/// <summary>Bad input gets one line on stderr and a non-zero status, never a stack trace.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class CliErrorTests
{
    private static (int Status, string Stderr) RunHvsim(params string[] args)
    {
        (int status, _, string stderr) = HvsimConsole.Run(args);
        return (status, stderr);
    }

    private static void AssertOneLineError(string stderr, string mustContain)
    {
        string[] lines = stderr.TrimEnd('\n').Split('\n');
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{stderr}");
        Assert.StartsWith("hvsim: ", lines[0]);
        Assert.Contains(mustContain, lines[0]);
        Assert.DoesNotContain("   at ", stderr); // no stack trace
    }

    [Fact]
    public void MissingProgramIsAUsageError()
    {
        (int status, string stderr) = RunHvsim("exec", "/nonexistent/program");
        Assert.Equal(Program.UsageError, status);
        AssertOneLineError(stderr, "no such file");
    }

    /// <summary>Issue 13: a FIFO blocked the read forever, /dev/zero filled the host's memory; both are refused before a byte is read.</summary>
    [Fact]
    public void AProgramThatIsNotARegularFileIsRefusedBeforeReading()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        (int status, string stderr) = RunHvsim("exec", "/dev/zero");
        Assert.Equal(Program.UsageError, status);
        AssertOneLineError(stderr, "not a regular file");
        string fifo = Path.Combine(Path.GetTempPath(), $"hvsim-fifo-{Guid.NewGuid():N}");
        using (System.Diagnostics.Process mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo))
        {
            mkfifo.WaitForExit();
        }
        try
        {
            (status, stderr) = RunHvsim("exec", fifo);
            Assert.Equal(Program.UsageError, status);
            AssertOneLineError(stderr, "not a regular file");
        }
        finally
        {
            File.Delete(fifo);
        }
    }

    [Theory]
    [InlineData("--reproduce", "sometimes")]
    [InlineData("--reproduce")]
    [InlineData("--warmups", "3")]
    public void BenchRefusesBadOptionsBeforeMeasuringAnything(params string[] options)
    {
        (int status, string stderr) = RunHvsim(["bench", .. options]);
        Assert.Equal(Program.UsageError, status);
        AssertOneLineError(stderr, "");
    }

    [Fact]
    public void MalformedElfIsAUsageError()
    {
        string path = Path.GetTempFileName();
        File.WriteAllBytes(path, new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0 });
        try
        {
            (int status, string stderr) = RunHvsim("exec", path);
            Assert.Equal(Program.UsageError, status);
            AssertOneLineError(stderr, "");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TextFileIsNotAnElf()
    {
        (int status, string stderr) = RunHvsim("exec", Path.Combine(RepositoryPaths.Root, "README.md"));
        Assert.Equal(Program.UsageError, status);
        AssertOneLineError(stderr, "");
    }

    /// <summary>
    /// Issue 19's bad inputs: each is refused before any run, in one line that names the option and
    /// its limit, with status 2 (before, they passed hvsim and failed inside the guest with its own
    /// usage text, blamed another option, exited 0, or failed only after every experiment had run).
    /// </summary>
    [Theory]
    [InlineData("--wpp 1.23456", "at most three decimals", "micro", "--technique", "pt", "--platform", "native", "--wpp", "1.23456")]
    [InlineData("--cda-kib 5", "a multiple of 4 KiB from 4 to 1048576", "micro", "--technique", "pt", "--platform", "native", "--cda-kib", "5")]
    [InlineData("--cda-kib", "from 4 to 1048576", "micro", "--technique", "pt", "--platform", "native", "--cda-kib", "2097152")]
    [InlineData("profile ", "not valid JSON", "workload", "--ds", "tree", "--ops", "10", "--technique", "pt", "--platform", "native", "--json", "--profile", "BROKEN")]
    [InlineData("--profile", "give --json too", "workload", "--ds", "tree", "--technique", "pt", "--profile", "xen-4.1-pv")]
    [InlineData("--profile", "give --json too", "exec", "--profile", "xen-4.1-pv", "/bin/true")]
    [InlineData("reproduce: --out", "cannot write there", "reproduce", "--quick", "--out", "/proc/version/out")]
    [InlineData("reproduce: --out", "is a file, not a directory", "reproduce", "--quick", "--out", "/proc/version")]
    [InlineData("claims: --calibration-csv", "cannot write there", "claims", "--no-workloads", "--calibration-csv", "/nonexistent-hvsim-dir/x.csv")]
    [InlineData("--syscall-path", "not native", "micro", "--technique", "pt", "--platform", "native", "--syscall-path", "compat")]
    [InlineData("--pte-updates", "not xen-shadow", "trace", "--technique", "pt", "--platform", "xen-shadow", "--pte-updates", "trapped-write")]
    [InlineData("--pte-updates", "not native", "exec", "--pte-updates", "hypercall", "/bin/true")]
    [InlineData("--platform", "given twice", "micro", "--technique", "pt", "--platform", "xen-pv", "--platform", "native")]
    [InlineData("calibrate: --out", "is a directory, not a file", "calibrate", "--measurements", "models/calibration/xen-4.1-pv.csv", "--out", "/tmp")]
    [InlineData("--json", "given twice", "micro", "--json", "--json")]
    [InlineData("--bogus", "micro: unknown option", "micro", "--bogus")]
    [InlineData("--bogus", "exec: unknown option", "exec", "--bogus", "/bin/true")]
    [InlineData("--json", "takes no value", "exec", "--json=yes", "/bin/true")]
    [InlineData("--seed", "needs a value", "micro", "--seed")]
    [InlineData("--technique", "is required", "trace", "--platform", "xen-pv")]
    [InlineData("--platform", "is required", "trace", "--technique", "pt")]
    [InlineData("--profile", "is required", "reprice", "run.json")]
    [InlineData("PROG", "exec: which PROG", "exec")]
    [InlineData("compare micro", "compare: which one? compare micro or compare workload", "compare")]
    [InlineData("SPEC", "sweep: which SPEC", "sweep")]
    [InlineData("--out", "sweep merge: --out is required", "sweep", "merge", "somewhere")]
    [InlineData("--shard 3/3", "expected I/N with 0 <= I < N", "sweep", "spec.json", "--shard", "3/3")]
    [InlineData("extra", "micro: unexpected argument", "micro", "extra")]
    [InlineData("--cpu v9", "expected baseline, v2, v3", "micro", "--cpu", "v9")]
    [InlineData("--guest-ram", "must be from 16 MiB to 1 TiB", "micro", "--guest-ram", "8M")]
    [InlineData("--max-seconds", "above 0", "exec", "--max-seconds", "0", "/bin/true")]
    [InlineData("--technique all", "expected one of", "exec", "--technique", "all", "/bin/true")]
    [InlineData("--platform all", "expected native, xen-pv, xen-shadow or hvm", "trace", "--technique", "pt", "--platform", "all")]
    [InlineData("--ops", "from 1 to", "workload", "--ds", "avl", "--ops", "0")]
    [InlineData("--table2", "takes only", "workload", "--table2", "--technique", "pt")]
    [InlineData("--json", "--json and --format mermaid disagree", "trace", "--technique", "pt", "--platform", "xen-pv", "--json", "--format", "mermaid")]
    [InlineData("--draws", "from 0 to 100000", "claims", "--draws", "100001")]
    [InlineData("--prior-weight", "not a number >= 0", "calibrate", "--measurements", "x.csv", "--out", "y.json", "--prior-weight", "-1")]
    [InlineData("--mount", "must be an absolute path", "exec", "--mount", "/tmp:relative", "/bin/true")]
    public void ABadValueIsRefusedUpFrontNamingTheOptionAndItsLimit(string option, string limit, params string[] args)
    {
        string broken = Path.Combine(Path.GetTempPath(), $"hvsim-broken-{Guid.NewGuid():N}.json");
        File.WriteAllText(broken, "{broken");
        try
        {
            string[] resolved = args.Select(a => a switch
            {
                "BROKEN" => broken,
                "models/calibration/xen-4.1-pv.csv" => Path.Combine(RepositoryPaths.Root, a),
                _ => a,
            }).ToArray();
            (int status, string stderr) = RunHvsim(resolved);
            Assert.Equal(Program.UsageError, status);
            AssertOneLineError(stderr, limit);
            Assert.Contains(option, stderr);
        }
        finally
        {
            File.Delete(broken);
        }
    }

    [Fact]
    public void UnknownCommandAndOptionAreUsageErrors()
    {
        (int status, string stderr) = RunHvsim("frobnicate");
        Assert.Equal(Program.UsageError, status);
        AssertOneLineError(stderr, "unknown command");

        (status, stderr) = RunHvsim("exec", "--no-such-option", "x");
        Assert.Equal(Program.UsageError, status);
        AssertOneLineError(stderr, "unknown option");

        (status, stderr) = RunHvsim("exec", "--max-instructions", "lots", "x");
        Assert.Equal(Program.UsageError, status);
        AssertOneLineError(stderr, "not a whole number");
    }

    /// <summary>Everything after the program is the guest's, hvsim's own option names included (as with qemu-user).</summary>
    [Fact]
    public void ExecPassesEverythingAfterTheProgramToTheGuest()
    {
        // The guest `args` exits with its argc: the program and the four arguments, none taken by hvsim.
        (int status, string stderr) = RunHvsim("exec", "--seed", "3", RepositoryPaths.Guest("args"), "--json", "-h", "--seed", "--bogus");
        Assert.Equal(5, status);
        Assert.Equal(string.Empty, stderr); // no JSON report, no help, no "unknown option"
        (status, stderr) = RunHvsim("exec", "--", RepositoryPaths.Guest("args"), "--");
        Assert.Equal(2, status);
        Assert.Equal(string.Empty, stderr);
    }

    [Fact]
    public void InstructionLimitStopsTheGuestWithOneLine()
    {
        (int status, string stderr) = RunHvsim("exec", "--max-instructions", "1000", RepositoryPaths.Guest("bench-O2"));
        Assert.Equal(ExecCommand.InstructionLimitStatus, status);
        AssertOneLineError(stderr, "exceeded --max-instructions (1000)");
    }
}

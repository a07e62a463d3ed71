using System.Collections.Concurrent;

namespace HvSim.Tests.Guests;

/// <summary>
/// Issue 14: small C programs using the OS calls real programs make (kill/tkill/tgkill and
/// abort, sigaltstack with SA_ONSTACK, a nested-function trampoline on an executable stack,
/// prctl, getrandom's flags, mov r/m, Sreg, mremap), compiled with gcc -static at test time from
/// tests/HvSim.Tests/Guests/OsCalls/, must print the same and end with the same status under the
/// simulator as on the host. Skipped where gcc is missing or the host cannot run x86-64 Linux ELFs.
/// </summary>
public sealed class OsCallDifferentialTests : IClassFixture<OsCallDifferentialTests.Workspace>
{
    private static readonly string[] s_environment = { "LANG=C" };

    private readonly Workspace _workspace;

    public OsCallDifferentialTests(Workspace workspace)
    {
        _workspace = workspace;
    }

    /// <summary>Program, argument, the status both runs must end with, and a line the output must contain.</summary>
    public static TheoryData<string, string, int, string> Cases() => new()
    {
        { "kill", "", 128 + 15, "after unblock trail [35][35][10][12]" },
        { "abort", "plain", 128 + 6, "about to abort (plain)" },
        { "abort", "blocked", 128 + 6, "about to abort (blocked)" },
        { "abort", "handled", 128 + 6, "SIGABRT handler ran and returned" },
        { "altstack", "", 0, "back from the SIGSEGV handler" },
        { "execstack", "", 0, "nested function through a trampoline: 42" },
        { "prctl", "", 0, "cs 0x33 ss 0x2b ds 0 es 0 fs 0 gs 0" },
        { "mremap", "", 0, "private dontunmap: ok moved, old mapped 1" },
    };

    [OsCallTheory]
    [MemberData(nameof(Cases))]
    public void SimulatedRunMatchesHostRun(string name, string argument, int status, string expectedLine)
    {
        string program = _workspace.Compiled(name);
        string[] args = argument.Length == 0 ? [] : [argument];
        GuestRun native = GuestRun.Native(program, args, s_environment);
        GuestRun simulated = GuestRun.Simulated(program, args, s_environment);

        Assert.True(native.ExitStatus == status, $"{name} {argument}: the host ended it with {native.ExitStatus}, not {status}");
        Assert.Contains(expectedLine, native.StdoutText);
        Assert.True(native.StdoutText == simulated.StdoutText,
            $"{name} {argument}: stdout differs (hvsim: {simulated.FatalReport})\n--- host ---\n{native.StdoutText}\n--- hvsim ---\n{simulated.StdoutText}");
        Assert.Equal(native.StderrText, simulated.StderrText);
        Assert.True(simulated.ExitStatus == status, $"{name} {argument}: hvsim ended it with {simulated.ExitStatus} ({simulated.FatalReport})");
    }

    /// <summary>A temporary directory with each program compiled once.</summary>
    public sealed class Workspace : IDisposable
    {
        private readonly ConcurrentDictionary<string, Lazy<string>> _programs = new();

        public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("hvsim-oscalls-").FullName;

        public string Compiled(string name) => _programs.GetOrAdd(name, n => new Lazy<string>(() => Compile(n))).Value;

        private string Compile(string name)
        {
            string source = Path.Combine(RepositoryPaths.Root, "tests", "HvSim.Tests", "Guests", "OsCalls", name + ".c");
            string program = Path.Combine(Directory, name);
            ToolRun compile = HostTools.Run(OsCallTheoryAttribute.Gcc!,
                ["-static", "-O1", "-w", "-o", program, source], Directory, TimeSpan.FromMinutes(2));
            Assert.True(compile.ExitCode == 0, $"gcc failed on {name}.c:\n{compile.Stderr}");
            return program;
        }

        public void Dispose()
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // Left for the system's temporary-file cleanup.
            }
        }
    }
}

/// <summary>A theory skipped (not failed) where gcc is missing or the host cannot run the programs it builds.</summary>
public sealed class OsCallTheoryAttribute : TheoryAttribute
{
    public static string? Gcc { get; } = HostTools.Find("gcc");

    public OsCallTheoryAttribute()
    {
        if (!GuestRun.HostCanRunGuests)
        {
            Skip = "the host cannot run x86-64 Linux ELFs (the reference)";
        }
        else if (Gcc is null)
        {
            Skip = "gcc is not on PATH";
        }
    }
}

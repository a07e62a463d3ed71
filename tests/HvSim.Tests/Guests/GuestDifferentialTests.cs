using HvSim.Cpu;
namespace HvSim.Tests.Guests;

/// <summary>
/// Every committed guest program prints the same bytes and ends with the same status under the
/// simulator as on the host CPU (the foundation issue's "done when"). The reference is the host
/// itself where it can run x86-64 Linux ELFs, and always the outputs recorded natively in
/// guests/expected/ (so the check also holds on a machine that cannot run the guests).
/// </summary>
public sealed class GuestDifferentialTests
{
    private static readonly string[] s_environment = { "LANG=C" };

    /// <summary>One line of guests/programs.tsv: name, arguments, expected exit status, kind.</summary>
    private sealed record Listed(string Name, string Arguments, int Status, string Kind)
    {
        /// <summary>
        /// The CPU level the program was built for: glibc-v2 and glibc-v3 programs need that level
        /// (the host too), everything else runs on the baseline CPU.
        /// </summary>
        public CpuIdentity Cpu => Kind switch
        {
            "glibc-v2" => CpuIdentity.V2,
            "glibc-v3" => CpuIdentity.V3,
            _ => CpuIdentity.Baseline,
        };
    }

    private static IEnumerable<Listed> Manifest()
    {
        string manifest = Path.Combine(RepositoryPaths.Root, "guests", "programs.tsv");
        foreach (string line in File.ReadAllLines(manifest))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            string[] fields = line.Split('\t');
            yield return new Listed(fields[0], fields[1], int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture), fields[3]);
        }
    }

    /// <summary>Programs from guests/programs.tsv: name, arguments, expected exit status.</summary>
    /// <summary>The CPU level programs.tsv's kind gives <paramref name="name"/>.</summary>
    public static CpuIdentity CpuFor(string name) => Manifest().Single(p => p.Name == name).Cpu;

    public static TheoryData<string, string, int> Programs()
    {
        var data = new TheoryData<string, string, int>();
        foreach (Listed program in Manifest())
        {
            data.Add(program.Name, program.Arguments, program.Status);
        }
        return data;
    }

    /// <summary>
    /// The baseline glibc programs at the higher CPU levels: static glibc picks its string and
    /// memory functions (IFUNCs) from cpuid, so v2 runs its SSE4.2 variants and v3 its AVX2 ones,
    /// which must print what the baseline variants print.
    /// </summary>
    public static TheoryData<string, string> GlibcAtHigherLevels()
    {
        var data = new TheoryData<string, string>();
        foreach (Listed program in Manifest().Where(p => p.Kind == "glibc"))
        {
            data.Add(program.Name, CpuIdentity.V2.Name);
            data.Add(program.Name, CpuIdentity.V3.Name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void SimulatedRunMatchesHostRun(string name, string arguments, int expectedStatus)
    {
        string path = RepositoryPaths.Guest(name);
        string[] args = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        CpuIdentity cpu = CpuFor(name);
        GuestRun simulated = GuestRun.Simulated(path, args, s_environment, cpu: cpu);

        string expectedOut = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "guests", "expected", name + ".out"));
        string expectedErr = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "guests", "expected", name + ".err"));
        AssertSame(name, "recorded", new GuestRun(
            System.Text.Encoding.UTF8.GetBytes(expectedOut), System.Text.Encoding.UTF8.GetBytes(expectedErr), expectedStatus, null), simulated);

        if (GuestRun.HostCanRunGuests && HostHas(cpu))
        {
            AssertSame(name, "native", GuestRun.Native(path, args, s_environment), simulated);
        }
    }

    [Theory]
    [MemberData(nameof(GlibcAtHigherLevels))]
    public void GlibcProgramPrintsTheSameAtEveryCpuLevel(string name, string level)
    {
        Listed program = Manifest().Single(p => p.Name == name);
        GuestRun simulated = GuestRun.Simulated(RepositoryPaths.Guest(name), program.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            s_environment, cpu: CpuIdentity.Level(level));
        string expected = Path.Combine(RepositoryPaths.Root, "guests", "expected", name);
        AssertSame($"{name} on --cpu {level}", "recorded", new GuestRun(
            File.ReadAllBytes(expected + ".out"), File.ReadAllBytes(expected + ".err"), program.Status, null), simulated);
    }

    /// <summary>Whether the host CPU runs programs built for <paramref name="cpu"/> (for the native comparison).</summary>
    private static bool HostHas(CpuIdentity cpu) =>
        (!cpu.Has(CpuFeatures.Sse42) || (System.Runtime.Intrinsics.X86.Sse42.IsSupported && System.Runtime.Intrinsics.X86.Ssse3.IsSupported))
        && (!cpu.Has(CpuFeatures.Avx2) || (System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported
            && System.Runtime.Intrinsics.X86.Bmi2.IsSupported));

    [Fact]
    public void GuestSeesArgumentsAndEnvironmentItWasGiven()
    {
        string[] env = { "HVSIM_TEST_ENV=passed through", "LANG=C" };
        GuestRun simulated = GuestRun.Simulated(RepositoryPaths.Guest("args"), new[] { "x", "y z" }, env);
        Assert.Contains("argv[1]=x\n", simulated.StdoutText);
        Assert.Contains("argv[2]=y z\n", simulated.StdoutText);
        Assert.Contains("passed through", simulated.StdoutText);
        Assert.Equal(3, simulated.ExitStatus);
        if (GuestRun.HostCanRunGuests)
        {
            AssertSame("args", "native", GuestRun.Native(RepositoryPaths.Guest("args"), new[] { "x", "y z" }, env), simulated);
        }
    }

    private static void AssertSame(string name, string reference, GuestRun expected, GuestRun simulated)
    {
        Assert.True(expected.StdoutText == simulated.StdoutText,
            $"{name}: stdout differs from the {reference} run (hvsim: {simulated.FatalReport})\n--- {reference} ---\n{Tail(expected.StdoutText)}\n--- hvsim ---\n{Tail(simulated.StdoutText)}");
        Assert.True(expected.StderrText == simulated.StderrText,
            $"{name}: stderr differs from the {reference} run\n--- {reference} ---\n{expected.StderrText}\n--- hvsim ---\n{simulated.StderrText}");
        Assert.True(expected.ExitStatus == simulated.ExitStatus,
            $"{name}: exit status {simulated.ExitStatus}, {reference} {expected.ExitStatus} ({simulated.FatalReport})");
    }

    private static string Tail(string text) => text.Length > 2000 ? "..." + text[^2000..] : text;
}

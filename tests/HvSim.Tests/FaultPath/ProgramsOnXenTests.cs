namespace HvSim.Tests.FaultPath;

using HvSim.Core;
using HvSim.Tests.Guests;
using Xunit.Abstractions;

/// <summary>
/// "Everything from the foundation issue still passes on all three platforms": every program of
/// guests/programs.tsv prints, under xen-pv and xen-shadow, the bytes recorded natively in
/// guests/expected/ and ends with the same status (the native platform is covered by
/// <see cref="GuestDifferentialTests"/>). A platform changes who does each step, never what
/// the program sees.
/// </summary>
public sealed class ProgramsOnXenTests
{
    private readonly ITestOutputHelper _output;

    public ProgramsOnXenTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public static TheoryData<string, string, string, int> ProgramsOnXen()
    {
        var data = new TheoryData<string, string, string, int>();
        foreach (string platform in new[] { "xen-pv", "xen-shadow" })
        {
            foreach (object[] row in GuestDifferentialTests.Programs())
            {
                data.Add(platform, (string)row[0], (string)row[1], (int)row[2]);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ProgramsOnXen))]
    public void Every_program_prints_what_it_prints_natively_and_ends_the_same(string platform, string name, string arguments, int expectedStatus)
    {
        var run = new PlatformRun(PlatformRun.Options(platform), cpu: GuestDifferentialTests.CpuFor(name));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        HvSim.GuestOs.Kernel.Process process = run.RunGuest(name, arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        _output.WriteLine($"{platform} {name}: {run.Kernel.Cpu.InstructionsRetired} instructions, {watch.ElapsedMilliseconds} ms");

        string expectedOut = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "guests", "expected", name + ".out"));
        string expectedErr = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "guests", "expected", name + ".err"));
        Assert.True(expectedOut == run.Stdout, $"{platform} {name}: stdout differs from the native recording ({process.FatalReport})\n--- native ---\n{Tail(expectedOut)}\n--- {platform} ---\n{Tail(run.Stdout)}");
        Assert.True(expectedErr == run.Stderr, $"{platform} {name}: stderr differs\n--- native ---\n{expectedErr}\n--- {platform} ---\n{run.Stderr}");
        Assert.True(expectedStatus == process.ExitStatus, $"{platform} {name}: exit status {process.ExitStatus}, natively {expectedStatus} ({process.FatalReport})");
        // The run really went through the hypervisor: its faults trapped into it first. A 32-bit PV
        // kernel (the default compat flavour: a 32-bit guest) returns to user mode with a plain iret, never the hypercall.
        Assert.True(run.Ledger.Count(EventKind.TrapToHypervisor, Layer.Hypervisor) > 0, $"{platform} {name}: nothing trapped into the hypervisor");
        Assert.Equal(0, run.Ledger.Subkinds.GetValueOrDefault("Hypercall.iret"));
        Assert.True(run.Ledger.Count(EventKind.ReturnToUser, Layer.Kernel) > 0, $"{platform} {name}: no return to user mode from the guest kernel");
    }

    private static string Tail(string text) => text.Length > 2000 ? "..." + text[^2000..] : text;
}

/// <summary>
/// A handler that rewrites RIP (and RAX, RDX) in its ucontext resumes the interrupted code where
/// it said, on every platform: guests/src/signals.c part (b), maperr.
/// </summary>
public sealed class HandlerRewritesRipTests
{
    [Theory]
    [InlineData("native")]
    [InlineData("xen-pv")]
    [InlineData("xen-pv/hypervisor-syscall")]
    [InlineData("xen-pv/trapped-write")]
    [InlineData("xen-shadow")]
    public void Signals_maperr_resumes_where_the_handler_says_on_every_platform(string platform)
    {
        var run = new PlatformRun(PlatformRun.Options(platform));
        HvSim.GuestOs.Kernel.Process process = run.RunGuest("signals-O2", "maperr");
        Assert.True(process.ExitStatus == 0, $"{platform}: status {process.ExitStatus} ({process.FatalReport})\n{run.Stdout}");

        // Part (b) of the full native recording, line for line (the digest differs: it covers only this part).
        string full = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "guests", "expected", "signals-O2.out"));
        int from = full.IndexOf("(b)", StringComparison.Ordinal), to = full.IndexOf("(c)", StringComparison.Ordinal);
        string partB = full[from..to];
        Assert.StartsWith(partB, run.Stdout);
        Assert.Contains("rax set by the handler                     0x5afe0001\n", run.Stdout);
        Assert.Contains("rdx set by the handler                     0xd00d0002\n", run.Stdout);
        Assert.EndsWith("signals: checks: 0 failed\n", run.Stdout);
        if (GuestRun.HostCanRunGuests)
        {
            GuestRun host = GuestRun.Native(RepositoryPaths.Guest("signals-O2"), ["maperr"], ["LANG=C"]);
            Assert.Equal(host.StdoutText, run.Stdout);
        }

        // Four faults, each one delivery and one rt_sigreturn that restored the rewritten context.
        Assert.Equal(4, run.Ledger.Count(EventKind.SignalDelivery, Layer.Kernel));
        Assert.Equal(4, run.Ledger.Count(EventKind.SigReturn, Layer.Kernel));
    }
}

namespace HvSim.Tests.Hvm;

using HvSim.Core;
using HvSim.Tests.FaultPath;
using HvSim.Tests.Guests;
using Xunit.Abstractions;

/// <summary>
/// Every program of guests/programs.tsv prints on hvm the bytes recorded natively in
/// guests/expected/ and ends with the same status, as on the Xen platforms
/// (<see cref="ProgramsOnXenTests"/>): two-dimensional translation changes who does what, never
/// what the program sees. Nothing traps into a hypervisor of the Xen kind, and the guest's own
/// page faults reach its kernel directly.
/// </summary>
public sealed class ProgramsOnHvmTests
{
    private readonly ITestOutputHelper _output;

    public ProgramsOnHvmTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public static TheoryData<string, string, int> Programs()
    {
        var data = new TheoryData<string, string, int>();
        foreach (object[] row in GuestDifferentialTests.Programs())
        {
            data.Add((string)row[0], (string)row[1], (int)row[2]);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void Every_program_prints_what_it_prints_natively_and_ends_the_same(string name, string arguments, int expectedStatus)
    {
        var run = new PlatformRun(PlatformRun.Options("hvm"), cpu: GuestDifferentialTests.CpuFor(name));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        HvSim.GuestOs.Kernel.Process process = run.RunGuest(name, arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        _output.WriteLine($"hvm {name}: {run.Kernel.Cpu.InstructionsRetired} instructions, {watch.ElapsedMilliseconds} ms");

        string expectedOut = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "guests", "expected", name + ".out"));
        string expectedErr = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "guests", "expected", name + ".err"));
        Assert.True(expectedOut == run.Stdout, $"hvm {name}: stdout differs from the native recording ({process.FatalReport})");
        Assert.True(expectedErr == run.Stderr, $"hvm {name}: stderr differs\n--- native ---\n{expectedErr}\n--- hvm ---\n{run.Stderr}");
        Assert.True(expectedStatus == process.ExitStatus, $"hvm {name}: exit status {process.ExitStatus}, natively {expectedStatus} ({process.FatalReport})");
        Assert.Equal(0, run.Ledger.Count(EventKind.TrapToHypervisor));
        Assert.True(run.Kernel.Machine.Mmu.Nested is not null, "the MMU translated in two dimensions");
    }
}

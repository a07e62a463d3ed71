using BenchmarkDotNet.Attributes;
using HvSim.Checkpoint;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;

namespace HvSim.Benchmarks;

/// <summary>
/// The simulated fault path (issue 15): the bundled micro under each tracking technique, with one
/// write on each of 1 or 4096 pages per transaction (a 4 KiB or a 16 MiB CDA), about 16,000 fault
/// cycles per run. Divide by the cycles for the host time of one; the memory diagnoser's allocation
/// is the whole run's (start-up included: the per-cycle figure in the steady state is 0, which
/// tests/HvSim.Tests/FaultPath/FaultPathAllocationTests.cs checks). Technique none is the baseline loop.
/// </summary>
[MemoryDiagnoser]
public class FaultPathBenchmarks
{
    private byte[] _elf = Array.Empty<byte>();

    [Params(Technique.None, Technique.Pt, Technique.Emul, Technique.PtXen, Technique.EmulXen, Technique.ScanXen)]
    public Technique Technique { get; set; }

    [Params(1, 4096)]
    public int PagesPerTransaction { get; set; }

    [GlobalSetup]
    public void Setup() => _elf = File.ReadAllBytes(GuestBenchmarks.FindGuest("micro"));

    /// <summary>One micro run; returns the commits so the run cannot be optimised away.</summary>
    [Benchmark]
    public long Run()
    {
        // Scanxen runs on shadow paging only; the baseline runs on each technique's platform alike.
        Platform platform = Technique == Technique.ScanXen ? Platform.XenShadow : Platform.XenPv;
        long transactions = PagesPerTransaction == 1 ? 16_384 : 4;
        string[] argv = ["micro", (PagesPerTransaction * 4L).ToString(), "1", PagesPerTransaction.ToString(), transactions.ToString(), "1"];
        CheckpointedResult result = CheckpointedRun.Run(_elf, "micro", argv, [], new KernelOptions { Platform = new PlatformOptions { Platform = platform } },
            new CheckpointOptions { Technique = Technique }, Stream.Null, Stream.Null, Stream.Null);
        if (result.ExitStatus != 0 || !result.Check.Equal)
        {
            throw new InvalidOperationException($"micro under {Technique}: status {result.ExitStatus}, {result.Check.Detail}");
        }
        return result.Session.Stats.Commits;
    }
}

using System.Diagnostics;
using HvSim.Checkpoint;
using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;

namespace HvSim.Cli;

/// <summary>
/// One technique's simulated fault cycle: host nanoseconds per cycle, at one or many pages per
/// transaction, and the host bytes allocated per cycle in the steady state (null when not measured).
/// </summary>
public sealed record FaultCycleTiming(string Technique, string Platform, long Cycles, double HostNanosecondsPerCycle,
    int PagesPerTransaction = 1, double? AllocatedBytesPerCycle = null);

/// <summary>
/// Host time per simulated fault cycle: the bundled microbenchmark with one write on each of PPT
/// pages per transaction (each write is one full cycle: its fault and whole path, the page's share
/// of begin and of end with its commit), timed under each technique, minus the same run under
/// technique none (the loop itself). At one page per transaction the CDA is one page; at 4096 it
/// is 16 MiB and every page is written once per transaction (the most VMAs, the longest record,
/// the largest copy). Natively the guest library runs PT for real against the native fake of the
/// simulator's side (guests/build/fake/micro, CKPT_FAKE=pt), so the same subtraction gives the
/// real cycle's cost on this machine.
/// </summary>
public static class FaultCycleBench
{
    /// <summary>Fault cycles per timed run at one page per transaction.</summary>
    public const long Cycles = 10_000;

    /// <summary>Pages per transaction of the many-pages measurement (a 16 MiB CDA, every page written).</summary>
    public const int ManyPages = 4096;

    /// <summary>
    /// Transactions per timed run at <see cref="ManyPages"/> pages (49,152 fault cycles): enough that the
    /// run's own set-up beyond the baseline's (the initial checkpoint's 16 MiB copy, the check at exit)
    /// weighs little per cycle.
    /// </summary>
    private const long ManyPagesTransactions = 12;

    /// <summary>micro's arguments: CDA KiB, WPP, PPT, TCOUNT, SEED.</summary>
    private static string[] Args(int pagesPerTransaction, long transactions)
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        return [(pagesPerTransaction * 4L).ToString(culture), "1", pagesPerTransaction.ToString(culture), transactions.ToString(culture), "1"];
    }

    private static long Transactions(int pagesPerTransaction) => pagesPerTransaction == 1 ? Cycles : ManyPagesTransactions;

    /// <summary>Every tracking technique (scanxen on xen-shadow, the others on xen-pv) at <paramref name="pagesPerTransaction"/> pages per transaction (1 or <see cref="ManyPages"/>).</summary>
    public static IReadOnlyList<FaultCycleTiming> MeasureSimulated(int pagesPerTransaction = 1)
    {
        var timings = new List<FaultCycleTiming>();
        long transactions = Transactions(pagesPerTransaction);
        long cycles = transactions * pagesPerTransaction;
        // Many pages per transaction: each run is long (16 MiB CDA), so fewer rounds.
        (int warmups, int rounds) = pagesPerTransaction == 1 ? (4, 5) : (2, 3);
        foreach (Technique technique in Techniques.Tracking)
        {
            Platform platform = technique == Technique.ScanXen ? Platform.XenShadow : Platform.XenPv;
            var options = new PlatformOptions { Platform = platform };
            string[] args = Args(pagesPerTransaction, transactions);
            (double baseline, double with) = BestPair(() => Time(Technique.None, options, args).Seconds, () => Time(technique, options, args).Seconds, warmups, rounds);
            // Allocation in the steady state: a run with twice the transactions, less one with the
            // given number (start-up is the same in both); counts are deterministic, unlike time.
            long few = Time(technique, options, args).Allocated;
            long many = Time(technique, options, Args(pagesPerTransaction, 2 * transactions)).Allocated;
            timings.Add(new FaultCycleTiming(Techniques.Name(technique), PlatformNames.Name(platform), cycles,
                Math.Max(0, with - baseline) * 1e9 / cycles, pagesPerTransaction, Math.Max(0, many - few) / (double)cycles));
        }
        return timings;
    }

    /// <summary>The real PT cycle on this machine (ns), or null when the host cannot run the guest.</summary>
    public static double? MeasureNativePt(int pagesPerTransaction = 1)
    {
        if (!OperatingSystem.IsLinux() || !System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.Equals(System.Runtime.InteropServices.Architecture.X64))
        {
            return null;
        }
        // The native fake of the simulator's side (guests/ckpt/fake.c, built by make -C guests
        // fake) lets the real kernel run PT: same library, same handler, real mprotect and signals.
        string path = Path.Combine(Path.GetDirectoryName(BundledGuests.Directory)!, "build", "fake", MicroCommand.GuestName);
        if (!File.Exists(path) && !TryBuildFake(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(path)!)!)!))
        {
            return null;
        }
        string[] args = Args(pagesPerTransaction, Transactions(pagesPerTransaction));
        double? none = BestNative(path, null, args);
        double? pt = BestNative(path, "pt", args);
        return none is double n && pt is double p ? Math.Max(0, p - n) * 1e9 / (Transactions(pagesPerTransaction) * pagesPerTransaction) : null;
    }

    /// <summary>Builds guests/build/fake with make and gcc where they exist (they are needed only for this measurement).</summary>
    private static bool TryBuildFake(string guests)
    {
        try
        {
            var start = new ProcessStartInfo("make", ["-s", "-C", guests, "fake"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var make = System.Diagnostics.Process.Start(start)!;
            make.StandardOutput.ReadToEnd();
            make.StandardError.ReadToEnd();
            make.WaitForExit();
            return make.ExitCode == 0 && File.Exists(Path.Combine(guests, "build", "fake", MicroCommand.GuestName));
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no make on this machine
        }
    }

    private static (double Seconds, long Allocated) Time(Technique technique, PlatformOptions platform, string[] args)
    {
        string path = BundledGuests.Find(MicroCommand.GuestName);
        byte[] elf = File.ReadAllBytes(path);
        string name = BundledFiles.GuestRunName(path);
        var argv = new List<string> { name };
        argv.AddRange(args);
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        CheckpointedResult result = CheckpointedRun.Run(elf, name, argv, [], new KernelOptions { Platform = platform },
            new CheckpointOptions { Technique = technique }, Stream.Null, Stream.Null, Stream.Null);
        clock.Stop();
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        if (result.ExitStatus != 0 || !result.Check.Equal)
        {
            throw new InvalidOperationException($"micro under {Techniques.Name(technique)} failed: status {result.ExitStatus}, {result.Check.Detail}");
        }
        return (clock.Elapsed.TotalSeconds, allocated);
    }

    /// <summary>
    /// The best time of each of two runs, measured in alternation (so that drift in the machine's
    /// load hits both alike), each after a full collection (so that neither pays for the other's
    /// garbage). Tiered compilation settles only after a few runs of a path (measured: 4-5 short
    /// runs), so both are warmed up that long first (<paramref name="warmups"/>: a run of many pages
    /// per transaction is long enough that two suffice).
    /// </summary>
    private static (double First, double Second) BestPair(Func<double> first, Func<double> second, int warmups, int rounds)
    {
        for (int i = 0; i < warmups; i++)
        {
            first();
            second();
        }
        double a = double.MaxValue, b = double.MaxValue;
        for (int i = 0; i < rounds; i++)
        {
            GC.Collect();
            a = Math.Min(a, first());
            GC.Collect();
            b = Math.Min(b, second());
        }
        return (a, b);
    }

    private static double? BestNative(string path, string? technique, string[] args)
    {
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        if (technique is not null)
        {
            start.Environment["CKPT_FAKE"] = technique;
        }
        double best = double.MaxValue;
        try
        {
            for (int i = 0; i < 5; i++)
            {
                var clock = Stopwatch.StartNew();
                using var process = System.Diagnostics.Process.Start(start)!;
                process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode != 0)
                {
                    return null;
                }
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        return best;
    }
}

using System.Diagnostics;
using HvSim.Checkpoint;
using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;

namespace HvSim.Cli;

/// <summary>One technique's simulated fault cycle: host nanoseconds per cycle.</summary>
public sealed record FaultCycleTiming(string Technique, string Platform, long Cycles, double HostNanosecondsPerCycle);

/// <summary>
/// Host time per simulated fault cycle: the bundled microbenchmark with one write on one page per
/// transaction (each transaction is one full cycle: begin, the faulting write and its whole path,
/// end with its commit), timed under each technique, minus the same run under technique none
/// (the loop itself). Natively the guest library runs PT for real against the native fake of the
/// simulator's side (guests/build/fake/micro, CKPT_FAKE=pt), so the same subtraction gives the
/// real cycle's cost on this machine.
/// </summary>
public static class FaultCycleBench
{
    public const long Cycles = 10_000;

    private static readonly string[] s_args = ["4", "1", "1", Cycles.ToString(System.Globalization.CultureInfo.InvariantCulture), "1"];

    public static IReadOnlyList<FaultCycleTiming> MeasureSimulated()
    {
        var timings = new List<FaultCycleTiming>();
        foreach (Technique technique in Techniques.Tracking)
        {
            Platform platform = technique == Technique.ScanXen ? Platform.XenShadow : Platform.XenPv;
            var options = new PlatformOptions { Platform = platform };
            (double baseline, double with) = BestPair(() => Time(Technique.None, options), () => Time(technique, options));
            timings.Add(new FaultCycleTiming(Techniques.Name(technique), PlatformNames.Name(platform), Cycles,
                Math.Max(0, with - baseline) * 1e9 / Cycles));
        }
        return timings;
    }

    /// <summary>The real PT cycle on this machine (ns), or null when the host cannot run the guest.</summary>
    public static double? MeasureNativePt()
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
        double? none = BestNative(path, null);
        double? pt = BestNative(path, "pt");
        return none is double n && pt is double p ? Math.Max(0, p - n) * 1e9 / Cycles : null;
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

    private static double Time(Technique technique, PlatformOptions platform)
    {
        string path = BundledGuests.Find(MicroCommand.GuestName);
        byte[] elf = File.ReadAllBytes(path);
        string name = BundledFiles.GuestRunName(path);
        var argv = new List<string> { name };
        argv.AddRange(s_args);
        var clock = Stopwatch.StartNew();
        CheckpointedResult result = CheckpointedRun.Run(elf, name, argv, [], new KernelOptions { Platform = platform },
            new CheckpointOptions { Technique = technique }, Stream.Null, Stream.Null, Stream.Null);
        clock.Stop();
        if (result.ExitStatus != 0 || !result.Check.Equal)
        {
            throw new InvalidOperationException($"micro under {Techniques.Name(technique)} failed: status {result.ExitStatus}, {result.Check.Detail}");
        }
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// The best time of each of two runs, measured in alternation (so that drift in the machine's
    /// load hits both alike), each after a full collection (so that neither pays for the other's
    /// garbage). Tiered compilation settles only after a few runs of a path (measured: 4-5), so
    /// both are warmed up that long first.
    /// </summary>
    private static (double First, double Second) BestPair(Func<double> first, Func<double> second)
    {
        for (int i = 0; i < 4; i++)
        {
            first();
            second();
        }
        double a = double.MaxValue, b = double.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            GC.Collect();
            a = Math.Min(a, first());
            GC.Collect();
            b = Math.Min(b, second());
        }
        return (a, b);
    }

    private static double? BestNative(string path, string? technique)
    {
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in s_args)
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

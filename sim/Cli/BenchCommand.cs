using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HvSim.Cli.CommandLine;
using HvSim.Core;
using HvSim.GuestOs.Kernel;

namespace HvSim.Cli;

/// <summary>
/// hvsim bench: the interpreter's throughput (guest MIPS, MMU and TLB on) on the bundled
/// compute-bound guest, beside the same program's native time and its time under qemu-x86_64
/// where installed, all measured in the same run; the host time of one simulated checkpoint cycle
/// per technique; and the wall time of `hvsim reproduce` (quick by default, `--reproduce full|none`).
/// </summary>
public static class BenchCommand
{
    private const string Guest = "bench-O2";

    public static Command Create()
    {
        Option<bool> json = CliOptions.Flag("--json", "one JSON object instead of the table");
        CliOption<long?> iterations = CliOptions.OptionalWholeNumber("--iterations", "N", "the benchmark guest's iterations (its own default when absent)", min: 1);
        CliOption<string> reproduce = CliOptions.Value("--reproduce", "quick|full|none", "also time `hvsim reproduce` (quick or full), or not",
            text => text is "quick" or "full" or "none" ? text : throw new UsageException($"bench: --reproduce must be quick, full or none, not '{text}'"),
            "quick", "quick");
        var command = new Command("bench",
            "the simulator's speed (guest MIPS, MMU and TLB on) with block translation off and on, beside the host CPU and qemu-x86_64 in the same run, the host cost of a simulated checkpoint cycle per technique, and the reproduction's wall time")
        {
            json, iterations, reproduce,
        };
        command.SetAction(result => Run(result.GetValue(json),
            iterations.Read(result) is long n ? n.ToString(CultureInfo.InvariantCulture) : "", reproduce.Read(result)));
        return command;
    }

    private static int Run(bool json, string iterations, string reproduce)
    {
        string path = BundledGuests.Find(Guest);
        string[] guestArgs = iterations.Length > 0 ? new[] { iterations } : Array.Empty<string>();

        // Warm-up run (JIT tiering), then the measured runs: translation off (the interpreter), then on.
        RunSimulated(path, guestArgs, jit: false);
        (long instructions, double interpretedSeconds, long blocks, _) = RunSimulated(path, guestArgs, jit: false);
        RunSimulated(path, guestArgs, jit: true);
        (long translatedInstructions, double seconds, _, long compiled) = RunSimulated(path, guestArgs, jit: true);
        if (translatedInstructions != instructions)
        {
            throw new InvalidOperationException($"benchmark guest retired {translatedInstructions} instructions with --jit on, {instructions} with it off");
        }
        double interpretedMips = instructions / interpretedSeconds / 1e6;
        double? native = TimeHost(path, guestArgs, launcher: null);
        double? qemu = FindOnPath("qemu-x86_64") is string q ? TimeHost(path, guestArgs, launcher: q) : null;

        double mips = instructions / seconds / 1e6;
        IReadOnlyList<FaultCycleTiming> cycles = FaultCycleBench.MeasureSimulated();
        double? nativePt = FaultCycleBench.MeasureNativePt();
        double simulatedPt = cycles.First(c => c.Technique == "pt").HostNanosecondsPerCycle;
        IReadOnlyList<FaultCycleTiming> manyPages = FaultCycleBench.MeasureSimulated(FaultCycleBench.ManyPages);
        double? nativePtManyPages = FaultCycleBench.MeasureNativePt(FaultCycleBench.ManyPages);
        ReproduceTiming? reproduction = reproduce == "none" ? null : ReproduceBench.Measure(quick: reproduce == "quick");
        // Peak host memory of the whole bench (the reproduction included when it ran in process).
        long peakBytes = System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64;
        if (json)
        {
            var result = new
            {
                guest = Guest,
                instructions,
                version = BuildVersion.Text,
                blocks_decoded = blocks,
                hvsim_seconds = seconds,
                mips,
                interpreter_seconds = interpretedSeconds,
                interpreter_mips = interpretedMips,
                jit_speedup = interpretedSeconds / seconds,
                blocks_compiled = compiled,
                native_seconds = native,
                qemu_seconds = qemu,
                slowdown_vs_native = native is double n ? seconds / n : (double?)null,
                slowdown_vs_qemu = qemu is double qs ? seconds / qs : (double?)null,
                interpreter_slowdown_vs_qemu = qemu is double qi ? interpretedSeconds / qi : (double?)null,
                fault_cycles = cycles.Select(c => new { technique = c.Technique, platform = c.Platform, cycles = c.Cycles, host_ns_per_cycle = c.HostNanosecondsPerCycle, pages_per_transaction = c.PagesPerTransaction, allocated_bytes_per_cycle = c.AllocatedBytesPerCycle }).ToArray(),
                native_pt_cycle_ns = nativePt,
                simulated_over_native_pt_cycle = nativePt is double np && np > 0 ? simulatedPt / np : (double?)null,
                fault_cycles_many_pages = manyPages.Select(c => new { technique = c.Technique, platform = c.Platform, cycles = c.Cycles, host_ns_per_cycle = c.HostNanosecondsPerCycle, pages_per_transaction = c.PagesPerTransaction, allocated_bytes_per_cycle = c.AllocatedBytesPerCycle }).ToArray(),
                native_pt_cycle_ns_many_pages = nativePtManyPages,
                peak_working_set_bytes = peakBytes,
                reproduce = reproduction is null ? null : new { mode = reproduction.Mode, experiments = reproduction.Experiments, files = reproduction.Files, seconds = reproduction.Seconds, ok = reproduction.Ok },
                machine = Environment.MachineName,
                cores = Environment.ProcessorCount,
                date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            };
            Console.Out.WriteLine(JsonSerializer.Serialize(result));
            return 0;
        }
        Console.Out.WriteLine($"guest             {Guest} {string.Join(' ', guestArgs)}");
        Console.Out.WriteLine($"instructions      {instructions:N0}");
        Console.Out.WriteLine($"blocks decoded    {blocks:N0}");
        Console.Out.WriteLine($"blocks compiled   {compiled:N0}");
        Console.Out.WriteLine($"hvsim --jit off   {interpretedSeconds:F3} s   {interpretedMips:F1} MIPS (one core, MMU and TLB on)");
        Console.Out.WriteLine($"hvsim --jit on    {seconds:F3} s   {mips:F1} MIPS (one core, MMU and TLB on), {interpretedSeconds / seconds:F2}x --jit off");
        Console.Out.WriteLine(native is double nat
            ? $"native            {nat:F3} s   hvsim is {seconds / nat:F1}x slower"
            : "native            (host cannot run x86-64 Linux ELFs)");
        Console.Out.WriteLine(qemu is double qe
            ? $"qemu-x86_64       {qe:F3} s   hvsim / qemu = {seconds / qe:F2} (--jit on), {interpretedSeconds / qe:F2} (--jit off)"
            : "qemu-x86_64       not installed (apt-get install qemu-user)");
        Console.Out.WriteLine($"fault cycles      host time to simulate one checkpoint cycle with one faulting write ({FaultCycleBench.Cycles:N0} cycles, minus the same loop without a technique):");
        foreach (FaultCycleTiming c in cycles)
        {
            Console.Out.WriteLine($"  {c.Technique,-8} on {c.Platform,-10} {c.HostNanosecondsPerCycle / 1000:F2} us per cycle{Allocation(c)}");
        }
        Console.Out.WriteLine(nativePt is double real
            ? $"  real PT cycle natively on this machine: {real / 1000:F2} us; simulating one costs {simulatedPt / real:F2}x that"
            : "  real PT cycle: not measured (needs Linux x86-64, make and gcc for guests/build/fake)");
        Console.Out.WriteLine($"fault cycles at {FaultCycleBench.ManyPages} pages per transaction (a 16 MiB CDA, every page written once per transaction):");
        foreach (FaultCycleTiming c in manyPages)
        {
            Console.Out.WriteLine($"  {c.Technique,-8} on {c.Platform,-10} {c.HostNanosecondsPerCycle / 1000:F2} us per cycle{Allocation(c)}"
                + (nativePtManyPages is double realMany && realMany > 0 ? $"  ({c.HostNanosecondsPerCycle / realMany:F2}x the real PT cycle)" : ""));
        }
        Console.Out.WriteLine(nativePtManyPages is double many
            ? $"  real PT cycle natively at {FaultCycleBench.ManyPages} pages per transaction: {many / 1000:F2} us"
            : "  real PT cycle: not measured");
        Console.Out.WriteLine($"peak memory       {peakBytes / (1024.0 * 1024.0):F0} MiB (host working set of this bench)");
        if (reproduction is not null)
        {
            Console.Out.WriteLine($"reproduce         {reproduction.Mode}: {reproduction.Experiments} simulated runs and {reproduction.Files} files in {reproduction.Seconds:F1} s on {Environment.ProcessorCount} cores{(reproduction.Ok ? "" : " (some experiments failed: run hvsim reproduce)")}");
        }
        return 0;
    }

    private static string Allocation(FaultCycleTiming c) =>
        c.AllocatedBytesPerCycle is double bytes ? $", {bytes:F1} bytes allocated per cycle" : "";

    private static (long Instructions, double Seconds, long Blocks, long Compiled) RunSimulated(string path, string[] args, bool jit)
    {
        var kernel = new GuestKernel(new KernelOptions { Jit = jit, JitInBackground = true }, Stream.Null, Stream.Null, Stream.Null);
        string name = BundledFiles.GuestRunName(path);
        var argv = new List<string> { name };
        argv.AddRange(args);
        HvSim.GuestOs.Kernel.Process process = kernel.CreateProcess(File.ReadAllBytes(path), name, argv, Array.Empty<string>());
        var clock = Stopwatch.StartNew();
        kernel.Run(process);
        clock.Stop();
        if (process.ExitStatus != 0)
        {
            throw new InvalidOperationException($"benchmark guest failed under hvsim: status {process.ExitStatus} {process.FatalReport}");
        }
        return (kernel.Cpu.InstructionsRetired, clock.Elapsed.TotalSeconds, kernel.Cpu.BlocksDecoded, kernel.Cpu.BlocksCompiled);
    }

    private static double? TimeHost(string path, string[] args, string? launcher)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        var start = new ProcessStartInfo(launcher ?? path) { RedirectStandardOutput = true, UseShellExecute = false };
        if (launcher is not null)
        {
            start.ArgumentList.Add(path);
        }
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        double best = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            using var process = System.Diagnostics.Process.Start(start)!;
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }

    private static string? FindOnPath(string program)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            string candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}

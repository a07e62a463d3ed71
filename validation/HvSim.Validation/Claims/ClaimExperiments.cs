using System.Globalization;
using System.Text;
using HvSim.Checkpoint;
using HvSim.Core;
using HvSim.Models.Profiles;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;

namespace HvSim.Validation.Claims;

/// <summary>
/// The parameters of the claims' experiments. The paper ran Tcount = 100000 transactions per
/// microbenchmark point and 10000 operations per workload run; the simulator's counts per
/// transaction are constant once the run is in its steady state (every transaction does the same
/// path; checked by a test), so fewer transactions are run and the steady-state interval's counts
/// are divided by its length: per-transaction values, which scale linearly to the paper's Tcount.
/// </summary>
public sealed record ClaimSettings
{
    /// <summary>Transactions per microbenchmark point (the paper: 100000; the counts per transaction do not depend on it).</summary>
    public long Tcount { get; init; } = 1000;

    /// <summary>Operations per workload run (the paper: 10000). Per-operation counts depend mildly on the structure's size.</summary>
    public long WorkloadOps { get; init; } = 2000;

    /// <summary>CDA of Figures 6-8 and 10 (unstated in the paper): 1 MiB. It changes no count of PT, PTxen, Emul or Emulxen per transaction.</summary>
    public int CdaKib { get; init; } = 1024;

    /// <summary>
    /// PPT of Figure 8 and Figure 10 (unstated): 1. The paper reads its break-even WPP 5 as "five write
    /// emulations and page faults are equivalent to a single page protection and page fault": one
    /// page per transaction, one protection (ckpt_begin) and one fault.
    /// </summary>
    public string Fig8Ppt { get; init; } = "1";

    /// <summary>Seed of the microbenchmark's page choice and of the workloads' keys.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Whose structures the workload runs use (Figures 11-18, Table 2, C12-C21): the textbook suite unless told.</summary>
    public WorkloadSuite Suite { get; init; } = WorkloadSuites.Default;

    /// <summary>Where the bundled guests are (guests/bin).</summary>
    public required string GuestDirectory { get; init; }

    /// <summary>The paper's operations per workload run: per-operation values are scaled to it for Figs 15-17.</summary>
    public const long PaperOps = 10000;

    /// <summary>The paper's microbenchmark transactions per point (Fig 9's seconds are for this many).</summary>
    public const long PaperTcount = 100000;
}

/// <summary>One microbenchmark run: the bundled guest micro with CDA_KIB WPP PPT.</summary>
public sealed record MicroPoint(Technique Technique, Platform Platform, int CdaKib, string Wpp, string Ppt)
{
    public override string ToString() =>
        $"{Techniques.Name(Technique)}@{PlatformNames.Name(Platform)} cda={CdaKib.ToString(CultureInfo.InvariantCulture)}KiB wpp={Wpp} ppt={Ppt}";
}

/// <summary>One workload run: a data-structure operation with OPT operations per transaction.</summary>
public sealed record WorkloadPoint(string Structure, DsOperation Operation, int Opt, Technique Technique)
{
    /// <summary>Whose structures run; null: the settings' suite (<see cref="ClaimSettings.Suite"/>). Set for reproduce's contrast Table 2.</summary>
    public WorkloadSuite? Suite { get; init; }

    public string Pair => $"{Structure} {DataStructures.Name(Operation)}";

    public override string ToString() =>
        $"{Pair} opt={Opt.ToString(CultureInfo.InvariantCulture)} {Techniques.Name(Technique)}@xen-pv{(Suite is WorkloadSuite suite ? $" suite={WorkloadSuites.Name(suite)}" : "")}";
}

/// <summary>
/// A measured point: the counts per transaction (micro) or per operation (workloads) over the
/// run's steady state — from the first tenth of its commits to its last commit, so the process's
/// start, the CDA's population and registration (the initial full copy) and a delete workload's
/// warm-up are left out — and the run's checks.
/// </summary>
public sealed record PointResult(object Point, EventVector PerUnit, long Units, bool Ok, string? Failure)
{
    /// <summary>
    /// Writes and unique pages per transaction over the whole run, from each commit's record: kept
    /// for the workload runs under <see cref="Table2.CountingTechnique"/> only (Table 2's method),
    /// null otherwise.
    /// </summary>
    public TransactionWrites? Writes { get; init; }
}

/// <summary>Runs the experiments of the claims.</summary>
public static class ClaimExperiments
{
    /// <summary>The micro guest's name in guests/bin.</summary>
    public const string MicroGuest = "micro";

    public static PointResult RunMicro(MicroPoint point, ClaimSettings settings)
    {
        string path = Path.Combine(settings.GuestDirectory, MicroGuest);
        string[] argv =
        [
            BundledFiles.GuestRunName(path), point.CdaKib.ToString(CultureInfo.InvariantCulture), point.Wpp, point.Ppt,
            settings.Tcount.ToString(CultureInfo.InvariantCulture), settings.Seed.ToString(CultureInfo.InvariantCulture),
        ];
        var platform = new PlatformOptions { Platform = point.Platform };
        Steady steady = new(settings.Tcount, PlatformNames.Name(point.Platform));
        (int? status, BackupCheck check, string text) = Run(path, argv, point.Platform, point.Technique, steady);
        bool ok = status == 0 && check.Equal && steady.Complete;
        string? failure = ok ? null : $"{point}: exit {status}, backup {(check.Equal ? "equal" : "differs")}, {steady.Commits} commits: {text.Trim()}";
        return new PointResult(point, steady.PerCommit(), steady.Units, ok, failure);
    }

    public static PointResult RunWorkload(WorkloadPoint point, ClaimSettings settings)
    {
        DataStructure structure = DataStructures.Find(point.Structure) ?? throw new ArgumentException($"unknown structure {point.Structure}");
        var spec = new WorkloadSpec(structure, point.Operation, point.Opt, settings.WorkloadOps, settings.Seed) { Suite = point.Suite ?? settings.Suite };
        string path = Path.Combine(settings.GuestDirectory, spec.GuestName);
        Steady steady = new(spec.Transactions, Platforms.XenPv);
        var argv = new List<string> { BundledFiles.GuestRunName(path) };
        argv.AddRange(spec.GuestArguments);
        // Table 2's counts come for free from the runs that log every store (its own method, Table2.Measure).
        TransactionWrites? writes = point.Technique == Table2.CountingTechnique ? new TransactionWrites() : null;
        (int? status, BackupCheck check, string text) = Run(path, argv, Platform.XenPv, point.Technique, steady, writes);
        bool ok = status == 0 && check.Equal && text.Contains("invariants=ok", StringComparison.Ordinal) && steady.Complete;
        // Per operation: a transaction holds OPT operations (the last may hold fewer; the interval excludes it only when OPS is not a multiple).
        return new PointResult(point, steady.PerCommit() / point.Opt, steady.Units * point.Opt, ok, ok ? null : $"{point}: {text.Trim()}") { Writes = writes };
    }

    /// <summary>As <see cref="CheckpointedRun"/> (which does not hand out its kernel), with the ledger watched at each commit.</summary>
    private static (int? Status, BackupCheck Check, string Output) Run(string path, IReadOnlyList<string> argv, Platform platform, Technique technique, Steady steady,
        TransactionWrites? writes = null)
    {
        var output = new MemoryStream();
        var kernel = new GuestKernel(new KernelOptions { Platform = new PlatformOptions { Platform = platform } }, Stream.Null, output, output);
        var session = new CheckpointSession(kernel, new CheckpointOptions { Technique = technique }, Path.GetFileName(path));
        steady.Observe(kernel, session);
        if (writes is not null)
        {
            session.Committed += commit => writes.Add(commit.Record);
        }
        Process process = kernel.CreateProcess(File.ReadAllBytes(path), BundledFiles.GuestRunName(path), argv, []);
        kernel.Run(process);
        return (process.ExitStatus, session.CheckAtExit(), Encoding.UTF8.GetString(output.ToArray()));
    }

    /// <summary>
    /// The events of one mprotect(1 page, RW) call from user level, as the bundled guest trace's PT
    /// handler makes it (between the markers around one store): from its SyscallEntry to the return
    /// to user mode. Section II.D's experiment (C1): the same call natively and on xen-pv.
    /// </summary>
    public static EventVector MprotectCall(Platform platform, ClaimSettings settings)
    {
        string path = Path.Combine(settings.GuestDirectory, "trace");
        var kernel = new GuestKernel(new KernelOptions { Platform = new PlatformOptions { Platform = platform }, MaxInstructions = 10_000_000 },
            Stream.Null, new MemoryStream(), new MemoryStream());
        int markers = 0;
        kernel.MarkerPassed = () =>
        {
            if (++markers == 1)
            {
                kernel.Ledger.StartTrace();
            }
            else
            {
                kernel.Ledger.StopTrace();
            }
        };
        kernel.ProcessExiting = _ => kernel.Ledger.StopTrace();
        Process process = kernel.CreateProcess(File.ReadAllBytes(path), BundledFiles.GuestRunName(path), ["trace", "pt"], []);
        kernel.Run(process);
        IReadOnlyList<TraceStep> steps = kernel.Ledger.Trace;
        int start = -1;
        for (int i = 0; i < steps.Count; i++)
        {
            if (steps[i].Kind == EventKind.SyscallEntry && steps[i].Data.Syscall == "mprotect")
            {
                start = i;
                break;
            }
        }
        if (start < 0 || process.ExitStatus != 0)
        {
            throw new InvalidOperationException($"the trace guest made no traced mprotect on {PlatformNames.Name(platform)} (status {process.ExitStatus})");
        }
        var vector = new EventVector(PlatformNames.Name(platform));
        for (int i = start; i < steps.Count; i++)
        {
            vector[steps[i].Kind, steps[i].Layer] += 1;
            if (steps[i].Subkind is string subkind)
            {
                vector[steps[i].Kind, steps[i].Layer, subkind] += 1;
            }
            if (steps[i].Kind == EventKind.ReturnToUser)
            {
                return vector;
            }
        }
        throw new InvalidOperationException("the traced mprotect never returned to user mode");
    }

    /// <summary>Snapshots of the ledger at the commit that opens the steady state and at the last commit.</summary>
    private sealed class Steady(long expected, string platform)
    {
        private readonly long _first = Math.Max(1, expected / 10);
        private GuestKernel? _kernel;
        private EventVector? _start;
        private EventVector? _end;

        public long Commits { get; private set; }

        public long Units => Commits - _first;

        public bool Complete => Commits == expected && _start is not null && Units > 0;

        public void Observe(GuestKernel kernel, CheckpointSession session)
        {
            _kernel = kernel;
            session.Committed += _ =>
            {
                Commits++;
                if (Commits == _first)
                {
                    _start = EventVector.Snapshot(_kernel!.Ledger, platform);
                }
                else if (Commits == expected)
                {
                    _end = EventVector.Snapshot(_kernel!.Ledger, platform);
                }
            };
        }

        public EventVector PerCommit() => _start is null || _end is null || Units <= 0
            ? new EventVector(platform)
            : (_end - _start) / Units;
    }
}

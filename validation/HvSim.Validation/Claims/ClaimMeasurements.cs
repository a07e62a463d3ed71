using HvSim.Checkpoint;
using HvSim.Core;
using HvSim.Hypervisor;

namespace HvSim.Validation.Claims;

/// <summary>
/// Every experiment the claims need, run once (in parallel), and the counts per transaction or per
/// operation of each. Which claim uses which point is in <see cref="ClaimsTable"/> and <see cref="ClaimsCalibration"/>.
/// </summary>
public sealed class ClaimMeasurements
{
    /// <summary>Writes per page of Figure 6 (PT/PTxen against PPT) and of Figure 10.</summary>
    public const string Wpp = "4";

    /// <summary>The two ends of Figure 6's and Figure 7's PPT axis (slopes are taken between them).</summary>
    public const string PptLow = "1", PptHigh = "16";

    /// <summary>Figure 8: WPP points of the lines whose crossing is the break-even WPP.</summary>
    public const string WppLow = "1", WppHigh = "8";

    /// <summary>Figure 9: the CDA sizes of the slope per MB (at PPT 4).</summary>
    public const int ScanCdaLow = 1024, ScanCdaHigh = 4096;

    public static readonly Technique[] UserLevel = [Technique.Pt, Technique.Emul];
    public static readonly Technique[] Assisted = [Technique.PtXen, Technique.EmulXen];
    public static readonly Technique[] Four = [Technique.Pt, Technique.Emul, Technique.PtXen, Technique.EmulXen];

    private readonly Dictionary<object, PointResult> _results;

    // Each point's counts without the copy, made once: the claims ask for them again under every
    // profile the prediction bands refit (a thousand), from several threads.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<object, EventVector> _withoutCopy = new();

    private ClaimMeasurements(ClaimSettings settings, Dictionary<object, PointResult> results, EventVector mprotectNative, EventVector mprotectXen)
    {
        Settings = settings;
        _results = results;
        MprotectNative = mprotectNative;
        MprotectXen = mprotectXen;
    }

    public ClaimSettings Settings { get; }

    /// <summary>One user-level mprotect(1 page) natively and on xen-pv (C1).</summary>
    public EventVector MprotectNative { get; }

    public EventVector MprotectXen { get; }

    public IEnumerable<PointResult> Results => _results.Values;

    /// <summary>The microbenchmark points (xen-pv and, for Scanxen, xen-shadow).</summary>
    public static IReadOnlyList<MicroPoint> MicroPoints(ClaimSettings s)
    {
        var points = new List<MicroPoint>();
        (string Wpp, string Ppt)[] grid =
        [
            (Wpp, PptLow), (Wpp, PptHigh), (Wpp, "4"), ("16", "4"), ("16", "1"),
            (WppLow, s.Fig8Ppt), (WppHigh, s.Fig8Ppt), ("5", s.Fig8Ppt), ("1.3", s.Fig8Ppt), (Wpp, s.Fig8Ppt),
        ];
        foreach (Technique technique in Four)
        {
            foreach ((string wpp, string ppt) in grid)
            {
                points.Add(new MicroPoint(technique, Platform.XenPv, s.CdaKib, wpp, ppt));
            }
        }
        points.Add(new MicroPoint(Technique.ScanXen, Platform.XenShadow, ScanCdaLow, Wpp, PptLow));
        points.Add(new MicroPoint(Technique.ScanXen, Platform.XenShadow, ScanCdaLow, Wpp, PptHigh));
        points.Add(new MicroPoint(Technique.ScanXen, Platform.XenShadow, ScanCdaLow, Wpp, "4"));
        points.Add(new MicroPoint(Technique.ScanXen, Platform.XenShadow, ScanCdaHigh, Wpp, "4"));
        return points.Distinct().ToArray();
    }

    /// <summary>Every (structure, operation) pair of Table 2 under the four techniques on xen-pv, OPT 1 and 5.</summary>
    public static IReadOnlyList<WorkloadPoint> WorkloadPoints()
    {
        var points = new List<WorkloadPoint>();
        foreach (int opt in new[] { 1, 5 })
        {
            foreach ((DataStructure structure, DsOperation operation) in DataStructures.Suite)
            {
                foreach (Technique technique in Four)
                {
                    points.Add(new WorkloadPoint(structure.Name, operation, opt, technique));
                }
            }
        }
        return points;
    }

    /// <summary>Runs everything (workloads and microbenchmark points in parallel); <paramref name="workloads"/> false skips the holdouts' workloads.</summary>
    public static ClaimMeasurements Run(ClaimSettings settings, bool workloads = true, Action<PointResult>? done = null) =>
        Run(settings, workloads, [], [], done);

    /// <summary>
    /// Runs the claims' points and <paramref name="extraMicro"/> and <paramref name="extraWorkloads"/>
    /// (e.g. the figures' grids) in one parallel pass, each distinct point once; every one of them can
    /// then be looked up (<see cref="Result"/>, <see cref="Micro(MicroPoint)"/>, <see cref="Workload(WorkloadPoint, bool)"/>).
    /// </summary>
    public static ClaimMeasurements Run(ClaimSettings settings, bool workloads, IEnumerable<MicroPoint> extraMicro, IEnumerable<WorkloadPoint> extraWorkloads,
        Action<PointResult>? done = null)
    {
        IReadOnlyList<object> jobs = Jobs(settings, workloads, extraMicro, extraWorkloads);
        PointResult[] results = ParallelRuns.Map(jobs, job => job switch
        {
            WorkloadPoint w => ClaimExperiments.RunWorkload(w, settings),
            MicroPoint m => ClaimExperiments.RunMicro(m, settings),
            _ => throw new InvalidOperationException(),
        }, done, startOrder: StartOrder(jobs));
        return From(settings, results);
    }

    /// <summary>
    /// The order in which <see cref="Run"/> starts the jobs: the workloads that fault most per
    /// operation first (by the paper's Table 2: every write faults under Emul and Emulxen, every page
    /// of a transaction under PT and PTxen), then the rest as listed. The textbook tree insert under
    /// Emul (720 writes per operation, 7.2 million emulated writes) takes a third of a full
    /// reproduction's measuring on its own: started last, as the list has it, it ran alone at the end
    /// while the other core idled. The order changes no result (each run owns its machine).
    /// </summary>
    public static IReadOnlyList<int> StartOrder(IReadOnlyList<object> jobs) =>
        Enumerable.Range(0, jobs.Count).OrderByDescending(i => ExpectedFaultsPerOperation(jobs[i])).ToArray(); // stable: ties keep the list's order

    private static double ExpectedFaultsPerOperation(object job)
    {
        if (job is not WorkloadPoint w || PaperTable2.Find(w.Structure, w.Operation) is not { } row
            || w.Opt is not (1 or 5))
        {
            return 0;
        }
        bool emulation = w.Technique is Technique.Emul or Technique.EmulXen;
        return (emulation ? row.Writes(w.Opt) : row.Pages(w.Opt)) / w.Opt;
    }

    /// <summary>
    /// The measurements of points run elsewhere (a sharded sweep's results, read back): each point's
    /// result as its run made it; the two traced mprotect calls of C1 are made here (milliseconds).
    /// </summary>
    public static ClaimMeasurements From(ClaimSettings settings, IEnumerable<PointResult> results) =>
        new(settings, results.ToDictionary(r => r.Point),
            ClaimExperiments.MprotectCall(Platform.Native, settings), ClaimExperiments.MprotectCall(Platform.XenPv, settings));

    /// <summary>
    /// The distinct points a run makes: the workloads first, then the microbenchmark points; the
    /// claims' own before the extra ones (<see cref="StartOrder"/> says which start first).
    /// </summary>
    public static IReadOnlyList<object> Jobs(ClaimSettings settings, bool workloads, IEnumerable<MicroPoint> extraMicro, IEnumerable<WorkloadPoint> extraWorkloads)
    {
        var jobs = new List<object>();
        if (workloads)
        {
            jobs.AddRange(WorkloadPoints().Concat(extraWorkloads).Distinct());
        }
        jobs.AddRange(MicroPoints(settings).Concat(extraMicro).Distinct());
        return jobs;
    }

    /// <summary>The result of any measured point (a claim's or an extra one), failed or not; null when it was not run.</summary>
    public PointResult? Result(object point) => _results.GetValueOrDefault(point);

    /// <summary>Counts per transaction of any measured microbenchmark point, without the copy to the helper; throws when it failed or was not run.</summary>
    public EventVector Micro(MicroPoint point) => WithoutCopy(point);

    /// <summary>Counts per operation of any measured workload point; <paramref name="withCopy"/> keeps the copy to the helper.</summary>
    public EventVector Workload(WorkloadPoint point, bool withCopy = false) =>
        withCopy ? Get(point).PerUnit : WithoutCopy(point);

    public bool HasWorkloads => _results.Keys.OfType<WorkloadPoint>().Any();

    /// <summary>Counts per transaction of a microbenchmark point, without the copy to the helper (the paper's Figs 6-10 time the transactions).</summary>
    public EventVector Micro(Technique technique, string wpp, string ppt, int? cdaKib = null) =>
        Micro(new MicroPoint(technique, MicroPlatform(technique), cdaKib ?? Settings.CdaKib, wpp, ppt));

    /// <summary>The platform the microbenchmark runs a technique on: xen-shadow for Scanxen (it needs shadow paging), xen-pv otherwise.</summary>
    public static Platform MicroPlatform(Technique technique) => technique == Technique.ScanXen ? Platform.XenShadow : Platform.XenPv;

    /// <summary>Counts per operation of a workload run; <paramref name="withCopy"/> keeps the copy to the helper (Figs 17-18).</summary>
    public EventVector Workload(string structure, DsOperation operation, int opt, Technique technique, bool withCopy = false) =>
        Workload(new WorkloadPoint(structure, operation, opt, technique), withCopy);

    /// <summary>Bytes copied to the helper per operation.</summary>
    public double CopiedBytesPerOp(string structure, DsOperation operation, int opt, Technique technique) =>
        Get(new WorkloadPoint(structure, operation, opt, technique)).PerUnit[EventKind.CopyBytes, Layer.User];

    private EventVector WithoutCopy(object point) =>
        _withoutCopy.TryGetValue(point, out EventVector? v) ? v : _withoutCopy.GetOrAdd(point, Get(point).PerUnit.Without(EventKind.CopyBytes));

    private PointResult Get(object point) => _results.TryGetValue(point, out PointResult? r)
        ? (r.Ok ? r : throw new InvalidOperationException($"experiment failed: {r.Failure}"))
        : throw new InvalidOperationException($"experiment {point} was not run");
}

using HvSim.Checkpoint;
using HvSim.Hypervisor;

namespace HvSim.Validation;

/// <summary>One cell pair of Table 2: our averages for one (structure, operation, OPT), the paper's beside them.</summary>
/// <param name="Writes">Average writes per transaction: stores into the CDA, counted by the simulator.</param>
/// <param name="Pages">Average unique pages written per transaction.</param>
/// <param name="Counts">The totals behind the averages (transactions, writes, pages, fallbacks).</param>
/// <param name="Run">The run that produced them (its invariants and backup check).</param>
public sealed record Table2Entry(WorkloadSpec Spec, double Writes, double Pages, TransactionWrites Counts, PaperRow Paper, WorkloadResult Run)
{
    public WorkloadSuite Suite => Spec.Suite;

    public Table2Cell Cell => new(Writes, PaperWrites, Pages, PaperPages);

    public string Structure => Spec.Structure.Name;

    public DsOperation Operation => Spec.Operation;

    public long Opt => Spec.Opt;

    public double PaperWrites => Paper.Writes(Opt);

    public double PaperPages => Paper.Pages(Opt);
}

/// <summary>
/// The paper's Table 2 measured on the simulated machine. Method: each (structure, operation) of
/// the table runs with OPT 1 and 5 under Emulxen on xen-pv, where every store into the CDA takes
/// a write fault into the hypervisor, which emulates it and logs it in the transaction's record
/// (docs/checkpoint-abi.md). A transaction's writes are its record's logged words and its unique
/// pages the distinct pages they fall on plus any page listed whole (<see cref="TransactionWrites"/>);
/// the averages are over the run's transactions. Nothing in the C code counts anything.
/// </summary>
public static class Table2
{
    /// <summary>The technique whose records are the count: every CDA store is logged one by one.</summary>
    public const Technique CountingTechnique = Technique.EmulXen;

    /// <summary>The platform the counting technique runs on.</summary>
    public static PlatformOptions CountingPlatform { get; } = new() { Platform = Platform.XenPv };

    /// <summary>The OPT values of the paper's columns.</summary>
    public static IReadOnlyList<long> Opts { get; } = [1, 5];

    /// <summary>The runs of the table, in its order: every paper row with OPT 1, then 5.</summary>
    /// <param name="cdaKib">The CDA's size (null: the guests' default); it changes no count, only the cost of registering.</param>
    public static IReadOnlyList<WorkloadSpec> Specs(long ops = 10000, long seed = 1, long? cdaKib = null, WorkloadSuite suite = WorkloadSuites.Default) =>
        PaperTable2.Rows.SelectMany(row => Opts.Select(opt => new WorkloadSpec(Structure(row), row.Operation, opt, ops, seed, cdaKib) { Suite = suite })).ToArray();

    /// <summary>Measures one run of the table.</summary>
    public static Table2Entry Measure(string elfPath, WorkloadSpec spec)
    {
        PaperRow paper = PaperTable2.Find(spec.Structure.Name, spec.Operation)
            ?? throw new ArgumentException($"Table 2 has no row for {spec.Structure.Name} {DataStructures.Name(spec.Operation)}", nameof(spec));
        var counts = new TransactionWrites();
        WorkloadResult run = WorkloadRunner.Run(elfPath, spec, CountingTechnique, CountingPlatform, counts);
        return new Table2Entry(spec, counts.WritesPerTransaction, counts.PagesPerTransaction, counts, paper, run);
    }

    /// <summary>Measures the whole table in parallel (<paramref name="done"/>: per finished run, from worker threads).</summary>
    /// <param name="guestPath">Where a run's guest is (normally guests/bin/ and the spec's <see cref="WorkloadSpec.GuestName"/>).</param>
    public static IReadOnlyList<Table2Entry> MeasureAll(Func<WorkloadSpec, string> guestPath, long ops = 10000, long seed = 1,
        long? cdaKib = null, Action<Table2Entry>? done = null, int? parallelism = null, WorkloadSuite suite = WorkloadSuites.Default) =>
        ParallelRuns.Map(Specs(ops, seed, cdaKib, suite), spec => Measure(guestPath(spec), spec), done, parallelism);

    private static DataStructure Structure(PaperRow row) =>
        DataStructures.Find(row.Structure) is DataStructure s && s.Operations.Contains(row.Operation)
            ? s
            : throw new InvalidOperationException($"Table 2's row {row.Structure} {DataStructures.Name(row.Operation)} is not in the suite");
}

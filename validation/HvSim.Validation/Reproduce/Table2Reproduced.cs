using HvSim.Validation.Claims;

namespace HvSim.Validation.Reproduce;

/// <summary>One row of Table 2 as reproduced: ours (writes and unique pages per transaction) and the paper's.</summary>
public sealed record Table2Row(string Structure, DsOperation Operation, int Opt, double Writes, double Pages, double PaperWrites, double PaperPages, long Transactions)
{
    /// <summary>Whose structures ran.</summary>
    public WorkloadSuite Suite { get; init; } = WorkloadSuites.Default;

    public Table2Cell Cell => new(Writes, PaperWrites, Pages, PaperPages);
}

/// <summary>
/// Table 2 from the workload runs under <see cref="Table2.CountingTechnique"/> that the claims make
/// anyway (every CDA store is logged one by one; <see cref="Table2"/> says how it counts): no extra run.
/// </summary>
public static class Table2Reproduced
{
    /// <summary>
    /// The rows in the paper's order, OPT 1 then 5, of the settings' suite or (<paramref name="suite"/>)
    /// of another whose runs were measured alongside (reproduce's contrast table); a pair whose run
    /// failed or was not run is left out and named in <paramref name="failures"/>.
    /// </summary>
    public static IReadOnlyList<Table2Row> From(ClaimMeasurements m, ICollection<string> failures, WorkloadSuite? suite = null)
    {
        var rows = new List<Table2Row>();
        foreach (PaperRow paper in PaperTable2.Rows)
        {
            foreach (long opt in Table2.Opts)
            {
                var point = new WorkloadPoint(paper.Structure, paper.Operation, (int)opt, Table2.CountingTechnique) { Suite = suite };
                PointResult? result = m.Result(point);
                if (result is not { Ok: true, Writes: TransactionWrites writes })
                {
                    failures.Add($"table2: {point}: {(result is null ? "not run" : result.Failure ?? "no counts")}");
                    continue;
                }
                rows.Add(new Table2Row(paper.Structure, paper.Operation, (int)opt, writes.WritesPerTransaction, writes.PagesPerTransaction,
                    paper.Writes(opt), paper.Pages(opt), writes.Transactions) { Suite = suite ?? m.Settings.Suite });
            }
        }
        return rows;
    }
}

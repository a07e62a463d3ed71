using HvSim.Validation.Claims;

namespace HvSim.Validation.Reproduce;

/// <summary>claims.csv and table2.csv of a reproduction.</summary>
public static class TableCsv
{
    /// <summary>One row per claim: id, source, role, paper, simulated, relative_error (empty for orderings and ranges), pass, quantity, note.</summary>
    public static string Claims(IReadOnlyList<ClaimResult> claims)
    {
        var text = new System.Text.StringBuilder();
        text.Append(Csv.Line(["id", "source", "role", "paper", "simulated", "relative_error", "pass", "quantity", "note"]));
        foreach (ClaimResult r in claims)
        {
            text.Append(Csv.Line([
                r.Claim.Id, Csv.Field(r.Claim.Source), PaperClaims.RoleName(r.Claim.Role), Csv.Field(r.Claim.PaperValue), Csv.Field(r.Simulated),
                r.RelativeError is double e && double.IsFinite(e) ? Csv.Number(Math.Round(e, 6)) : "",
                r.Pass ? "true" : "false", Csv.Field(r.Claim.Quantity), Csv.Field(r.Note),
            ]));
        }
        return text.ToString();
    }

    /// <summary>One row per (suite, structure, operation, OPT): ours, the paper's and the ratios ours / paper.</summary>
    public static string Table2(IReadOnlyList<Table2Row> rows)
    {
        var text = new System.Text.StringBuilder();
        text.Append(Csv.Line(["suite", "structure", "operation", "opt", "writes", "pages", "paper_writes", "paper_pages", "writes_ratio", "pages_ratio", "transactions"]));
        foreach (Table2Row r in rows)
        {
            text.Append(Csv.Line([
                WorkloadSuites.Name(r.Suite), r.Structure, DataStructures.Name(r.Operation), Csv.Number(r.Opt), Csv.Number(Math.Round(r.Writes, 6)), Csv.Number(Math.Round(r.Pages, 6)),
                Csv.Number(r.PaperWrites), Csv.Number(r.PaperPages), Csv.Number(Math.Round(r.Writes / r.PaperWrites, 6)), Csv.Number(Math.Round(r.Pages / r.PaperPages, 6)),
                Csv.Number(r.Transactions),
            ]));
        }
        return text.ToString();
    }
}

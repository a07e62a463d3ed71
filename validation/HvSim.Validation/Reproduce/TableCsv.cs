using HvSim.Validation.Claims;

namespace HvSim.Validation.Reproduce;

/// <summary>claims.csv and table2.csv of a reproduction.</summary>
public static class TableCsv
{
    /// <summary>
    /// One row per claim: id, source, role, paper, simulated, relative_error (empty for orderings and
    /// ranges), pass, value, band_low, band_high (empty for orderings or without bands),
    /// band_reachable, sensitive_to (price names separated by spaces), quantity, note.
    /// </summary>
    public static string Claims(IReadOnlyList<ClaimResult> claims)
    {
        var text = new System.Text.StringBuilder();
        text.Append(Csv.Line(["id", "source", "role", "paper", "simulated", "relative_error", "pass", "value", "band_low", "band_high", "band_reachable", "sensitive_to", "quantity", "note"]));
        foreach (ClaimResult r in claims)
        {
            text.Append(Csv.Line([
                r.Claim.Id, Csv.Field(r.Claim.Source), PaperClaims.RoleName(r.Claim.Role), Csv.Field(r.Claim.PaperValue), Csv.Field(r.Simulated),
                r.RelativeError is double e && double.IsFinite(e) ? Csv.Number(Math.Round(e, 6)) : "",
                r.Pass ? "true" : "false",
                Optional(r.Value), Optional(r.Band?.Low), Optional(r.Band?.High),
                r.Band is null ? "" : r.Band.Reachable ? "true" : "false",
                Csv.Field(string.Join(" ", r.Band?.SensitiveTo ?? [])),
                Csv.Field(r.Claim.Quantity), Csv.Field(r.Note),
            ]));
        }
        return text.ToString();
    }

    private static string Optional(double? value) => value is double v && double.IsFinite(v) ? Csv.Number(double.Parse(v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture)) : "";

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

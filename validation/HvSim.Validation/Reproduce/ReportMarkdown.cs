using System.Globalization;
using System.Text;
using HvSim.Core;
using HvSim.Validation.Claims;

namespace HvSim.Validation.Reproduce;

/// <summary>
/// report.md of a reproduction: what was run (settings, profile, the parameters the paper leaves
/// unstated and ours, how it ran), the claims table, one section per figure (its PNG, what it
/// shows, what our numbers say) and Table 2 ours beside the paper's. Only the "ran" line (where
/// and how long) differs between two runs with the same settings, sharded or not.
/// </summary>
public static class ReportMarkdown
{
    /// <param name="ran">How the measurements were made, e.g. "in one process on 2 cores, 10.8 s wall time".</param>
    public static string Text(ReproduceResult r, string ran)
    {
        ReproduceSettings s = r.Settings;
        ClaimSettings c = s.Claims;
        FigureGrid g = s.Grid;
        var md = new StringBuilder();
        md.AppendLine("# Reproduction of \"Hypervisor-assisted application checkpointing\" (2011)");
        md.AppendLine();
        md.AppendLine(Inv($"Produced by `hvsim reproduce` ({s.Mode} mode). Every number here is simulated: the simulator counts the events of each run, the cost profile prices them. Files beside this one: one CSV and one PNG per figure, `table2.csv`, `claims.csv`."));
        md.AppendLine();

        md.AppendLine("## What was run");
        md.AppendLine();
        int micro = r.Measurements.Results.Count(x => x.Point is MicroPoint), workloads = r.Measurements.Results.Count(x => x.Point is WorkloadPoint);
        md.AppendLine("| setting | value |");
        md.AppendLine("|---|---|");
        md.AppendLine(Inv($"| mode | {s.Mode}{(s.Figures is null ? "" : $" (figures {string.Join(", ", s.Figures)} only)")} |"));
        md.AppendLine(Inv($"| cost profile | `{r.Profile.Name}`: {Cell(r.Profile.Description)} |"));
        md.AppendLine(Inv($"| experiments | {r.Experiments} distinct simulated runs ({micro} microbenchmark points, {workloads} workload runs), each run once; plus one traced mprotect call natively and one on xen-pv (claim C1) |"));
        md.AppendLine(Inv($"| microbenchmark | {c.Tcount} transactions per point, seed {c.Seed}; times scaled to the paper's Tcount = {ClaimSettings.PaperTcount} |"));
        md.AppendLine(Inv($"| workloads | {c.WorkloadOps} operations per run (OPT 1: {c.WorkloadOps} transactions, OPT 5: {(c.WorkloadOps + 4) / 5}), seed {c.Seed}; times and data scaled to the paper's {ClaimSettings.PaperOps} operations |"));
        md.AppendLine($"| ran | {Cell(ran)} |");
        md.AppendLine(Inv($"| hvsim | {HvSim.Core.BuildVersion.Text} (the version and the git commit it was built from) |"));
        md.AppendLine();
        md.AppendLine(Inv($"**Run length.** Each microbenchmark point was measured over {c.Tcount} transactions and scaled: the counts per transaction are constant in the steady state (every transaction takes the same path; a test checks that they do not depend on Tcount), so the steady-state interval's counts (from the first tenth of the commits to the last, leaving out the start, the CDA's population and its registration) divided by its length, times {ClaimSettings.PaperTcount}, are the paper's run. `--tcount {ClaimSettings.PaperTcount}` runs the literal length (slow). ") +
            Inv($"Each workload ran {c.WorkloadOps} operations{(c.WorkloadOps == ClaimSettings.PaperOps ? " (the paper's length, literally)" : "")}; its per-operation counts over the steady state are scaled to {ClaimSettings.PaperOps} operations."));
        md.AppendLine();

        md.AppendLine("### Parameters the paper leaves unstated");
        md.AppendLine();
        md.AppendLine("| parameter | our value | why |");
        md.AppendLine("|---|---|---|");
        double? copyNs = r.Profile.Find(EventKind.CopyBytes, Layer.User, "xen-pv")?.Ns;
        (string, string, string)[] rows =
        [
            ("platform", "xen-pv (direct paging) for PT, Emul, PTxen, Emulxen; xen-shadow for Scanxen; both as a 32-bit PV guest (system calls through a trap gate into the ring-1 kernel, which returns to user mode with a plain iret)", "the paper ran a 32-bit paravirtualized Linux 2.6.18 guest on Xen 4.1; Scanxen reads shadow-PTE dirty bits, so it needs shadow paging"),
            ("CDA of Figs 6, 7, 8, 10", Inv($"{c.CdaKib} KiB"), "not given; it changes no per-transaction count of PT, Emul, PTxen or Emulxen, only Scanxen's scan"),
            ("PPT of Figs 8 and 10", c.Fig8Ppt, "not given; the paper reads its break-even WPP 5 as \"five write emulations and page faults are equivalent to a single page protection and page fault\": one page per transaction"),
            ("WPP of Figs 9 and 10", FigureContext.Arg(g.Fig9Wpp), "Fig 10 is the paper's \"sample case of WPP=4\"; Fig 9 does not say"),
            ("Fig 6 axes", Inv($"PPT {{{Join(g.Fig6Ppt)}}}, WPP {{{Join(g.Fig6Wpp)}}}"), "the paper names WPP 4, 8 and 16, not the PPT points"),
            ("Fig 7 axes", Inv($"Tsize {{{Join(g.Fig7Tsize)}}}, WPP {{{Join(g.Fig7Wpp)}}}, PPT = Tsize / WPP"), "not given"),
            ("Fig 8 axis", Inv($"WPP {{{Join(g.Fig8Wpp)}}} (decimal WPP: the microbenchmark spreads the writes)"), "not given; the break-even WPPs 5 and 1.3 lie inside"),
            ("Fig 9 axes", Inv($"PPT {{{Join(g.Fig9Ppt)}}}, CDA {{{string.Join(", ", g.Fig9CdaKib.Select(k => $"{k} KiB"))}}}"), "not given; the paper's model is in MB of CDA"),
            ("microbenchmark pages", Inv($"chosen by the guest from seed {c.Seed}"), "not given"),
            ("workload suite", Inv($"{WorkloadSuites.Name(c.Suite)}: {WorkloadSuites.Description(c.Suite)}; deletes remove keys inserted before registration; the driver's 8 MiB CDA"),
                c.Suite == WorkloadSuite.Textbook
                    ? "the paper ran the code of its reference [25], Weiss's textbook, on a 32-bit guest; guests/textbook/README.md says which key order comes from which of the book's drivers"
                    : "not given (the paper ran Weiss's textbook code); --suite textbook runs that"),
            ("copy to the helper", copyNs is double ns ? Inv($"CopyBytes at {ns} ns per byte (the profile's price); left out of Figs 6-16, in Figs 17-18") : "the profile has no CopyBytes price", "Section VI.C: a memcpy into a buffer shared with the helper"),
            ("word size", c.Suite == WorkloadSuite.Textbook
                ? "x86-64 guest; the textbook structures store 4-byte keys, counts and links (32-bit offsets into the CDA)"
                : "x86-64 guest (8-byte words and pointers)", "the paper's guest was 32-bit Linux 2.6.18"),
        ];
        foreach ((string parameter, string value, string why) in rows)
        {
            md.AppendLine($"| {Cell(parameter)} | {Cell(value)} | {Cell(why)} |");
        }
        md.AppendLine();

        Claims(md, r.Claims, r.Profile.Name, r.Bands);
        Figures(md, r);
        Table2(md, r.Table2, r.ContrastTable2, c.WorkloadOps);

        if (r.Failures.Count > 0)
        {
            md.AppendLine("## Failures");
            md.AppendLine();
            foreach (string failure in r.Failures)
            {
                md.AppendLine($"- {failure}");
            }
            md.AppendLine();
        }
        return md.ToString();
    }

    private static void Claims(StringBuilder md, IReadOnlyList<ClaimResult> claims, string profile, BandSummary? bands)
    {
        md.AppendLine("## Claims");
        md.AppendLine();
        md.AppendLine(Inv($"Under profile `{profile}`. Tolerance, stated before the results: numbers within ±{ClaimsTable.Tolerance:0%} of the paper's (relative error = (simulated − paper) / paper); orderings and ranges must hold exactly. ") +
            "Role: *calibration* claims may be fitted by the default profile; *holdout* claims are predicted, never fitted.");
        md.AppendLine();
        if (bands is not null)
        {
            md.AppendLine($"Prediction bands: {ClaimsTable.BandText(bands)}. *Reachable*: some admissible profile makes the claim pass. Sensitivity: each price with a range moved alone to its range's ends (the fitted prices refitted), the claim's numbers compared.");
            md.AppendLine();
        }
        md.AppendLine("| id | source | role | paper | simulated | relative error | within tolerance | band | reachable | most sensitive to | how |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (ClaimResult r in claims)
        {
            string error = r.RelativeError is double e && double.IsFinite(e) ? e.ToString("+0.0%;-0.0%;0.0%", CultureInfo.InvariantCulture) : "–";
            string band = r.Band is not ClaimBand b ? "–"
                : b.Low is double low && b.High is double high ? Inv($"{low:G4} – {high:G4}")
                : string.Join("; ", b.Parts.Select(p => Inv($"{p.Name} {p.Low:G4} – {p.High:G4}")));
            string reachable = r.Band is null ? "–" : r.Band.Reachable ? "yes" : "no";
            string sensitive = r.Band is null || r.Band.SensitiveTo.Count == 0 ? "–" : string.Join(", ", r.Band.SensitiveTo.Select(n => $"`{n}`"));
            md.AppendLine($"| {r.Claim.Id} | {Cell(r.Claim.Source)} | {PaperClaims.RoleName(r.Claim.Role)} | {Cell(r.Claim.PaperValue)} | {Cell(r.Simulated)} | {error} | {(r.Pass ? "yes" : "**no**")} | {Cell(band)} | {reachable} | {sensitive} | {Cell(r.Claim.Quantity)}: {Cell(r.Note)} |");
        }
        md.AppendLine();
        int calibration = claims.Count(x => x.Claim.Role == ClaimRole.Calibration);
        string reach = bands is { Unavailable: null } ? Inv($"; {claims.Count(x => x.Claim.Role == ClaimRole.Holdout && x.Band is { Reachable: true })} holdouts can pass somewhere within the bands") : "";
        md.AppendLine(Inv($"Calibration: {claims.Count(x => x.Claim.Role == ClaimRole.Calibration && x.Pass)} of {calibration} within tolerance; holdout: {claims.Count(x => x.Claim.Role == ClaimRole.Holdout && x.Pass)} of {claims.Count - calibration}") + reach + ".");
        md.AppendLine();
    }

    private static void Figures(StringBuilder md, ReproduceResult r)
    {
        md.AppendLine("## Figures");
        md.AppendLine();
        md.AppendLine("Micro figures (6-10): seconds per 100000 transactions, without the copy to the helper. Workload figures (11-18): per (structure, operation) pair of Table 2, on xen-pv, for 10000 operations.");
        md.AppendLine();
        foreach (string id in FigureCatalog.For(r.Settings).Select(f => f.Id))
        {
            FigureData? d = r.Figures.FirstOrDefault(f => f.Id == id);
            if (d is null)
            {
                md.AppendLine($"### {id}");
                md.AppendLine();
                md.AppendLine("Not produced: see Failures.");
                md.AppendLine();
                continue;
            }
            md.AppendLine($"### {id}: {d.Title}");
            md.AppendLine();
            md.AppendLine($"![{id}]({id}.png)");
            md.AppendLine();
            md.AppendLine($"Shows: {d.Shows} Data: [{id}.csv]({id}.csv).");
            md.AppendLine();
            md.AppendLine($"Ours: {d.Finding}");
            md.AppendLine();
        }
    }

    private static void Table2(StringBuilder md, IReadOnlyList<Table2Row> rows, IReadOnlyList<Table2Row> contrast, long ops)
    {
        md.AppendLine("## Table 2");
        md.AppendLine();
        md.AppendLine(Inv($"Average writes and unique pages per transaction, from the Emulxen workload runs ({ops} operations: every store into the CDA is emulated and logged by the hypervisor), each suite beside the paper's. ") +
            "textbook: Weiss's code and his drivers' key orders on a 32-bit layout, the suite the figures and claims ran; ours: our own x86-64 structures under seeded random keys, for contrast. " +
            "A cell is within a factor when its writes and its pages both are; validation/TABLE2.md explains the cells more than 1.5x away. Data: [table2.csv](table2.csv).");
        md.AppendLine();
        foreach (IGrouping<WorkloadSuite, Table2Row> suite in rows.Concat(contrast).GroupBy(x => x.Suite))
        {
            md.AppendLine(Inv($"**{WorkloadSuites.Name(suite.Key)}** ({WorkloadSuites.Description(suite.Key)}): {Table2Agreement.Summary(suite.Select(x => x.Cell))}."));
            md.AppendLine();
        }
        var suites = rows.Concat(contrast).Select(x => x.Suite).Distinct().ToArray();
        md.AppendLine("| structure | operation | OPT | " + string.Join(" | ", suites.Select(x => $"{WorkloadSuites.Name(x)} writes")) + " | paper writes | "
            + string.Join(" | ", suites.Select(x => $"{WorkloadSuites.Name(x)} pages")) + " | paper pages |");
        md.AppendLine("|---|---|---|" + string.Concat(Enumerable.Repeat("---|", 2 * suites.Length + 2)));
        foreach (IGrouping<(string, DsOperation, int), Table2Row> cell in rows.Concat(contrast).GroupBy(x => (x.Structure, x.Operation, x.Opt)))
        {
            Table2Row first = cell.First();
            string Of(WorkloadSuite suite, Func<Table2Row, double> value) =>
                cell.FirstOrDefault(x => x.Suite == suite) is Table2Row x ? Inv($"{value(x):0.0}") : "–";
            md.AppendLine(Inv($"| {cell.Key.Item1} | {DataStructures.Name(cell.Key.Item2)} | {cell.Key.Item3} | ")
                + string.Join(" | ", suites.Select(x => Of(x, y => y.Writes))) + Inv($" | {first.PaperWrites:0.0##} | ")
                + string.Join(" | ", suites.Select(x => Of(x, y => y.Pages))) + Inv($" | {first.PaperPages:0.0#} |"));
        }
        md.AppendLine();
    }

    private static string Join(IEnumerable<double> values) => string.Join(", ", values.Select(FigureContext.Arg));

    /// <summary>Text safe inside a Markdown table cell.</summary>
    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

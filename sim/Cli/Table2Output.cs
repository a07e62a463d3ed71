using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using HvSim.Checkpoint;
using HvSim.Validation;

namespace HvSim.Cli;

/// <summary>
/// hvsim workload --table2: the paper's Table 2 (average writes and unique pages per
/// transaction, OPT 1 and 5) measured on the simulated machine beside the paper's figures
/// (<see cref="Table2"/> says how the simulator counts). JSON: an array of
/// {structure, operation, opt, writes, pages, paper_writes, paper_pages, ...} (plus bytes: the
/// average bytes those writes stored, which tells 8-byte stores from 16-byte ones).
/// </summary>
public static class Table2Output
{
    /// <summary>A ratio ours/paper beyond this factor either way is flagged and explained in validation/TABLE2.md.</summary>
    public const double LargeFactor = 1.5;

    public static int Run(long ops, long seed, long? cdaKib, bool json, WorkloadSuite suite = WorkloadSuites.Default)
    {
        IReadOnlyList<WorkloadSpec> specs = Table2.Specs(ops, seed, cdaKib, suite);
        Dictionary<string, string> guests = specs.Select(s => s.GuestName).Distinct().ToDictionary(g => g, BundledGuests.Find);
        var clock = Stopwatch.StartNew();
        Table2Entry[] entries = ProgressDisplay.Run($"Table 2: {specs.Count} runs", specs.Count, show: !json && ProgressDisplay.Interactive, step =>
            ParallelRuns.Map(specs, spec => Table2.Measure(guests[spec.GuestName], spec), _ => step()));
        clock.Stop();

        foreach (Table2Entry entry in entries.Where(e => !e.Run.Ok))
        {
            Console.Error.WriteLine($"hvsim: {entry.Spec} under {Techniques.Name(Table2.CountingTechnique)} failed: {entry.Run.Failure}");
        }
        Console.Out.Write(json ? Json(entries) + "\n" : Text(entries, ops, seed, clock.Elapsed, suite));
        return entries.All(e => e.Run.Ok) ? 0 : 1;
    }

    /// <summary>The table as an array of objects, in the paper's row order, OPT 1 before 5.</summary>
    public static string Json(IReadOnlyList<Table2Entry> entries)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (Table2Entry e in entries)
            {
                json.WriteStartObject();
                HvSim.Core.BuildVersion.WriteJson(json);
                json.WriteString("suite", WorkloadSuites.Name(e.Suite));
                json.WriteString("structure", e.Structure);
                json.WriteString("operation", DataStructures.Name(e.Operation));
                json.WriteNumber("opt", e.Opt);
                json.WriteNumber("writes", Math.Round(e.Writes, 4));
                json.WriteNumber("pages", Math.Round(e.Pages, 4));
                json.WriteNumber("bytes", Math.Round((double)e.Counts.WrittenBytes / Math.Max(1, e.Counts.Transactions), 4));
                json.WriteNumber("paper_writes", e.PaperWrites);
                json.WriteNumber("paper_pages", e.PaperPages);
                json.WriteNumber("ops", e.Spec.Ops);
                json.WriteNumber("seed", e.Spec.Seed);
                json.WriteNumber("transactions", e.Counts.Transactions);
                json.WriteNumber("empty_transactions", e.Counts.EmptyTransactions);
                json.WriteNumber("fallbacks", e.Counts.Fallbacks);
                json.WriteBoolean("invariants_ok", e.Run.InvariantsOk);
                json.WriteBoolean("backup_equal", e.Run.BackupEqual);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Text(IReadOnlyList<Table2Entry> entries, long ops, long seed, TimeSpan elapsed, WorkloadSuite suite)
    {
        long fallbacks = entries.Sum(e => e.Counts.Fallbacks);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Table 2: average writes and unique pages per transaction, {ops} operations per run (seed {seed}); ours beside the paper's, ratio = ours / paper");
        text.AppendLine(CultureInfo.InvariantCulture, $"  Suite {WorkloadSuites.Name(suite)}: {WorkloadSuites.Description(suite)}.");
        text.AppendLine("  How we count: each run goes under emulxen on xen-pv, where every guest store into the CDA faults into the hypervisor, which");
        text.AppendLine("  emulates it and logs it in the transaction's record. Writes = the record's logged words (one per store; a rep-string element");
        text.AppendLine("  counts as one, a store straddling two pages as two); pages = distinct pages of those words plus pages listed whole");
        text.AppendLine(CultureInfo.InvariantCulture, $"  (emulation fallbacks: {fallbacks}). The C code counts nothing.");
        if (suite == WorkloadSuite.Textbook)
        {
            text.AppendLine("  Word size: the paper's code was 32-bit (4-byte pointers and words); the textbook suite stores 4-byte keys, counts and links");
            text.AppendLine("  (32-bit offsets into the CDA) with volatile accesses, so each store is one 4-byte write, as on the paper's guest.");
        }
        else
        {
            text.AppendLine("  Word size: the paper's code was 32-bit (4-byte pointers and words), ours is x86-64 (8-byte pointers and keys): a pointer or");
            text.AppendLine("  key store is one write in both; a 16-byte SSE store (a memcpy's, or gcc storing two adjacent pointers at once) is one");
            text.AppendLine("  write for us where 32-bit code makes two to four; our nodes are twice as large (half as many per page).");
        }
        text.AppendLine("  '*': more than 1.5x apart, explained in validation/TABLE2.md.");
        text.AppendLine();
        var table = new ConsoleTable("structure", "op", ">OPT 1 writes", ">paper", ">ratio", ">pages", ">paper", ">ratio",
            ">OPT 5 writes", ">paper", ">ratio", ">pages", ">paper", ">ratio");
        foreach (IGrouping<(string, DsOperation), Table2Entry> row in entries.GroupBy(e => (e.Structure, e.Operation)))
        {
            var cells = new List<object> { row.Key.Item1, DataStructures.Name(row.Key.Item2) };
            foreach (Table2Entry e in row)
            {
                cells.AddRange([e.Writes.ToString("F1", CultureInfo.InvariantCulture), e.PaperWrites.ToString("0.0##", CultureInfo.InvariantCulture), Ratio(e.Writes, e.PaperWrites).Trim(),
                    e.Pages.ToString("F1", CultureInfo.InvariantCulture), e.PaperPages.ToString("0.0#", CultureInfo.InvariantCulture), Ratio(e.Pages, e.PaperPages).Trim()]);
            }
            table.AddRow([.. cells]);
        }
        text.Append(table.Render());
        long empty = entries.Sum(e => e.Counts.EmptyTransactions);
        text.AppendLine();
        text.AppendLine(Table2Agreement.Summary(entries.Select(e => e.Cell)));
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{entries.Sum(e => e.Counts.Transactions)} transactions in {entries.Count} runs, {empty} of which wrote nothing; {elapsed.TotalSeconds:F1} s");
        return text.ToString();
    }

    private static string Ratio(double ours, double paper)
    {
        double ratio = ours / paper;
        bool large = ratio > LargeFactor || ratio < 1 / LargeFactor;
        string shown = ratio < 0.095 ? ratio.ToString("0.0##", CultureInfo.InvariantCulture) : ratio.ToString("F2", CultureInfo.InvariantCulture);
        return $"{shown,6}{(large ? "*" : " ")}";
    }
}

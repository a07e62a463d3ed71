using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using HvSim.Checkpoint;
using HvSim.Cli.CommandLine;
using HvSim.Core;
using HvSim.Hypervisor;
using HvSim.Validation.Reproduce;

namespace HvSim.Cli;

/// <summary>
/// hvsim compare: one microbenchmark or one workload under every checkpoint technique on every
/// platform that can run it, in one table — simulated time, the pages and words each recorded,
/// faults and hypervisor traps per transaction, bytes copied, the backup check — and, with --png,
/// one bar chart. Every run is audited against the ground truth (issue 17): the table shows the
/// pages each technique missed. It takes the options of
/// `micro` or `workload` (their own definitions) except the technique and the platform, which it
/// varies itself.
/// </summary>
internal static class CompareCommand
{
    /// <summary>The options compare sets itself (every technique, every platform).</summary>
    private static readonly string[] s_varied = ["--technique", "--platform", "--syscall-path", "--pte-updates"];

    public static Command Create()
    {
        var command = new Command("compare",
            "every checkpoint technique on every platform that can run it, on one microbenchmark (compare micro) or one workload (compare workload --ds NAME): simulated time, pages and words recorded, faults and hypervisor traps per transaction, bytes copied, in one table")
        {
            Sub(MicroCommand.Create((request, json, result) => Run(new Runs(request with { Technique = null, Platform = null, Audit = true }, null), json, Png.Read(result))),
                "the microbenchmark (micro's options; default CDA 1 MiB, WPP 4, PPT 4, Tcount 1000)"),
            Sub(WorkloadCommand.Create((request, json, result) => Run(new Runs(null, request with { Technique = null, Platform = null, Audit = true }), json, Png.Read(result)), priceAlways: true),
                "one data structure's workload (workload's options; --ds names one structure)"),
        };
        return command;
    }

    private static Command Sub(Command command, string description)
    {
        command.Description = description;
        foreach (Option option in command.Options.Where(o => s_varied.Contains(o.Name) || o.Name is "--table2" or "--audit").ToList())
        {
            command.Options.Remove(option);
        }
        command.Options.Add(Png.Option);
        return command;
    }

    /// <summary>--png, the one option compare adds (shared by its two subcommands, which never run together).</summary>
    private static readonly CliOption<string?> Png = CliOptions.Text("--png", "FILE", "also draw the simulated times as a bar chart (one bar per technique and platform)");

    /// <summary>What to run: a micro request or a workload request, every technique and platform.</summary>
    private sealed record Runs(MicroRequest? Micro, WorkloadRequest? Workload);

    /// <summary>One run's figures.</summary>
    private sealed record Row(Technique Technique, Platform Platform, long? SimulatedNs, long Transactions, long DirtyPages, long LoggedWords, long Faults, long Traps, long CopiedBytes, long? AuditMisses, bool Ok);

    private static int Run(Runs runs, bool json, string? png)
    {
        if (png is not null)
        {
            OutputPath.CheckFile(png, "compare: --png");
        }
        List<Row> rows;
        string what;
        string profileName;
        if (runs.Micro is MicroRequest micro)
        {
            (CheckpointedResult[] results, HvSim.Models.Profiles.CostProfile? profile) = MicroCommand.Execute(micro);
            rows = results.Select(r => RowOf(r, profile, r.ExitStatus == 0 && r.Check.Equal)).ToList();
            what = $"microbenchmark: CDA {micro.CdaKib} KiB, WPP {micro.Wpp}, PPT {micro.Ppt}, Tcount {micro.Tcount}";
            profileName = micro.ProfileName;
        }
        else
        {
            WorkloadRequest workload = runs.Workload!;
            if (workload.Ds is null or "all")
            {
                throw new UsageException("compare workload: --ds names one structure (compare runs every technique on every platform for it)");
            }
            (HvSim.Validation.WorkloadResult[] results, HvSim.Models.Profiles.CostProfile? profile) = WorkloadCommand.Execute(workload, progress: !json);
            rows = results.Select(r => RowOf(r.Run, profile, r.Ok)).ToList();
            what = $"workload: {results[0].Spec}";
            profileName = workload.ProfileName!;
        }
        Console.Out.Write(json ? Json(rows, what, profileName) : Table(rows, what, profileName));
        if (png is not null)
        {
            FigurePlot.SavePng(Figure(rows, what, profileName), png);
        }
        return rows.All(r => r.Ok) ? 0 : 1;
    }

    private static Row RowOf(CheckpointedResult r, HvSim.Models.Profiles.CostProfile? profile, bool ok)
    {
        EventLedger l = r.Kernel.Ledger;
        CheckpointStats s = r.Session.Stats;
        return new Row(r.Session.Technique, r.Kernel.Options.Platform.Platform, RunPricing.SimulatedNs(r, profile), s.Commits, s.DirtyPages, s.LoggedWords,
            l.Count(EventKind.PageFault), l.Count(EventKind.TrapToHypervisor) + l.Count(EventKind.VmExit), s.CopiedBytes, r.Session.Audit?.MissedPages, ok);
    }

    /// <summary>A count per transaction: the techniques record pages or words, so the transaction is the unit they share.</summary>
    private static string PerTransaction(long count, long transactions) => transactions == 0 ? "-" : ((double)count / transactions).ToString("F2", CultureInfo.InvariantCulture);

    private static string Table(List<Row> rows, string what, string profileName)
    {
        var text = new StringBuilder($"{what}; every technique on every platform that can run it\n");
        var table = new ConsoleTable("technique", "platform", ">simulated ms", ">transactions", ">dirty pages", ">logged words",
            ">faults per transaction", ">hv traps per transaction", ">copied KiB", ">audit misses", "backup");
        foreach (Row r in rows)
        {
            table.AddRow(Techniques.Name(r.Technique), PlatformNames.Name(r.Platform),
                r.SimulatedNs is long ns ? (ns / 1e6).ToString("F3", CultureInfo.InvariantCulture) : "-",
                r.Transactions, r.DirtyPages, r.LoggedWords, PerTransaction(r.Faults, r.Transactions), PerTransaction(r.Traps, r.Transactions),
                (r.CopiedBytes / 1024.0).ToString("F1", CultureInfo.InvariantCulture), r.AuditMisses is long misses ? misses.ToString(CultureInfo.InvariantCulture) : "-",
                r.Ok ? "equal" : "FAILED");
        }
        text.Append(table.Render());
        text.Append($"simulated time under the cost profile {profileName} (--profile); dirty pages: pages recorded whole; logged words: writes recorded one by one; faults: page faults the CPU raised; hv traps: entries into the hypervisor (traps, and VM exits on hvm); audit misses: pages written but not recorded, summed over the cycles (the ground-truth audit)\n");
        return text.ToString();
    }

    private static string Json(List<Row> rows, string what, string profileName)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            BuildVersion.WriteJson(json);
            json.WriteString("compared", what);
            json.WriteString("cost_profile", profileName);
            json.WriteStartArray("runs");
            foreach (Row r in rows)
            {
                json.WriteStartObject();
                json.WriteString("technique", Techniques.Name(r.Technique));
                json.WriteString("platform", PlatformNames.Name(r.Platform));
                json.WriteNumberOrNull("simulated_ns", r.SimulatedNs);
                json.WriteNumber("transactions", r.Transactions);
                json.WriteNumber("dirty_pages", r.DirtyPages);
                json.WriteNumber("logged_words", r.LoggedWords);
                json.WriteNumber("page_faults", r.Faults);
                json.WriteNumber("hypervisor_traps", r.Traps);
                json.WriteNumber("copied_bytes", r.CopiedBytes);
                json.WriteNumberOrNull("audit_missed_pages", r.AuditMisses);
                json.WriteBoolean("ok", r.Ok);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Grouped bars: a group per technique, a bar per platform that runs it.</summary>
    private static FigureData Figure(List<Row> rows, string what, string profileName)
    {
        Technique[] techniques = rows.Select(r => r.Technique).Distinct().ToArray();
        var series = rows.Select(r => r.Platform).Distinct().Select(platform => new FigureSeries(PlatformNames.Name(platform),
            rows.Where(r => r.Platform == platform && r.SimulatedNs is not null)
                .Select(r => new FigurePoint(Array.IndexOf(techniques, r.Technique), r.SimulatedNs!.Value / 1e6)).ToArray())).ToArray();
        return new FigureData("compare", what, "technique", $"simulated ms ({profileName})", "ms", FigureKind.Bar, series)
        {
            Categories = techniques.Select(Techniques.Name).ToArray(),
        };
    }
}

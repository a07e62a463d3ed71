using System.Globalization;
using System.Text;
using System.Text.Json;
using System.CommandLine;
using HvSim.Checkpoint;
using HvSim.Cli.CommandLine;
using HvSim.Cpu;
using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
using HvSim.Validation;

namespace HvSim.Cli;

/// <summary>
/// hvsim workload: the paper's data-structure suite (Section VI; --suite: guests/textbook, the
/// default, or guests/ds) under a technique
/// and platform — one structure and operation, or (--ds all) every pair of the suite, in
/// parallel on every core — and (--table2) the paper's Table 2 measured on the simulated machine
/// (<see cref="Table2Output"/>). Each run is checked: the guest's own invariant check and the
/// backup against the primary at exit.
/// </summary>
public static class WorkloadCommand
{
    public static Command Create() => Create((request, json, _) => Run(request, json));

    /// <summary>The command, its options parsed into a <see cref="WorkloadRequest"/> for <paramref name="action"/> (with --json, and the parse for options a caller adds); --table2 runs Table 2 itself.</summary>
    /// <param name="priceAlways">The caller shows the price without --json too (compare): --profile is always taken.</param>
    internal static Command Create(Func<WorkloadRequest, bool, ParseResult, int> action, bool priceAlways = false)
    {
        CliOption<string?> ds = CliOptions.Text("--ds", "NAME|all",
            $"the data structure, or all of the suite: {string.Join(' ', DataStructures.All.Select(s => s.Name))}");
        CliOption<WorkloadSuite> suite = SuiteOption.Create();
        CliOption<DsOperation?> operation = CliOptions.Value<DsOperation?>("--op", "insert|delete",
            "the operation (with --ds all, only the runs of that operation)",
            text => DataStructures.TryParse(text, out DsOperation parsed) ? parsed : throw new UsageException($"--op {text}: expected insert or delete"),
            null, "insert, or both with --ds all");
        CliOption<long> opt = CliOptions.WholeNumber("--opt", "N", "operations per transaction (the paper's OPT)", 1, min: 1);
        CliOption<long> ops = CliOptions.WholeNumber("--ops", "N", $"operations in the run, at most {WorkloadSpec.MaxOps} (the driver's key array)", 10000, min: 1, max: WorkloadSpec.MaxOps);
        CliOption<Technique?> technique = TechniqueOption.CreateOrAll(Technique.None);
        var platform = new PlatformOption(allowAll: true);
        CliOption<long> seed = CliOptions.WholeNumber("--seed", "N", "the seed of the keys (suite ours)", 1, min: 0);
        CliOption<long?> cdaKib = CliOptions.Value<long?>("--cda-kib", "N",
            $"the CDA in KiB, a multiple of 4 up to {WorkloadSpec.MaxCdaKib} (the guests' CDA)", text => CdaKib("--cda-kib", text), null, "each structure's own");
        Option<bool> table2 = CliOptions.Flag("--table2", "the paper's Table 2 measured on the simulated machine: every row with OPT 1 and 5 under emulxen on xen-pv (takes only --suite, --ops, --seed, --cda-kib and --json)");
        Option<bool> json = CliOptions.Flag("--json", "one JSON object per run (an array for several) instead of the table");
        CliOption<string> profile = ProfileOption.Create(jsonOnly: true);
        CliOption<CpuIdentity> cpu = CpuOption.Create(CpuIdentity.Paper);
        CliOption<bool> jit = JitOption.Create();
        GuestLimitOption.Group limits = GuestLimitOption.Create();
        Option<bool> audit = AuditOption.Create();
        var command = new Command("workload",
            "the paper's data-structure workloads (Section VI) under techniques and platforms, each run checked (the guest's invariants, the backup against the primary); --table2: the paper's Table 2")
        {
            ds, suite, operation, opt, ops, technique, platform, seed, cdaKib, table2, json, profile, cpu, jit, limits, audit,
        };
        command.SetAction(result =>
        {
            if (result.GetValue(table2))
            {
                if (ds.Given(result) || operation.Given(result) || opt.Given(result) || technique.Given(result) || platform.Given(result) || cpu.Given(result) || jit.Given(result) || limits.Given(result) || profile.Given(result) || result.GetValue(audit))
                {
                    throw new UsageException("workload --table2 takes only --suite, --ops, --seed, --cda-kib and --json (it runs every row with OPT 1 and 5 under emulxen on xen-pv)");
                }
                SuiteOption.CheckOps(suite.Read(result), ops.Read(result));
                return Table2Output.Run(ops.Read(result), seed.Read(result), cdaKib.Read(result), result.GetValue(json), suite.Read(result));
            }
            string? profileName = priceAlways ? profile.Read(result) : ProfileOption.ForJson(result, json, profile, "workload");
            PlatformOptions? chosen = platform.All(result) ? null : platform.Read(result);
            return action(new WorkloadRequest(ds.Read(result), suite.Read(result), operation.Read(result), opt.Read(result), ops.Read(result), technique.Read(result), chosen,
                seed.Read(result), cdaKib.Read(result), profileName, limits.Apply(new KernelOptions { Cpu = cpu.Read(result), Jit = jit.Read(result), JitInBackground = true }, result), result.GetValue(audit)), result.GetValue(json), result);
        });
        return command;
    }

    private static int Run(WorkloadRequest request, bool json)
    {
        (WorkloadResult[] results, HvSim.Models.Profiles.CostProfile? profile) = Execute(request, progress: !json);
        foreach (WorkloadResult result in results.Where(r => !r.Ok))
        {
            Console.Error.WriteLine($"hvsim: {Failure(result)}");
        }
        Console.Out.Write(json ? Json(results, request.Single, profile) + "\n" : Table(results));
        return GuestLimitOption.Status(results.Select(r => r.Run.End)) ?? (results.All(r => r.Ok) ? 0 : 1);
    }

    /// <summary>Checks the request and runs it: every (structure, operation) it names under every technique and platform, in parallel.</summary>
    internal static (WorkloadResult[] Results, HvSim.Models.Profiles.CostProfile? Profile) Execute(WorkloadRequest request, bool progress)
    {
        IReadOnlyList<WorkloadSpec> specs = Check(request);
        HvSim.Models.Profiles.CostProfile? profile = request.ProfileName is null ? null : RunPricing.Load(request.ProfileName);
        List<(Technique Technique, PlatformOptions Platform)> pairs = MicroCommand.Pairs(request.Technique, request.Platform);
        var runs = specs.SelectMany(spec => pairs.Select(pair => (Spec: spec, pair.Technique, pair.Platform))).ToArray();
        Dictionary<string, string> guests = specs.Select(s => s.GuestName).Distinct().ToDictionary(g => g, BundledGuests.Find);

        WorkloadResult[] results = ProgressDisplay.Run($"{runs.Length} workload runs", runs.Length, show: progress && ProgressDisplay.Interactive, step =>
            ParallelRuns.Map(runs, run => WorkloadRunner.Run(guests[run.Spec.GuestName], run.Spec, run.Technique, request.Limits with { Platform = run.Platform }, audit: request.Audit), _ => step()));
        return (results, profile);
    }

    /// <summary>What the options cannot check one by one (the suite against OPS, --ds given, --op against the structure): the runs' specs.</summary>
    internal static IReadOnlyList<WorkloadSpec> Check(WorkloadRequest request)
    {
        SuiteOption.CheckOps(request.Suite, request.Ops);
        if (request.Ds is null)
        {
            throw new UsageException("workload needs --ds NAME|all or --table2 (structures: " + string.Join(' ', DataStructures.All.Select(s => s.Name)) + ")");
        }
        return Specs(request.Ds, request.Operation, request.Opt, request.Ops, request.Seed, request.CdaKib)
            .Select(s => s with { Suite = request.Suite }).ToArray();
    }

    /// <summary>Why a run failed, in one line: the run, then the check it failed or the limit that stopped it.</summary>
    internal static string Failure(WorkloadResult result)
    {
        CheckpointedResult r = result.Run;
        string why = GuestLimitOption.Status(r.End) is null
            ? result.Failure!
            : GuestLimitOption.Describe(r.End, r.Kernel.Options, r.Kernel.Cpu.InstructionsRetired, r.Kernel.Cpu.Rip);
        return $"{result.Spec} under {Techniques.Name(r.Session.Technique)} on {PlatformNames.Name(r.Kernel.Options.Platform.Platform)} failed: {why}";
    }

    private static long CdaKib(string option, string text)
    {
        long kib = CliOptions.ParseWholeNumber(option, text, min: 4);
        if (kib % 4 != 0 || kib > WorkloadSpec.MaxCdaKib)
        {
            throw new UsageException($"{option} {kib}: a multiple of 4 up to {WorkloadSpec.MaxCdaKib} (the guests' CDA)");
        }
        return kib;
    }

    /// <summary>The runs --ds and --op ask for: one (structure, operation), or every pair of the suite (restricted to --op when given).</summary>
    internal static IReadOnlyList<WorkloadSpec> Specs(string ds, DsOperation? operation, long opt, long ops, long seed, long? cdaKib)
    {
        if (ds == "all")
        {
            return DataStructures.Suite
                .Where(pair => operation is null || pair.Operation == operation)
                .Select(pair => new WorkloadSpec(pair.Structure, pair.Operation, opt, ops, seed, cdaKib))
                .ToArray();
        }
        DataStructure structure = DataStructures.Find(ds)
            ?? throw new UsageException($"--ds {ds}: expected all or one of {string.Join(' ', DataStructures.All.Select(s => s.Name))}");
        DsOperation op = operation ?? DsOperation.Insert;
        if (!structure.Operations.Contains(op))
        {
            throw new UsageException($"--ds {ds} --op {DataStructures.Name(op)}: the {structure.Description} implements insert only (as in the paper's Table 2)");
        }
        return [new WorkloadSpec(structure, op, opt, ops, seed, cdaKib)];
    }

    private static string Table(WorkloadResult[] results)
    {
        var text = new StringBuilder();
        var table = new ConsoleTable("structure", "op", ">opt", ">ops", "technique", "platform", ">instructions", ">transactions", ">page faults", ">hv traps",
            ">signals", ">syscalls", ">emulated", ">dirty pages", ">log bytes", ">copied bytes", "invariants", "backup");
        foreach (WorkloadResult r in results)
        {
            EventLedger l = r.Run.Kernel.Ledger;
            CheckpointStats s = r.Run.Session.Stats;
            table.AddRow(r.Spec.Structure.Name, DataStructures.Name(r.Spec.Operation), r.Spec.Opt, r.Spec.Ops, Techniques.Name(r.Run.Session.Technique),
                PlatformNames.Name(r.Run.Kernel.Options.Platform.Platform), r.Run.Kernel.Cpu.InstructionsRetired, s.Commits, l.Count(EventKind.PageFault),
                l.Count(EventKind.TrapToHypervisor) + l.Count(EventKind.VmExit), l.Count(EventKind.SignalDelivery), l.Count(EventKind.SyscallEntry), l.Count(EventKind.WriteEmulated),
                s.DirtyPages, s.LoggedBytes, s.CopiedBytes, r.InvariantsOk ? "ok" : "BROKEN", r.BackupEqual ? "equal" : "DIFFERS");
        }
        text.Append(table.Render());
        foreach (WorkloadResult r in results)
        {
            if (r.Run.Session.Audit is { } audit)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{r.Spec} under {Techniques.Name(r.Run.Session.Technique)} on {PlatformNames.Name(r.Run.Kernel.Options.Platform.Platform)}: {CheckpointSummary.AuditLine(audit)}");
            }
        }
        long kib = results.Length > 0 ? results[0].Spec.CdaKib ?? WorkloadSpec.MaxCdaKib : WorkloadSpec.MaxCdaKib;
        text.AppendLine(CultureInfo.InvariantCulture, $"transactions: committed ckpt_end calls; copied bytes include the initial full checkpoint of the {kib} KiB CDA; --json adds simulated_ns, the run priced under a cost profile (--profile, default xen-4.1-pv)");
        return text.ToString();
    }

    internal static string Json(WorkloadResult[] results, bool single, HvSim.Models.Profiles.CostProfile? profile)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            if (!single)
            {
                json.WriteStartArray();
            }
            foreach (WorkloadResult r in results)
            {
                // The DESIGN.md run report, then the workload's parameters and checks in the same object.
                using var report = JsonDocument.Parse(CheckpointSummary.Report(r.Run, profile).ToJson());
                json.WriteStartObject();
                foreach (JsonProperty property in report.RootElement.EnumerateObject())
                {
                    property.WriteTo(json);
                }
                json.WriteString("suite", WorkloadSuites.Name(r.Spec.Suite));
                json.WriteString("structure", r.Spec.Structure.Name);
                json.WriteString("operation", DataStructures.Name(r.Spec.Operation));
                json.WriteNumber("opt", r.Spec.Opt);
                json.WriteNumber("ops", r.Spec.Ops);
                json.WriteNumber("seed", r.Spec.Seed);
                json.WriteNumber("cda_kib", r.Spec.CdaKib ?? WorkloadSpec.MaxCdaKib);
                json.WriteNumber("transactions", r.Run.Session.Stats.Commits);
                json.WriteBoolean("invariants_ok", r.InvariantsOk);
                json.WriteEndObject();
            }
            if (!single)
            {
                json.WriteEndArray();
            }
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}

/// <summary>One workload command line (not --table2), parsed: the runs it asks for.</summary>
/// <param name="Ds">A structure's name, "all", or null when --ds was not given.</param>
/// <param name="Technique">Null: every technique.</param>
/// <param name="Platform">Null: every platform (--platform all).</param>
/// <param name="ProfileName">Null when the runs are not priced.</param>
internal sealed record WorkloadRequest(string? Ds, WorkloadSuite Suite, DsOperation? Operation, long Opt, long Ops, Technique? Technique, PlatformOptions? Platform,
    long Seed, long? CdaKib, string? ProfileName, KernelOptions Limits, bool Audit = false)
{
    /// <summary>One structure under one technique on one platform: one run, printed as one JSON object.</summary>
    public bool Single => Ds is not null && Ds != "all" && Technique is not null && Platform is not null;
}

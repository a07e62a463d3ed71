using System.Globalization;
using System.Text;
using System.Text.Json;
using HvSim.Checkpoint;
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
    public const string Usage =
        "hvsim workload --ds NAME|all [--suite textbook|ours] [--op insert|delete] [--opt N] [--ops N] [--technique T|all] [--platform P|all] [--seed N] [--cda-kib N]\n" +
        "                      [--cpu baseline|v2|v3] [--guest-ram SIZE] [--max-instructions N] [--max-seconds SECS] [--profile P|none] [--json]\n" +
        "       hvsim workload --table2 [--suite textbook|ours] [--ops N] [--seed N] [--cda-kib N] [--json]";

    public static int Run(string[] args)
    {
        var options = new OptionReader(args);
        var platform = new PlatformOptions();
        var limits = new KernelOptions();
        bool allPlatforms = false, json = false, table2 = false, techniqueGiven = false, platformGiven = false, limitsGiven = false;
        Technique? technique = Technique.None;
        string? ds = null;
        DsOperation? operation = null;
        long opt = 1, ops = 10000, seed = 1;
        long? cdaKib = null;
        string profileName = RunPricing.DefaultProfile;
        bool profileGiven = false;
        WorkloadSuite suite = WorkloadSuites.Default;
        for (string? option = options.NextOption(); option is not null; option = options.NextOption())
        {
            switch (option)
            {
                case "--ds":
                    ds = options.Value(option);
                    break;
                case "--suite":
                    suite = SuiteOption.Parse(options.Value(option));
                    break;
                case "--op":
                    string op = options.Value(option);
                    operation = DataStructures.TryParse(op, out DsOperation parsed)
                        ? parsed
                        : throw new UsageException($"--op {op}: expected insert or delete");
                    break;
                case "--opt":
                    opt = options.Long(option, min: 1);
                    break;
                case "--ops":
                    ops = options.Long(option, min: 1);
                    if (ops > WorkloadSpec.MaxOps)
                    {
                        throw new UsageException($"--ops {ops}: at most {WorkloadSpec.MaxOps} (the driver's key array)");
                    }
                    break;
                case "--seed":
                    seed = options.Long(option, min: 0);
                    break;
                case "--cda-kib":
                    cdaKib = options.Long(option, min: 4);
                    if (cdaKib % 4 != 0 || cdaKib > WorkloadSpec.MaxCdaKib)
                    {
                        throw new UsageException($"--cda-kib {cdaKib}: a multiple of 4 up to {WorkloadSpec.MaxCdaKib} (the guests' CDA)");
                    }
                    break;
                case "--technique":
                    string name = options.Value(option);
                    technique = name == "all" ? null : TechniqueOption.Parse(name);
                    techniqueGiven = true;
                    break;
                case "--platform" when options.Peek() == "all":
                    options.Value(option);
                    allPlatforms = platformGiven = true;
                    break;
                case "--platform":
                case "--syscall-path":
                case "--pte-updates":
                    platform = PlatformOption.Apply(platform, option, options.Value(option));
                    platformGiven = true;
                    break;
                case "--table2":
                    table2 = true;
                    break;
                case "--json":
                    json = true;
                    break;
                case "--profile":
                    profileName = options.Value(option);
                    profileGiven = true;
                    break;
                case "--cpu":
                    limits = CpuOption.Apply(limits, options.Value(option));
                    limitsGiven = true;
                    break;
                case "--guest-ram":
                case "--max-instructions":
                case "--max-seconds":
                    limits = GuestLimitOption.Apply(limits, option, options);
                    limitsGiven = true;
                    break;
                default:
                    throw new UsageException($"workload: unknown option {option}");
            }
        }
        if (options.Rest().Length != 0)
        {
            throw new UsageException($"workload: unexpected argument '{options.Rest()[0]}'");
        }
        PlatformOption.CheckRelevant(platform, options, allPlatforms);
        SuiteOption.CheckOps(suite, ops);
        if (table2)
        {
            if (ds is not null || operation is not null || opt != 1 || techniqueGiven || platformGiven || limitsGiven)
            {
                throw new UsageException("workload --table2 takes only --suite, --ops, --seed, --cda-kib and --json (it runs every row with OPT 1 and 5 under emulxen on xen-pv)");
            }
            return Table2Output.Run(ops, seed, cdaKib, json, suite);
        }
        if (ds is null)
        {
            throw new UsageException("workload needs --ds NAME|all or --table2 (structures: " + string.Join(' ', DataStructures.All.Select(s => s.Name)) + ")");
        }

        // A profile named on the command line is loaded (so a broken one is an error) even when only --json would use it.
        HvSim.Models.Profiles.CostProfile? profile = json || profileGiven ? RunPricing.Load(profileName) : null;
        IReadOnlyList<WorkloadSpec> specs = Specs(ds, operation, opt, ops, seed, cdaKib).Select(s => s with { Suite = suite }).ToArray();
        List<(Technique Technique, PlatformOptions Platform)> pairs = MicroCommand.Pairs(technique, allPlatforms ? null : platform);
        var runs = specs.SelectMany(spec => pairs.Select(pair => (Spec: spec, pair.Technique, pair.Platform))).ToArray();
        Dictionary<string, string> guests = specs.Select(s => s.GuestName).Distinct().ToDictionary(g => g, BundledGuests.Find);

        WorkloadResult[] results = ProgressDisplay.Run($"{runs.Length} workload runs", runs.Length, show: !json && ProgressDisplay.Interactive, step =>
            ParallelRuns.Map(runs, run => WorkloadRunner.Run(guests[run.Spec.GuestName], run.Spec, run.Technique, limits with { Platform = run.Platform }), _ => step()));

        foreach (WorkloadResult result in results.Where(r => !r.Ok))
        {
            CheckpointedResult r = result.Run;
            string why = GuestLimitOption.Status(r.End) is null
                ? result.Failure!
                : GuestLimitOption.Describe(r.End, r.Kernel.Options, r.Kernel.Cpu.InstructionsRetired, r.Kernel.Cpu.Rip);
            Console.Error.WriteLine($"hvsim: {result.Spec} under {Techniques.Name(r.Session.Technique)} on {PlatformNames.Name(r.Kernel.Options.Platform.Platform)} failed: {why}");
        }
        bool single = results.Length == 1 && ds != "all" && technique is not null && !allPlatforms;
        Console.Out.Write(json ? Json(results, single, profile) + "\n" : Table(results));
        return GuestLimitOption.Status(results.Select(r => r.Run.End)) ?? (results.All(r => r.Ok) ? 0 : 1);
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
        text.AppendLine("structure     op      opt    ops  technique  platform    instructions  transactions  page faults  hv traps  signals  syscalls  emulated  dirty pages   log bytes  copied bytes  invariants  backup");
        foreach (WorkloadResult r in results)
        {
            EventLedger l = r.Run.Kernel.Ledger;
            CheckpointStats s = r.Run.Session.Stats;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{r.Spec.Structure.Name,-13} {DataStructures.Name(r.Spec.Operation),-6} {r.Spec.Opt,4} {r.Spec.Ops,6}  {Techniques.Name(r.Run.Session.Technique),-9}  {PlatformNames.Name(r.Run.Kernel.Options.Platform.Platform),-10} {r.Run.Kernel.Cpu.InstructionsRetired,13} {s.Commits,13} {l.Count(EventKind.PageFault),12} {l.Count(EventKind.TrapToHypervisor),9} {l.Count(EventKind.SignalDelivery),8} {l.Count(EventKind.SyscallEntry),9} {l.Count(EventKind.WriteEmulated),9} {s.DirtyPages,12} {s.LoggedBytes,11} {s.CopiedBytes,13}  {(r.InvariantsOk ? "ok" : "BROKEN"),-10}  {(r.BackupEqual ? "equal" : "DIFFERS")}");
        }
        long kib = results.Length > 0 ? results[0].Spec.CdaKib ?? WorkloadSpec.MaxCdaKib : WorkloadSpec.MaxCdaKib;
        text.AppendLine(CultureInfo.InvariantCulture, $"transactions: committed ckpt_end calls; copied bytes include the initial full checkpoint of the {kib} KiB CDA; --json adds simulated_ns, the run priced under a cost profile (--profile, default xen-4.1-pv)");
        return text.ToString();
    }

    private static string Json(WorkloadResult[] results, bool single, HvSim.Models.Profiles.CostProfile? profile)
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

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

namespace HvSim.Cli;

/// <summary>
/// hvsim micro: the paper's microbenchmark (Section V) — the bundled guest <c>micro</c> runs
/// TCOUNT transactions, each writing WPP words on each of PPT pages of a CDA — under one
/// technique and platform, or (--technique all, --platform all) every supported pair side by
/// side. Each run is checked: the backup must equal the primary at exit.
/// </summary>
public static partial class MicroCommand
{
    public const string GuestName = "micro";

    public static Command Create() => Create((request, json, _) => Run(request, json));

    /// <summary>The command, its options parsed into a <see cref="MicroRequest"/> for <paramref name="action"/> (with --json, and the parse for options a caller adds).</summary>
    internal static Command Create(Func<MicroRequest, bool, ParseResult, int> action)
    {
        CliOption<Technique?> technique = TechniqueOption.CreateOrAll(null);
        var platform = new PlatformOption(allowAll: true);
        CliOption<long> cdaKib = CliOptions.Value("--cda-kib", "N",
            $"the checkpointed data area (CDA) in KiB: whole pages, a multiple of 4 from 4 to {MaxCdaKib}", text => CdaKib("--cda-kib", text), 1024, "1024");
        CliOption<string> wpp = CliOptions.Value("--wpp", "X",
            "words written per page in each transaction (WPP), 0 to 100000 with at most three decimals", text => Decimal("--wpp", text), "4", "4");
        CliOption<string> ppt = CliOptions.Value("--ppt", "X",
            "pages written per transaction (PPT), 0 to 100000 with at most three decimals, at most the CDA's pages", text => Decimal("--ppt", text), "4", "4");
        CliOption<long> tcount = CliOptions.WholeNumber("--tcount", "N", "transactions (checkpoint cycles) per run", 1000, min: 1);
        CliOption<long> seed = CliOptions.WholeNumber("--seed", "N", "the seed of the guest's choice of pages and words", 1, min: 0);
        CliOption<string> profile = ProfileOption.Create();
        Option<bool> json = CliOptions.Flag("--json", "one JSON object per run (an array for several) instead of the table");
        CliOption<CpuIdentity> cpu = CpuOption.Create(CpuIdentity.Paper);
        CliOption<bool> jit = JitOption.Create();
        GuestLimitOption.Group limits = GuestLimitOption.Create();
        Option<bool> audit = AuditOption.Create();
        var command = new Command("micro",
            "the paper's microbenchmark (Section V): TCOUNT transactions, each writing WPP words on each of PPT pages of a CDA, under techniques and platforms; every backup checked against the primary")
        {
            technique, platform, cdaKib, wpp, ppt, tcount, seed, profile, json, cpu, jit, limits, audit,
        };
        command.SetAction(result => action(new MicroRequest(technique.Read(result), platform.All(result) ? null : platform.Read(result),
            limits.Apply(new KernelOptions { Cpu = cpu.Read(result), Jit = jit.Read(result), JitInBackground = true }, result),
            cdaKib.Read(result), wpp.Read(result), ppt.Read(result), tcount.Read(result), seed.Read(result), profile.Read(result), result.GetValue(audit)), result.GetValue(json), result));
        return command;
    }

    private static int Run(MicroRequest request, bool json)
    {
        (CheckpointedResult[] results, HvSim.Models.Profiles.CostProfile? profile) = Execute(request);
        if (json)
        {
            Console.Out.WriteLine(Json(results, profile, request, single: request.Single));
        }
        else
        {
            Console.Out.Write(Table(results, profile, request));
        }
        return Status(results);
    }

    /// <summary>Checks the request against the guest's limits and runs it: each pair of technique and platform, in parallel.</summary>
    internal static (CheckpointedResult[] Results, HvSim.Models.Profiles.CostProfile? Profile) Execute(MicroRequest request)
    {
        Check(request);
        HvSim.Models.Profiles.CostProfile? profile = RunPricing.Load(request.ProfileName);
        var runs = Pairs(request.Technique, request.Platform);
        string[] guestArgs = [request.CdaKib.ToString(CultureInfo.InvariantCulture), request.Wpp, request.Ppt,
            request.Tcount.ToString(CultureInfo.InvariantCulture), request.Seed.ToString(CultureInfo.InvariantCulture)];
        string guest = BundledGuests.Find(GuestName); // a missing guest is one usage error, found before any run
        var results = new CheckpointedResult[runs.Count];
        Parallel.For(0, runs.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            results[i] = RunOne(guest, runs[i].Technique, request.Limits with { Platform = runs[i].Platform }, guestArgs, request.Audit));
        return (results, profile);
    }

    /// <summary>What the options cannot check one by one: PPT against the CDA's pages.</summary>
    internal static void Check(MicroRequest request)
    {
        if (double.Parse(request.Ppt, CultureInfo.InvariantCulture) > request.CdaKib / 4)
        {
            throw new UsageException($"--ppt {request.Ppt}: more pages per transaction than the CDA has ({request.CdaKib / 4})");
        }
    }

    /// <summary>0 when every run exited 0 with its backup equal to the primary; a limit's status; else 1.</summary>
    internal static int Status(CheckpointedResult[] results) => GuestLimitOption.Status(results.Select(r => r.End))
        ?? (results.All(r => r.ExitStatus == 0 && r.Check.Equal) ? 0 : 1);

    /// <summary>The technique/platform pairs to run: each technique on each platform that supports it.</summary>
    internal static List<(Technique Technique, PlatformOptions Platform)> Pairs(Technique? technique, PlatformOptions? platform)
    {
        Technique[] techniques = technique is Technique t ? [t] : Techniques.All;
        PlatformOptions[] platforms = platform is PlatformOptions p
            ? [p]
            : [new PlatformOptions { Platform = Platform.Native }, new PlatformOptions { Platform = Platform.XenPv }, new PlatformOptions { Platform = Platform.XenShadow },
                new PlatformOptions { Platform = Platform.Hvm }];
        var pairs = new List<(Technique, PlatformOptions)>();
        foreach (PlatformOptions candidate in platforms)
        {
            foreach (Technique each in techniques)
            {
                if (Techniques.SupportedOn(each, candidate.Platform))
                {
                    pairs.Add((each, candidate));
                }
                else if (technique is not null)
                {
                    throw new UsageException(Techniques.WhyUnsupported(each, candidate.Platform));
                }
            }
        }
        return pairs;
    }

    /// <param name="path">The bundled micro guest.</param>
    /// <param name="kernel">The machine, its platform and the run's limits.</param>
    private static CheckpointedResult RunOne(string path, Technique technique, KernelOptions kernel, string[] guestArgs, bool audit)
    {
        string name = BundledFiles.GuestRunName(path);
        var argv = new List<string> { name };
        argv.AddRange(guestArgs);
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        CheckpointedResult result = CheckpointedRun.Run(File.ReadAllBytes(path), name, argv, [], kernel,
            new CheckpointOptions { Technique = technique, Audit = audit }, Stream.Null, stdout, stderr);
        string run = $"micro under {Techniques.Name(technique)} on {PlatformNames.Name(kernel.Platform.Platform)}";
        if (GuestLimitOption.Status(result.End) is not null)
        {
            Console.Error.WriteLine($"hvsim: {run}: {GuestLimitOption.Describe(result.End, kernel, result.Kernel.Cpu.InstructionsRetired, result.Kernel.Cpu.Rip)}");
        }
        else if (result.ExitStatus != 0)
        {
            string why = result.Process.FatalReport ?? Encoding.UTF8.GetString(stderr.ToArray()).Trim();
            Console.Error.WriteLine($"hvsim: {run} failed (status {result.ExitStatus}): {why}");
        }
        return result;
    }

    /// <summary>The guest's own limit (guests/src/micro.c, MAX_CDA_KIB): 1 GiB.</summary>
    private const long MaxCdaKib = 1L << 20;

    /// <summary>Whole pages within the guest's limit.</summary>
    private static long CdaKib(string option, string text)
    {
        long kib = CliOptions.ParseWholeNumber(option, text, min: 4, max: MaxCdaKib);
        if (kib % 4 != 0)
        {
            throw new UsageException($"{option} {kib}: the CDA is whole pages, a multiple of 4 KiB from 4 to {MaxCdaKib}");
        }
        return kib;
    }

    /// <summary>
    /// WPP and PPT as the guest reads them (guests/src/micro.c, parse_milli): digits with at most three
    /// decimals (it counts in thousandths), here at most 100000; anything else would pass hvsim and
    /// fail in the guest with its own usage text.
    /// </summary>
    private static string Decimal(string option, string value)
    {
        if (!MilliNumber().IsMatch(value) || !double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double parsed) || parsed > 100000)
        {
            throw new UsageException($"{option} {value}: expected a number from 0 to 100000 with at most three decimals, such as 4 or 1.3");
        }
        return value;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[0-9]+(\.[0-9]{1,3})?$")]
    private static partial System.Text.RegularExpressions.Regex MilliNumber();

    private static string Table(CheckpointedResult[] results, HvSim.Models.Profiles.CostProfile? profile, MicroRequest request)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"microbenchmark: CDA {request.CdaKib} KiB, WPP {request.Wpp}, PPT {request.Ppt}, Tcount {request.Tcount}");
        var table = new ConsoleTable("technique", "platform", ">instructions", ">page faults", ">hv traps", ">bounces", ">signals", ">syscalls", ">hypercalls",
            ">emulated", ">dirty pages", ">log bytes", ">copied bytes", "backup", ">simulated ms");
        foreach (CheckpointedResult r in results)
        {
            EventLedger l = r.Kernel.Ledger;
            table.AddRow(Techniques.Name(r.Session.Technique), PlatformNames.Name(r.Kernel.Options.Platform.Platform), r.Kernel.Cpu.InstructionsRetired,
                l.Count(EventKind.PageFault), l.Count(EventKind.TrapToHypervisor) + l.Count(EventKind.VmExit), l.Count(EventKind.BounceToGuest), l.Count(EventKind.SignalDelivery),
                l.Count(EventKind.SyscallEntry), l.Count(EventKind.Hypercall) + l.Count(EventKind.UserHypercall), l.Count(EventKind.WriteEmulated),
                r.Session.Stats.DirtyPages, r.Session.Stats.LoggedBytes, r.Session.Stats.CopiedBytes, r.Check.Equal ? "equal" : "DIFFERS",
                RunPricing.SimulatedNs(r, profile) is long ns ? (ns / 1e6).ToString("F3", CultureInfo.InvariantCulture) : "-");
        }
        text.Append(table.Render());
        foreach (CheckpointedResult r in results)
        {
            if (r.Session.Audit is { } audit)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{Techniques.Name(r.Session.Technique)} on {PlatformNames.Name(r.Kernel.Options.Platform.Platform)}: {CheckpointSummary.AuditLine(audit)}");
            }
        }
        text.AppendLine(profile is null
            ? "simulated time: not priced (--profile none)"
            : $"simulated time: the counts above priced under the cost profile {request.ProfileName} (models/profiles; --profile to choose another); '-' where an event has no price");
        return text.ToString();
    }

    internal static string Json(CheckpointedResult[] results, HvSim.Models.Profiles.CostProfile? profile, MicroRequest request, bool single)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            if (!single)
            {
                json.WriteStartArray();
            }
            foreach (CheckpointedResult r in results)
            {
                // The run report, then the microbenchmark's parameters in the same object.
                using var report = JsonDocument.Parse(CheckpointSummary.Report(r, profile).ToJson());
                json.WriteStartObject();
                foreach (JsonProperty property in report.RootElement.EnumerateObject())
                {
                    property.WriteTo(json);
                }
                json.WriteNumber("cda_kib", request.CdaKib);
                json.WriteNumber("wpp", double.Parse(request.Wpp, CultureInfo.InvariantCulture));
                json.WriteNumber("ppt", double.Parse(request.Ppt, CultureInfo.InvariantCulture));
                json.WriteNumber("tcount", request.Tcount);
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

/// <summary>One micro command line, parsed: the runs it asks for.</summary>
/// <param name="Technique">Null: every technique.</param>
/// <param name="Platform">Null: every platform (--platform all).</param>
internal sealed record MicroRequest(Technique? Technique, PlatformOptions? Platform, KernelOptions Limits, long CdaKib, string Wpp, string Ppt, long Tcount, long Seed, string ProfileName, bool Audit = false)
{
    /// <summary>One technique on one platform: one run, printed as one JSON object.</summary>
    public bool Single => Technique is not null && Platform is not null;
}

using System.CommandLine;
using System.Diagnostics;
using HvSim.Cli.CommandLine;
using HvSim.Models.Profiles;
using HvSim.Validation;
using HvSim.Validation.Claims;
using HvSim.Validation.Reproduce;

namespace HvSim.Cli;

/// <summary>
/// hvsim reproduce: the paper's evaluation end to end (validation/HvSim.Validation/Reproduce):
/// every figure's points and the claims' run once in parallel, then one CSV and one PNG per figure,
/// table2.csv, claims.csv and report.md in DIR; the claims table on stdout. Status 0 when it ran
/// (even if claims fail), 1 when an experiment failed its checks or a figure could not be made
/// (what can be written still is), 2 on bad usage.
/// </summary>
public static class ReproduceCommand
{
    public const string DefaultOut = "reproduce-out";

    public static Command Create() => Create(Run);

    /// <summary>The command, its options parsed into a <see cref="ReproduceRequest"/> for <paramref name="action"/> (a reproduce sweep parses its spec's options with it).</summary>
    internal static Command Create(Func<ReproduceRequest, int> action)
    {
        Option<bool> quick = CliOptions.Flag("--quick", "smaller grids (about 13 s instead of about 90)");
        CliOption<string> output = CliOptions.Value("--out", "DIR", "where the CSVs, PNGs, table2.csv, claims.csv and report.md go", text => text, DefaultOut, DefaultOut);
        CliOption<string> profile = ProfileOption.Create(allowNone: false);
        Option<bool> json = CliOptions.Flag("--json", "the claims as JSON on stdout instead of the table");
        CliOption<long?> tcount = CliOptions.OptionalWholeNumber("--tcount", "N", "transactions per claims microbenchmark point [default: the grid's]", min: 20);
        CliOption<long?> ops = CliOptions.OptionalWholeNumber("--ops", "N", "operations per claims workload run [default: the grid's]", min: 50);
        CliOption<long> draws = CliOptions.WholeNumber("--draws", "N", "draws from the prices' uncertainty for each claim's band (0: no bands)", PredictionBands.DefaultDraws, min: 0, max: 100_000);
        CliOption<WorkloadSuite> suite = SuiteOption.Create();
        var command = new Command("reproduce",
            "the paper's evaluation end to end: every figure's points, Table 2 and the claims, priced under a profile; a CSV and a PNG per figure, table2.csv, claims.csv and report.md in --out")
        {
            quick, output, profile, json, tcount, ops, draws, suite,
        };
        command.SetAction(result => action(new ReproduceRequest(result.GetValue(quick), output.Read(result), profile.Read(result), result.GetValue(json),
            tcount.Read(result), ops.Read(result), (int)draws.Read(result), suite.Read(result))));
        return command;
    }

    /// <summary>What the request runs; throws a usage error when its suite cannot run its operations.</summary>
    internal static ReproduceSettings Settings(ReproduceRequest request)
    {
        ReproduceSettings settings = ReproduceSettings.Create(BundledGuests.Directory, request.Quick);
        settings = settings with
        {
            BandDraws = request.Draws,
            Claims = settings.Claims with
            {
                Tcount = request.Tcount ?? settings.Claims.Tcount, WorkloadOps = request.Ops ?? settings.Claims.WorkloadOps, Suite = request.Suite,
            },
        };
        SuiteOption.CheckOps(request.Suite, settings.Claims.WorkloadOps);
        return settings;
    }

    private static int Run(ReproduceRequest request)
    {
        (string output, bool json) = (request.Output, request.Json);
        OutputPath.CheckDirectory(output, "reproduce: --out");
        CostProfile profile = RunPricing.LoadProfile(request.ProfileName);
        ReproduceSettings settings = Settings(request);

        var clock = Stopwatch.StartNew();
        int jobs = ReproduceRun.Jobs(settings).Count;
        ReproduceResult result = ProgressDisplay.Run("reproduce", jobs, show: !json && ProgressDisplay.Interactive,
            tick => ReproduceRun.Run(settings, profile, tick));
        IReadOnlyList<string> files = ReproduceOutput.Write(result, output, () => ReproduceOutput.InOneProcess(clock.Elapsed));
        foreach (string failure in result.Failures)
        {
            Console.Error.WriteLine($"hvsim: reproduce: {failure}");
        }
        if (json)
        {
            Console.Out.WriteLine(ClaimsTable.Json(result.Claims));
        }
        else
        {
            Console.Out.Write(ClaimsConsole.Text(result.Claims, profile.Name, result.Bands));
            Console.Out.WriteLine($"wrote {files.Count} files to {output} in {clock.Elapsed.TotalSeconds:0.0} s");
        }
        return result.Ok ? 0 : 1;
    }
}

/// <summary>reproduce's options, parsed.</summary>
internal sealed record ReproduceRequest(bool Quick, string Output, string ProfileName, bool Json, long? Tcount, long? Ops, int Draws, WorkloadSuite Suite);

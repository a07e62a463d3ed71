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

    public static Command Create()
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
        command.SetAction(result => Run(result.GetValue(quick), output.Read(result), profile.Read(result), result.GetValue(json),
            tcount.Read(result), ops.Read(result), (int)draws.Read(result), suite.Read(result)));
        return command;
    }

    private static int Run(bool quick, string output, string profileName, bool json, long? tcount, long? ops, int draws, WorkloadSuite suite)
    {
        OutputPath.CheckDirectory(output, "reproduce: --out");
        CostProfile profile = RunPricing.LoadProfile(profileName);
        ReproduceSettings settings = ReproduceSettings.Create(BundledGuests.Directory, quick);
        settings = settings with
        {
            BandDraws = draws,
            Claims = settings.Claims with { Tcount = tcount ?? settings.Claims.Tcount, WorkloadOps = ops ?? settings.Claims.WorkloadOps, Suite = suite },
        };
        SuiteOption.CheckOps(suite, settings.Claims.WorkloadOps);

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

using System.CommandLine;
using System.Diagnostics;
using HvSim.Cli.CommandLine;
using HvSim.Models.Profiles;
using HvSim.Validation;
using HvSim.Validation.Claims;

namespace HvSim.Cli;

/// <summary>
/// hvsim claims: runs the experiments behind every claim of validation/paper/claims.csv (the
/// microbenchmark points on xen-pv and xen-shadow, the workload suite under the four techniques
/// on xen-pv), prices them under a profile and prints the claims table — paper value, simulated
/// value, relative error, role, pass. Status 0 when it ran (even if claims fail), 2 on bad input.
/// --calibration-csv PATH also writes the measurements CSV that fits the default profile
/// (calibration claims only).
/// </summary>
public static class ClaimsCommand
{
    public static Command Create()
    {
        CliOption<string> profile = ProfileOption.Create(allowNone: false);
        Option<bool> json = CliOptions.Flag("--json", "the claims as JSON instead of the table");
        var defaults = new ClaimSettings { GuestDirectory = "" };
        CliOption<long> tcount = CliOptions.WholeNumber("--tcount", "N", "transactions per microbenchmark point", defaults.Tcount, min: 20);
        CliOption<long> ops = CliOptions.WholeNumber("--ops", "N", "operations per workload run", defaults.WorkloadOps, min: 50);
        Option<bool> noWorkloads = CliOptions.Flag("--no-workloads", "only the microbenchmark claims");
        CliOption<WorkloadSuite> suite = SuiteOption.Create();
        CliOption<long> draws = CliOptions.WholeNumber("--draws", "N", "draws from the prices' uncertainty for each claim's band (0: no bands)", PredictionBands.DefaultDraws, min: 0, max: 100_000);
        CliOption<string?> csv = CliOptions.Text("--calibration-csv", "PATH", "also write the measurements CSV that fits the default profile (calibration claims only)");
        var command = new Command("claims",
            "run the experiments behind the paper's claims, price them under a profile and print each claim: paper value, simulated value, relative error, band, role, pass")
        {
            profile, json, tcount, ops, noWorkloads, suite, draws, csv,
        };
        command.SetAction(result => Run(profile.Read(result), csv.Read(result), result.GetValue(json), !result.GetValue(noWorkloads), (int)draws.Read(result),
            new ClaimSettings { GuestDirectory = BundledGuests.Directory, Tcount = tcount.Read(result), WorkloadOps = ops.Read(result), Suite = suite.Read(result) }));
        return command;
    }

    private static int Run(string profileName, string? csvPath, bool json, bool workloads, int draws, ClaimSettings settings)
    {
        SuiteOption.CheckOps(settings.Suite, settings.WorkloadOps);
        if (csvPath is not null)
        {
            OutputPath.CheckFile(csvPath, "claims: --calibration-csv");
        }

        CostProfile profile = RunPricing.LoadProfile(profileName);
        CostProfile prior = RunPricing.LoadProfile(ClaimsCalibration.SourcesProfile);
        var clock = Stopwatch.StartNew();
        int jobs = ClaimMeasurements.MicroPoints(settings).Count + (workloads ? ClaimMeasurements.WorkloadPoints().Count : 0);
        ClaimMeasurements measurements = ProgressDisplay.Run("claims", jobs, show: !json && ProgressDisplay.Interactive, tick => ClaimMeasurements.Run(settings, workloads, _ => tick()));
        foreach (PointResult failed in measurements.Results.Where(r => !r.Ok))
        {
            Console.Error.WriteLine($"hvsim: claims: experiment failed: {failed.Failure}");
        }
        if (csvPath is not null)
        {
            File.WriteAllText(csvPath, ClaimsCalibration.Csv(measurements, prior));
        }
        IReadOnlyList<ClaimResult> results = ClaimsTable.Evaluate(measurements, profile);
        BandSummary? bands = null;
        if (draws > 0)
        {
            (results, bands) = PredictionBands.Add(measurements, profile, results, draws);
        }
        if (json)
        {
            Console.Out.WriteLine(ClaimsTable.Json(results));
        }
        else
        {
            Console.Out.Write(ClaimsConsole.Text(results, profile.Name, bands));
            Console.Out.WriteLine($"{jobs} experiments (Tcount {settings.Tcount} per microbenchmark point, {(workloads ? $"{settings.WorkloadOps} operations per workload run" : "no workloads")}) in {clock.Elapsed.TotalSeconds:0.0} s");
        }
        return 0;
    }
}

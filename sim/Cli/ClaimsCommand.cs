using System.Diagnostics;
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
    public const string Usage = "hvsim claims [--profile P] [--json] [--tcount N] [--ops N] [--no-workloads] [--suite textbook|ours] [--draws N] [--calibration-csv PATH]";

    public static int Run(string[] args)
    {
        var options = new OptionReader(args);
        string profileName = RunPricing.DefaultProfile;
        string? csvPath = null;
        bool json = false, workloads = true;
        int draws = PredictionBands.DefaultDraws;
        var settings = new ClaimSettings { GuestDirectory = BundledGuests.Directory };
        for (string? option = options.NextOption(); option is not null; option = options.NextOption())
        {
            switch (option)
            {
                case "--profile":
                    profileName = options.Value(option);
                    break;
                case "--json":
                    json = true;
                    break;
                case "--tcount":
                    settings = settings with { Tcount = options.Long(option, min: 20) };
                    break;
                case "--ops":
                    settings = settings with { WorkloadOps = options.Long(option, min: 50) };
                    break;
                case "--suite":
                    settings = settings with { Suite = SuiteOption.Parse(options.Value(option)) };
                    break;
                case "--no-workloads":
                    workloads = false;
                    break;
                case "--draws":
                    draws = (int)options.Long(option, min: 0, max: 100_000);
                    break;
                case "--calibration-csv":
                    csvPath = options.Value(option);
                    break;
                default:
                    throw new UsageException($"claims: unknown option {option}");
            }
        }
        if (options.Rest().Length != 0)
        {
            throw new UsageException($"usage: {Usage}");
        }
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
            Console.Out.Write(ClaimsTable.Text(results, profile.Name, bands));
            Console.Out.WriteLine($"{jobs} experiments (Tcount {settings.Tcount} per microbenchmark point, {(workloads ? $"{settings.WorkloadOps} operations per workload run" : "no workloads")}) in {clock.Elapsed.TotalSeconds:0.0} s");
        }
        return 0;
    }
}

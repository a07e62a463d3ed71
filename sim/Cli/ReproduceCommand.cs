using System.Diagnostics;
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
    public const string Usage = "hvsim reproduce [--quick] [--out DIR] [--profile P] [--json] [--tcount N] [--ops N] [--draws N] [--suite textbook|ours]";

    public const string DefaultOut = "reproduce-out";

    public static int Run(string[] args)
    {
        var options = new OptionReader(args);
        string profileName = RunPricing.DefaultProfile, output = DefaultOut;
        bool json = false, quick = false;
        long? tcount = null, ops = null;
        int draws = PredictionBands.DefaultDraws;
        WorkloadSuite suite = WorkloadSuites.Default;
        for (string? option = options.NextOption(); option is not null; option = options.NextOption())
        {
            switch (option)
            {
                case "--quick":
                    quick = true;
                    break;
                case "--out":
                    output = options.Value(option);
                    break;
                case "--profile":
                    profileName = options.Value(option);
                    break;
                case "--json":
                    json = true;
                    break;
                case "--tcount":
                    tcount = options.Long(option, min: 20);
                    break;
                case "--ops":
                    ops = options.Long(option, min: 50);
                    break;
                case "--suite":
                    suite = SuiteOption.Parse(options.Value(option));
                    break;
                case "--draws":
                    draws = (int)options.Long(option, min: 0, max: 100_000);
                    break;
                default:
                    throw new UsageException($"reproduce: unknown option {option}");
            }
        }
        if (options.Rest().Length != 0)
        {
            throw new UsageException($"usage: {Usage}");
        }
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
        IReadOnlyList<string> files = ReproduceOutput.Write(result, output, () => clock.Elapsed);
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
            Console.Out.Write(ClaimsTable.Text(result.Claims, profile.Name, result.Bands));
            Console.Out.WriteLine($"wrote {files.Count} files to {output} in {clock.Elapsed.TotalSeconds:0.0} s");
        }
        return result.Ok ? 0 : 1;
    }
}

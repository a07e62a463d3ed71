using System.CommandLine;
using System.Globalization;
using HvSim.Cli.CommandLine;
using HvSim.Models;
using HvSim.Models.Calibration;
using HvSim.Models.Profiles;

namespace HvSim.Cli;

/// <summary>
/// hvsim calibrate: fits a cost profile to a measurements CSV (models/README.md) by non-negative
/// least squares on relative errors, starting from an optional prior profile, writes it, and prints
/// the residuals, the condition of the problem and any contradiction between the rows.
/// Status 0; 1 when the solver fails; 2 on bad input.
/// </summary>
public static class CalibrateCommand
{
    /// <summary>
    /// Each prior term weighs a squared relative error, as each CSV row does with weight 1: at 1e-3 a
    /// price twice its prior costs as much as a row 3% off, so rows win and priors settle the rest.
    /// </summary>
    public const double DefaultPriorWeight = 1e-3;

    public static Command Create()
    {
        CliOption<string?> measurements = CliOptions.Text("--measurements", "CSV", "the measurements to fit (models/README.md describes the columns)");
        measurements.Option.Required = true;
        CliOption<string?> output = CliOptions.Text("--out", "PROFILE.json", "where to write the fitted profile");
        output.Option.Required = true;
        CliOption<string?> prior = CliOptions.Text("--prior", "P", "a profile (name or file) whose prices start the fit and settle what the rows leave free");
        CliOption<double> priorWeight = CliOptions.Value("--prior-weight", "W", "the weight of each prior term against a row's (1)",
            text => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double w) && double.IsFinite(w) && w >= 0
                ? w : throw new UsageException($"--prior-weight: '{text}' is not a number >= 0"),
            DefaultPriorWeight, DefaultPriorWeight.ToString(CultureInfo.InvariantCulture));
        CliOption<string?> name = CliOptions.Text("--name", "NAME", "the profile's name [default: the output file's name]");
        Option<bool> allowUndetermined = CliOptions.Flag("--allow-undetermined", "write the profile even when the rows leave some prices undetermined");
        CliOption<string?> fitPlatform = CliOptions.Text("--fit-platform", "PLATFORM",
            "fit the prior's own prices for this platform even where sourced or measured (rows measured on such a machine: kvm-measure's CSV with hvm)");
        var command = new Command("calibrate",
            "fit a cost profile to a measurements CSV (non-negative least squares on relative errors) and print the residuals, the condition of the problem and any contradiction between rows")
        {
            measurements, output, prior, priorWeight, name, allowUndetermined, fitPlatform,
        };
        command.SetAction(result => Run(measurements.Read(result)!, output.Read(result)!, prior.Read(result), priorWeight.Read(result), name.Read(result),
            result.GetValue(allowUndetermined), fitPlatform.Read(result)));
        return command;
    }

    private static int Run(string measurements, string output, string? priorName, double priorWeight, string? name, bool allowUndetermined, string? fitPlatform)
    {
        OutputPath.CheckFile(output, "calibrate: --out");
        if (fitPlatform is not null && !Platforms.IsConcrete(fitPlatform))
        {
            throw new UsageException($"calibrate: --fit-platform: unknown platform '{fitPlatform}' (expected {string.Join(", ", Platforms.Concrete)})");
        }
        try
        {
            MeasurementSet set = MeasurementsCsv.Load(measurements);
            CostProfile? prior = priorName is null ? null : BundledProfiles.Load(priorName);
            CalibrationProblem problem = set.ToProblem(prior, priorWeight, fitPlatform: fitPlatform);
            CalibrationResult result = Calibrator.Fit(problem, new CalibrationOptions { RelativeResiduals = true });
            if (result.Undetermined.Count > 0 && !allowUndetermined)
            {
                Console.Out.Write(CalibrationText.Format(result));
                return Program.Fail($"calibrate: the rows of {set.Source} leave {result.Undetermined.Count} of {result.Prices.Count} free prices undetermined " +
                    $"(rank {result.Condition.Rank}): {string.Join(", ", result.Undetermined.Select(p => p.Key))}; hold them fixed (a sourced or measured price in the prior) " +
                    $"or add rows; --allow-undetermined writes the profile anyway", 1);
            }
            string profileName = name ?? Path.GetFileNameWithoutExtension(output);
            string priorText = (prior is null ? "no prior" : $"prior profile '{prior.Name}' with weight {priorWeight.ToString(CultureInfo.InvariantCulture)}")
                + (fitPlatform is null ? "" : $", its {fitPlatform} prices fitted");
            string description = $"fitted by hvsim calibrate to {set.Source} ({problem.Targets.Count} targets, {problem.Keys.Count} free prices, {problem.Fixed.Count} held fixed; {priorText})";
            CostProfile profile = FittedProfile.Build(result, profileName, description, set.Source, prior);
            ProfileJson.Save(profile, output);
            Console.Out.WriteLine($"calibrated {problem.Keys.Count} free prices ({problem.Fixed.Count} held fixed) to {problem.Targets.Count} targets of {set.Source} ({priorText}, {result.Passes} Gauss–Newton passes): wrote {output}");
            Console.Out.Write(CalibrationText.Format(result));
            return 0;
        }
        catch (ModelInputException e)
        {
            throw new UsageException(e.Message);
        }
        catch (NnlsException e)
        {
            return Program.Fail($"calibrate: {e.Message}", 1);
        }
    }
}

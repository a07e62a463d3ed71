using System.Globalization;
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
    public const string Usage = "hvsim calibrate --measurements CSV --out PROFILE.json [--prior P] [--prior-weight W] [--name NAME] [--allow-undetermined]";

    /// <summary>
    /// Each prior term weighs a squared relative error, as each CSV row does with weight 1: at 1e-3 a
    /// price twice its prior costs as much as a row 3% off, so rows win and priors settle the rest.
    /// </summary>
    public const double DefaultPriorWeight = 1e-3;

    public static int Run(string[] args)
    {
        var options = new OptionReader(args);
        string? measurements = null, output = null, priorName = null, name = null;
        double priorWeight = DefaultPriorWeight;
        bool allowUndetermined = false;
        for (string? option = options.NextOption(); option is not null; option = options.NextOption())
        {
            switch (option)
            {
                case "--measurements":
                    measurements = options.Value(option);
                    break;
                case "--out":
                    output = options.Value(option);
                    break;
                case "--prior":
                    priorName = options.Value(option);
                    break;
                case "--prior-weight":
                    string text = options.Value(option);
                    if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out priorWeight) || !double.IsFinite(priorWeight) || priorWeight < 0)
                    {
                        throw new UsageException($"--prior-weight: '{text}' is not a number >= 0");
                    }
                    break;
                case "--name":
                    name = options.Value(option);
                    break;
                case "--allow-undetermined":
                    allowUndetermined = true;
                    break;
                default:
                    throw new UsageException($"calibrate: unknown option {option}");
            }
        }
        if (options.Rest().Length != 0 || measurements is null || output is null)
        {
            throw new UsageException($"usage: {Usage}");
        }

        OutputPath.CheckFile(output, "calibrate: --out");
        try
        {
            MeasurementSet set = MeasurementsCsv.Load(measurements);
            CostProfile? prior = priorName is null ? null : BundledProfiles.Load(priorName);
            CalibrationProblem problem = set.ToProblem(prior, priorWeight);
            CalibrationResult result = Calibrator.Fit(problem, new CalibrationOptions { RelativeResiduals = true });
            if (result.Undetermined.Count > 0 && !allowUndetermined)
            {
                Console.Out.Write(CalibrationText.Format(result));
                return Program.Fail($"calibrate: the rows of {set.Source} leave {result.Undetermined.Count} of {result.Prices.Count} free prices undetermined " +
                    $"(rank {result.Condition.Rank}): {string.Join(", ", result.Undetermined.Select(p => p.Key))}; hold them fixed (a sourced or measured price in the prior) " +
                    $"or add rows; --allow-undetermined writes the profile anyway", 1);
            }
            string profileName = name ?? Path.GetFileNameWithoutExtension(output);
            string priorText = prior is null ? "no prior" : $"prior profile '{prior.Name}' with weight {priorWeight.ToString(CultureInfo.InvariantCulture)}";
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

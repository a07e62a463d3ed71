using HvSim.Models;
using HvSim.Models.Pricing;
using HvSim.Models.Profiles;
using HvSim.Models.Runs;

namespace HvSim.Cli;

/// <summary>
/// hvsim reprice: prices runs' event counts (the JSON of exec --json, micro --json) under a cost
/// profile without running them again (DESIGN.md, Principle 1). Status 0; 1 when a run has events
/// the profile does not price (its time is then a lower bound, and stderr says which); 2 on bad input.
/// </summary>
public static class RepriceCommand
{
    public const string Usage = "hvsim reprice RUN.json|- --profile P [--json]   (P: a profile file or a name in models/profiles)";

    public static int Run(string[] args)
    {
        string? runPath = null, profileName = null;
        bool json = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--profile":
                    profileName = i + 1 < args.Length ? args[++i] : throw new UsageException("--profile needs a value");
                    break;
                case "--json":
                    json = true;
                    break;
                case var option when option.StartsWith("--", StringComparison.Ordinal):
                    throw new UsageException($"reprice: unknown option {option}");
                default:
                    runPath = runPath is null ? args[i] : throw new UsageException($"reprice takes one run file, not also '{args[i]}'");
                    break;
            }
        }
        if (runPath is null || profileName is null)
        {
            throw new UsageException($"usage: {Usage}");
        }
        try
        {
            CostProfile profile = BundledProfiles.Load(profileName);
            RunFile file = runPath == "-" ? RunJsonReader.Parse(Console.In.ReadToEnd(), "stdin") : RunJsonReader.Load(runPath);
            PricingResult[] prices = file.Runs.Select(run => Pricer.Price(profile, run.Platform, run.Counts)).ToArray();
            if (json)
            {
                Console.Out.WriteLine(RunJsonWriter.Write(file, prices, profile));
            }
            else
            {
                Console.Out.WriteLine($"profile {profile.Name}: {profile.Description}");
                for (int i = 0; i < file.Runs.Count; i++)
                {
                    Console.Out.Write(RunPriceText.Format(file.Runs[i], prices[i]));
                }
            }
            return ReportUnpriced(file, prices, profile);
        }
        catch (ModelInputException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>One line naming every unpriced (kind, layer, platform): a missing price is never a silent zero.</summary>
    private static int ReportUnpriced(RunFile file, PricingResult[] prices, CostProfile profile)
    {
        string[] missing = file.Runs
            .Zip(prices)
            .SelectMany(pair => pair.Second.Unpriced.Select(e => $"{e.KindName}@{LayerNames.Name(e.Layer)}@{pair.First.Platform}"))
            .Distinct()
            .ToArray();
        if (missing.Length == 0)
        {
            return 0;
        }
        int runs = prices.Count(p => !p.IsComplete);
        return Program.Fail($"reprice: profile {profile.Name} has no price for {string.Join(", ", missing)}: the simulated time of {runs} run(s) is a lower bound", 1);
    }
}

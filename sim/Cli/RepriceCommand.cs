using System.CommandLine;
using HvSim.Cli.CommandLine;
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
    public static Command Create()
    {
        var run = new Argument<string>("RUN.json") { Description = "a run's JSON (exec --json, micro --json, workload --json), or - for stdin" };
        CliOption<string> profile = ProfileOption.Create(allowNone: false);
        profile.Option.Required = true;
        Option<bool> json = CliOptions.Flag("--json", "the runs with their new prices as JSON instead of the text");
        var command = new Command("reprice",
            "price runs' event counts under another cost profile without running them again; status 1 when the profile lacks a price a run needs")
        {
            run, profile, json,
        };
        command.SetAction(result => Run(result.GetValue(run)!, profile.Read(result), result.GetValue(json)));
        return command;
    }

    private static int Run(string runPath, string profileName, bool json)
    {
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

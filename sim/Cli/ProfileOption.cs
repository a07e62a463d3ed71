using System.CommandLine;
using HvSim.Cli.CommandLine;

namespace HvSim.Cli;

/// <summary>--profile: the cost profile that prices a command's runs (loaded, and a bad one refused, before any run).</summary>
internal static class ProfileOption
{
    /// <param name="allowNone">Whether "none" (no pricing) is accepted.</param>
    /// <param name="jsonOnly">The price appears only in the --json report (see <see cref="ForJson"/>).</param>
    public static CliOption<string> Create(bool allowNone = true, bool jsonOnly = false) => CliOptions.Value("--profile", allowNone ? "P|none" : "P",
        "the cost profile that prices the runs: a name in models/profiles or a profile JSON file" + (allowNone ? "; none leaves them unpriced" : "")
            + (jsonOnly ? "; with --json, whose report carries the price" : ""),
        text => allowNone || text != "none" ? text : throw new UsageException("--profile none: this command needs a profile"),
        RunPricing.DefaultProfile, RunPricing.DefaultProfile);

    /// <summary>
    /// The profile of a command whose prices appear only in its --json report (exec, workload): null
    /// without --json, and --profile without --json refused (a silently ignored option misleads).
    /// </summary>
    public static string? ForJson(ParseResult result, Option<bool> json, CliOption<string> profile, string command) => result.GetValue(json)
        ? profile.Read(result)
        : profile.Given(result) ? throw new UsageException($"{command}: --profile prices the --json report; give --json too") : null;
}

using HvSim.Cli.CommandLine;

namespace HvSim.Cli;

/// <summary>--profile: the cost profile that prices a command's runs (loaded, and a bad one refused, before any run).</summary>
internal static class ProfileOption
{
    /// <param name="allowNone">Whether "none" (no pricing) is accepted.</param>
    public static CliOption<string> Create(bool allowNone = true) => CliOptions.Value("--profile", allowNone ? "P|none" : "P",
        "the cost profile that prices the runs: a name in models/profiles or a profile JSON file" + (allowNone ? "; none leaves them unpriced" : ""),
        text => allowNone || text != "none" ? text : throw new UsageException("--profile none: this command needs a profile"),
        RunPricing.DefaultProfile, RunPricing.DefaultProfile);
}

using HvSim.Checkpoint;
using HvSim.Hypervisor;
using HvSim.Models;
using HvSim.Models.Pricing;
using HvSim.Models.Profiles;

namespace HvSim.Cli;

/// <summary>
/// Prices a finished run under a cost profile (models/): the simulated time the run's JSON
/// reports as simulated_ns. Null when a count has no price, so that a missing price never reads
/// as a shorter time.
/// </summary>
public static class RunPricing
{
    /// <summary>The default profile of the commands that price their runs.</summary>
    public const string DefaultProfile = "xen-4.1-pv";

    /// <summary>Loads a profile named on the command line; "none" means no pricing.</summary>
    public static CostProfile? Load(string nameOrPath) => nameOrPath == "none" ? null : LoadProfile(nameOrPath);

    /// <summary>Loads a profile a command cannot do without: a bad one is a usage error (one line, status 2).</summary>
    public static CostProfile LoadProfile(string nameOrPath)
    {
        try
        {
            return BundledProfiles.Load(nameOrPath);
        }
        catch (ModelInputException e)
        {
            throw new UsageException(e.Message);
        }
    }

    public static long? SimulatedNs(CheckpointedResult result, CostProfile? profile)
    {
        if (profile is null)
        {
            return null;
        }
        PricingResult priced = Pricer.Price(profile, PlatformNames.Name(result.Kernel.Options.Platform.Platform),
            result.Kernel.Ledger.NonZero().Select(e => new EventCount(e.Kind, e.Layer, e.Count))
                .Concat(result.Kernel.Ledger.SubkindCounts().Select(e => new EventCount(e.Kind, e.Layer, e.Count, e.Subkind))));
        return priced.IsComplete ? (long)Math.Round(priced.TotalNs) : null;
    }
}

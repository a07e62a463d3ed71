using HvSim.Models.Profiles;
using HvSim.Tests.Guests;
using HvSim.Validation.Claims;

namespace HvSim.Tests.Claims;

/// <summary>
/// The claims' microbenchmark points at a reduced Tcount (their counts per transaction do not
/// depend on it), run once for every test class that needs them, and the committed profiles.
/// </summary>
internal static class MicroClaimRuns
{
    public static readonly ClaimSettings Settings = new() { Tcount = 200, GuestDirectory = Path.Combine(RepositoryPaths.Root, "guests", "bin") };

    public static readonly Lazy<ClaimMeasurements> Measured = new(() => ClaimMeasurements.Run(Settings, workloads: false));

    public static CostProfile Profile(string name) => ProfileJson.Load(Path.Combine(RepositoryPaths.Root, "models", "profiles", name + ".json"));
}

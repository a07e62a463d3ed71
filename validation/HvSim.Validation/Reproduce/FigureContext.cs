using System.Globalization;
using HvSim.Checkpoint;
using HvSim.Models.Profiles;
using HvSim.Validation.Claims;

namespace HvSim.Validation.Reproduce;

/// <summary>
/// Prices measured points for the figures: times are for the paper's run lengths — a microbenchmark
/// point's steady-state counts per transaction × 100000 transactions, a workload's counts per
/// operation × 10000 operations — under one cost profile.
/// </summary>
public sealed class FigureContext(ClaimMeasurements measurements, CostProfile profile, ReproduceSettings settings)
{
    private const double MiB = 1 << 20;

    public ClaimMeasurements Measurements { get; } = measurements;

    public CostProfile Profile { get; } = profile;

    public ReproduceSettings Settings { get; } = settings;

    /// <summary>Seconds for 100000 transactions at a microbenchmark point (the copy to the helper left out, as the paper's Figs 6-10).</summary>
    public double MicroSeconds(MicroPoint point) => Measurements.Micro(point).Ns(Profile) * ClaimSettings.PaperTcount / 1e9;

    /// <summary>Seconds for 10000 operations of a workload point, with or without the copy to the helper.</summary>
    public double WorkloadSeconds(WorkloadPoint point, bool withCopy = false) =>
        Measurements.Workload(point, withCopy).Ns(Profile) * ClaimSettings.PaperOps / 1e9;

    /// <summary>MB (2^20 bytes) copied to the helper for 10000 operations.</summary>
    public double CopiedMiB(WorkloadPoint point) =>
        Measurements.CopiedBytesPerOp(point.Structure, point.Operation, point.Opt, point.Technique) * ClaimSettings.PaperOps / MiB;

    /// <summary>A microbenchmark argument as the guest takes it and as the claims' points spell it ("4", "1.5").</summary>
    public static string Arg(double value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A microbenchmark point on the technique's platform (xen-shadow for Scanxen, xen-pv otherwise).</summary>
    public static MicroPoint Micro(Technique technique, int cdaKib, double wpp, double ppt) =>
        new(technique, ClaimMeasurements.MicroPlatform(technique), cdaKib, Arg(wpp), Arg(ppt));

    public static MicroPoint Micro(Technique technique, int cdaKib, double wpp, string ppt) =>
        new(technique, ClaimMeasurements.MicroPlatform(technique), cdaKib, Arg(wpp), ppt);
}

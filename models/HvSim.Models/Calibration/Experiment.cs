using HvSim.Models.Profiles;

namespace HvSim.Models.Calibration;

/// <summary>
/// An operation whose event counts are known (what the simulator says one occurrence costs, in
/// events): its time under prices p is Σ_k counts[k] × p[k]. Counts may be fractional (averages)
/// and negative (an experiment that is the difference of two runs, such as the slope per dirty page).
/// </summary>
public sealed record Experiment(string Name, IReadOnlyDictionary<PriceKey, double> Counts);

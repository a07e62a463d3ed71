using HvSim.Models.Profiles;

namespace HvSim.Models.Calibration;

/// <summary>
/// p[Key] ≈ Ns with a weight: what a price falls back to where the targets do not determine it,
/// and a gentle pull elsewhere. Weigh it well below the targets, or it competes with them.
/// </summary>
public sealed record PriorPrice(PriceKey Key, double Ns, double Weight);

using HvSim.Models.Profiles;

namespace HvSim.Models.Calibration;

/// <summary>How far the targets pin a price down (from the null space of the weighted target matrix).</summary>
public enum Determination
{
    /// <summary>The targets fix it: it has no component in their null space.</summary>
    Determined,
    /// <summary>Only combinations with other prices are fixed; the priors settle the rest.</summary>
    PartlyDetermined,
    /// <summary>It lies mostly (≥ half) in the null space: it rests on its prior.</summary>
    Undetermined,
}

/// <summary>
/// One fitted price. <see cref="NullSpaceShare"/> is ‖P_null e_k‖², the part of the price the
/// targets cannot see (0: determined, 1: untouched by every target). <see cref="Targets"/> names the
/// fitted targets (weight > 0) whose experiments count this key (for provenance).
/// </summary>
public sealed record FittedPrice(PriceKey Key, double Ns, PriorPrice? Prior, double NullSpaceShare, Determination Determination, IReadOnlyList<string> Targets);

/// <summary>
/// How well a target holds at the fitted prices. For a measured target, <see cref="Wanted"/> and
/// <see cref="Achieved"/> are times in ns; for a relation they are ratios time(a)/time(b).
/// <see cref="AbsoluteNs"/> is row·p − y in ns (for a relation, time(a) − r·time(b)).
/// <see cref="Relative"/> is (achieved − wanted)/wanted: NaN when the wanted value or time(b) is 0.
/// </summary>
public sealed record TargetResidual(Target Target, double Wanted, double Achieved, double AbsoluteNs, double Relative);

/// <summary>
/// The condition of the problem: the singular values of the weighted target matrix (priors left
/// out) with its columns scaled to unit length, so that the units of the prices (ns per byte, ns per
/// signal) do not decide what looks small; its numerical rank; the prices no target involves; and
/// a basis of the null space in price units: each direction raises one price the targets cannot
/// fix by 1 ns (its first component) and changes the prices it trades against so that no target
/// sees the difference.
/// </summary>
public sealed record ConditionReport(
    IReadOnlyList<double> SingularValues,
    int Rank,
    int Prices,
    IReadOnlyList<PriceKey> Unused,
    IReadOnlyList<IReadOnlyList<(PriceKey Key, double Component)>> NullDirections)
{
    /// <summary>Largest over smallest non-zero singular value (1 when there is at most one).</summary>
    public double ConditionNumber => Rank == 0 ? double.NaN : SingularValues[0] / SingularValues[Rank - 1];
}

/// <summary>
/// Whether the targets can hold together, from a second fit with the priors weakened to almost
/// nothing (they then only fix what the targets leave open; p ≥ 0 still holds).
/// <see cref="Contradicted"/>: targets whose relative residual stays above the tolerance even then —
/// no prices satisfy them together. <see cref="ResolvedByDropping"/>: the contradicted targets whose
/// removal alone lets all the others hold. <see cref="HeldByPriors"/>: targets that miss in the
/// real fit but hold alone — the priors, not the other targets, stand in their way.
/// <see cref="MovedAlone"/>: the prices the targets alone would move furthest from their priors.
/// </summary>
public sealed record ContradictionReport(
    IReadOnlyList<TargetResidual> Contradicted,
    IReadOnlyList<string> ResolvedByDropping,
    IReadOnlyList<TargetResidual> HeldByPriors,
    IReadOnlyList<(PriceKey Key, double Prior, double Alone)> MovedAlone,
    double Tolerance)
{
    public bool Any => Contradicted.Count > 0;
}

/// <summary>
/// Everything a calibration found. <see cref="Passes"/> counts Gauss–Newton passes (1 for absolute
/// residuals); <see cref="Converged"/> is false when they ran out before the prices settled.
/// </summary>
public sealed record CalibrationResult(
    CalibrationProblem Problem,
    IReadOnlyList<FittedPrice> Prices,
    IReadOnlyList<TargetResidual> Residuals,
    ConditionReport Condition,
    ContradictionReport Contradictions,
    int Passes,
    bool Converged)
{
    public FittedPrice Price(PriceKey key) => Prices.First(p => p.Key == key);

    /// <summary>The free prices the rows do not pin down on their own (partly or not determined).</summary>
    public IReadOnlyList<FittedPrice> Undetermined => Prices.Where(p => p.Determination != Determination.Determined).ToArray();

    public TargetResidual Residual(string target) => Residuals.First(r => r.Target.Name == target);
}

namespace HvSim.Models.Calibration;

/// <summary>Knobs of a calibration; the defaults suit the event-count problems of this project.</summary>
public sealed record CalibrationOptions
{
    /// <summary>
    /// False (the default): minimise Σ wᵢ (rowᵢ·p − yᵢ)² + Σ w_k (p_k − v_k)², weights on absolute
    /// nanoseconds. True: minimise Σ wᵢ relᵢ² + Σ w_k ((p_k − v_k)/v_k)², where rel is the relative
    /// residual the report shows — time/y − 1 for a measured time, time(a)/(r·time(b)) − 1 for a
    /// relation — so a 170 ns syscall counts as much as a 1 ms mprotect, and a relation's residual
    /// does not shrink by scaling every price down. Relations make this non-linear: it is solved by
    /// Gauss–Newton with an NNLS per pass.
    /// </summary>
    public bool RelativeResiduals { get; init; }

    /// <summary>Gauss–Newton passes at most (RelativeResiduals only).</summary>
    public int MaxPasses { get; init; } = 200;

    /// <summary>A singular value below this fraction of the largest counts as zero (numerical rank).</summary>
    public double RankTolerance { get; init; } = 1e-9;

    /// <summary>
    /// A target whose relative residual stays above this when the targets are fitted (almost) alone
    /// cannot hold together with the others: it is reported as a contradiction.
    /// </summary>
    public double ContradictionTolerance { get; init; } = 0.01;

    /// <summary>How much the priors are weakened for the contradiction check (they only fix what the targets leave open).</summary>
    public double WeakPriorFactor { get; init; } = 1e-6;
}

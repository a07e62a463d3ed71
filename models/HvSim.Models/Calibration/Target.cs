namespace HvSim.Models.Calibration;

/// <summary>
/// What the fitted prices should satisfy, with a weight: the fit minimises Σ weight × residual²
/// (divided by the target's scale when the calibration weighs relative errors).
/// </summary>
public abstract record Target(string Name, double Weight);

/// <summary>time(Experiment) = Ns: a measured or published absolute time.</summary>
public sealed record MeasuredTarget(string Name, string Experiment, double Ns, double Weight) : Target(Name, Weight);

/// <summary>
/// time(A) = Ratio × time(B): one of the paper's ratios, or a break-even point (Ratio 1). Its row
/// is Σ_k (c_Ak − Ratio c_Bk) p_k = 0, so it fixes no scale by itself.
/// </summary>
public sealed record RelationTarget(string Name, string A, double Ratio, string B, double Weight) : Target(Name, Weight);

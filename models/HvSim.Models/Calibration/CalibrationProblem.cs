using HvSim.Models.Profiles;

namespace HvSim.Models.Calibration;

/// <summary>
/// The data of a calibration, checked once: experiments with unique names, targets that name
/// existing experiments, finite non-negative weights, the prices held fixed (sourced or measured
/// elsewhere: they enter every experiment's time as a constant) and the prices to fit — every
/// other key an experiment counts (in order of first appearance), then keys that only have a prior.
/// </summary>
public sealed class CalibrationProblem
{
    private readonly Dictionary<string, Experiment> _experiments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _fixedTime = new(StringComparer.Ordinal);
    private readonly Dictionary<PriceKey, int> _keyIndex = new();

    public CalibrationProblem(IEnumerable<Experiment> experiments, IEnumerable<Target> targets, IEnumerable<PriorPrice> priors,
        IReadOnlyDictionary<PriceKey, double>? fixedPrices = null)
    {
        Fixed = fixedPrices ?? new Dictionary<PriceKey, double>();
        foreach ((PriceKey key, double ns) in Fixed)
        {
            if (!double.IsFinite(ns) || ns < 0)
            {
                throw new ModelInputException($"fixed price {key}: ns must be a finite number >= 0, not {ns}");
            }
        }
        var keys = new List<PriceKey>();
        foreach (Experiment experiment in experiments)
        {
            if (!_experiments.TryAdd(experiment.Name, experiment))
            {
                throw new ModelInputException($"experiment '{experiment.Name}' is defined twice");
            }
            foreach ((PriceKey key, double count) in experiment.Counts)
            {
                // Negative counts are allowed: an experiment may be the difference of two runs (a slope).
                if (!double.IsFinite(count))
                {
                    throw new ModelInputException($"experiment '{experiment.Name}': count of {key} must be a finite number, not {count}");
                }
                if (Fixed.TryGetValue(key, out double ns))
                {
                    _fixedTime[experiment.Name] = _fixedTime.GetValueOrDefault(experiment.Name) + count * ns;
                }
                else
                {
                    AddKey(keys, key);
                }
            }
        }
        Targets = targets.ToArray();
        var targetNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (Target target in Targets)
        {
            if (!targetNames.Add(target.Name))
            {
                throw new ModelInputException($"target '{target.Name}' is given twice");
            }
            CheckWeight(target.Weight, $"target '{target.Name}'");
            switch (target)
            {
                case MeasuredTarget measured:
                    Require(measured.Experiment, target.Name);
                    if (!double.IsFinite(measured.Ns) || measured.Ns < 0)
                    {
                        throw new ModelInputException($"target '{target.Name}': time must be a finite number of ns >= 0, not {measured.Ns}");
                    }
                    break;
                case RelationTarget relation:
                    Require(relation.A, target.Name);
                    Require(relation.B, target.Name);
                    if (!double.IsFinite(relation.Ratio) || relation.Ratio <= 0)
                    {
                        throw new ModelInputException($"target '{target.Name}': ratio must be a finite number > 0, not {relation.Ratio}");
                    }
                    break;
                default:
                    throw new ModelInputException($"target '{target.Name}': unknown kind of target {target.GetType().Name}");
            }
        }
        Priors = priors.ToArray();
        var priorKeys = new HashSet<PriceKey>();
        foreach (PriorPrice prior in Priors)
        {
            if (!priorKeys.Add(prior.Key))
            {
                throw new ModelInputException($"prior for {prior.Key} is given twice");
            }
            CheckWeight(prior.Weight, $"prior for {prior.Key}");
            if (Fixed.ContainsKey(prior.Key))
            {
                throw new ModelInputException($"{prior.Key} is both held fixed and given a prior to fit");
            }
            if (!double.IsFinite(prior.Ns) || prior.Ns < 0)
            {
                throw new ModelInputException($"prior for {prior.Key}: ns must be a finite number >= 0, not {prior.Ns}");
            }
            AddKey(keys, prior.Key);
        }
        if (keys.Count == 0)
        {
            // Every price the rows name is held fixed: a fit would have no column to solve for.
            throw new ModelInputException("every price the rows name is held fixed (sourced or measured in the prior): nothing is left to fit " +
                "(rows measured on one platform's machine refit the prior's prices for it with hvsim calibrate --fit-platform)");
        }
        Keys = keys;
    }

    /// <summary>The prices to fit: column j of every matrix is Keys[j].</summary>
    public IReadOnlyList<PriceKey> Keys { get; }

    /// <summary>The prices held at a given value (not fitted).</summary>
    public IReadOnlyDictionary<PriceKey, double> Fixed { get; }

    /// <summary>The part of an experiment's time that the fixed prices make.</summary>
    public double FixedTime(string experiment) => _fixedTime.GetValueOrDefault(experiment);

    public IReadOnlyList<Target> Targets { get; }

    public IReadOnlyList<PriorPrice> Priors { get; }

    public IEnumerable<Experiment> Experiments => _experiments.Values;

    public Experiment Experiment(string name) => _experiments[name];

    public int IndexOf(PriceKey key) => _keyIndex[key];

    /// <summary>The experiment's counts as a row over <see cref="Keys"/>.</summary>
    public double[] Row(string experiment)
    {
        var row = new double[Keys.Count];
        foreach ((PriceKey key, double count) in _experiments[experiment].Counts)
        {
            if (_keyIndex.TryGetValue(key, out int index))
            {
                row[index] += count;
            }
        }
        return row;
    }

    /// <summary>The target's row and right-hand side: row·p = rhs is what the target asks.</summary>
    public (double[] Row, double Rhs) Equation(Target target)
    {
        switch (target)
        {
            case MeasuredTarget measured:
                return (Row(measured.Experiment), measured.Ns - FixedTime(measured.Experiment));
            case RelationTarget relation:
                double[] a = Row(relation.A);
                double[] b = Row(relation.B);
                for (int k = 0; k < a.Length; k++)
                {
                    a[k] -= relation.Ratio * b[k];
                }
                return (a, relation.Ratio * FixedTime(relation.B) - FixedTime(relation.A));
            default:
                throw new InvalidOperationException($"unknown target {target.GetType().Name}");
        }
    }

    /// <summary>An experiment's time under prices p.</summary>
    public double Time(string experiment, IReadOnlyList<double> prices)
    {
        double time = FixedTime(experiment);
        foreach ((PriceKey key, double count) in _experiments[experiment].Counts)
        {
            if (_keyIndex.TryGetValue(key, out int index))
            {
                time += count * prices[index];
            }
        }
        return time;
    }

    private void AddKey(List<PriceKey> keys, PriceKey key)
    {
        if (_keyIndex.TryAdd(key, keys.Count))
        {
            keys.Add(key);
        }
    }

    private void Require(string experiment, string target)
    {
        if (!_experiments.ContainsKey(experiment))
        {
            throw new ModelInputException($"target '{target}': no experiment named '{experiment}'");
        }
    }

    private static void CheckWeight(double weight, string what)
    {
        if (!double.IsFinite(weight) || weight < 0)
        {
            throw new ModelInputException($"{what}: weight must be a finite number >= 0, not {weight}");
        }
    }
}

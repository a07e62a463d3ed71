using HvSim.Models.Profiles;

namespace HvSim.Models.Calibration;

/// <summary>What a measurements CSV holds: experiments (every row with events) and targets (timed rows and relations).</summary>
public sealed record MeasurementSet(string Source, IReadOnlyList<Experiment> Experiments, IReadOnlyList<Target> Targets)
{
    /// <summary>Every price an experiment counts, in order of first appearance.</summary>
    public IReadOnlyList<PriceKey> Keys => Experiments.SelectMany(e => e.Counts.Keys).Distinct().ToArray();

    /// <summary>
    /// The calibration problem. Every key the prior profile prices (a "*" key only from a "*" price, a
    /// subkind from its own price or else its kind's) is either held fixed — when that price is
    /// sourced or measured (<paramref name="fixedValues"/> may replace those values, as the
    /// prediction bands' draws do) — or fitted with a prior of weight <paramref name="priorWeight"/>.
    /// A price the prior gives for <paramref name="fitPlatform"/> itself (not a "*" price) is fitted even
    /// when sourced or measured: the rows were measured on a machine of that platform (kvm-measure's
    /// CSV on a KVM host, fitting hvm's exits) and replace the sources' figures for it.
    /// </summary>
    public CalibrationProblem ToProblem(CostProfile? prior, double priorWeight, IReadOnlyDictionary<PriceKey, double>? fixedValues = null,
        string? fitPlatform = null)
    {
        var priors = new List<PriorPrice>();
        var held = new Dictionary<PriceKey, double>();
        if (prior is not null)
        {
            foreach (PriceKey key in Keys)
            {
                if (prior.Resolve(key) is not Price price)
                {
                    continue;
                }
                if (price.Provenance.IsFixed && !(fitPlatform is not null && price.Key.Platform == fitPlatform))
                {
                    held[key] = fixedValues is not null && fixedValues.TryGetValue(price.Key, out double drawn) ? drawn : price.Ns;
                }
                else
                {
                    priors.Add(new PriorPrice(key, price.Ns, priorWeight));
                }
            }
        }
        try
        {
            return new CalibrationProblem(Experiments, Targets, priors, held);
        }
        catch (ModelInputException e)
        {
            throw new ModelInputException($"{Source}: {e.Message}", e);
        }
    }
}

using HvSim.Models.Profiles;

namespace HvSim.Models.Calibration;

/// <summary>What a measurements CSV holds: experiments (every row with events) and targets (timed rows and relations).</summary>
public sealed record MeasurementSet(string Source, IReadOnlyList<Experiment> Experiments, IReadOnlyList<Target> Targets)
{
    /// <summary>Every price an experiment counts, in order of first appearance.</summary>
    public IReadOnlyList<PriceKey> Keys => Experiments.SelectMany(e => e.Counts.Keys).Distinct().ToArray();

    /// <summary>
    /// The calibration problem, with a prior for every key the prior profile prices (a "*" key only
    /// from a "*" price). <paramref name="priorWeight"/> is the weight of each prior's term.
    /// </summary>
    public CalibrationProblem ToProblem(CostProfile? prior, double priorWeight)
    {
        var priors = new List<PriorPrice>();
        if (prior is not null)
        {
            foreach (PriceKey key in Keys)
            {
                if (prior.Resolve(key) is Price price)
                {
                    priors.Add(new PriorPrice(key, price.Ns, priorWeight));
                }
            }
        }
        try
        {
            return new CalibrationProblem(Experiments, Targets, priors);
        }
        catch (ModelInputException e)
        {
            throw new ModelInputException($"{Source}: {e.Message}", e);
        }
    }
}

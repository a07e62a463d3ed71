namespace HvSim.Core;

/// <summary>
/// Counts of (kind, layer) events for one run. The ledger holds no time: pricing is the cost
/// model's job, so a run's counts can be re-priced under any profile afterwards.
/// </summary>
public sealed class EventLedger
{
    private static readonly int s_kinds = Enum.GetValues<EventKind>().Length;
    private static readonly int s_layers = Enum.GetValues<Layer>().Length;

    private readonly long[] _counts = new long[s_kinds * s_layers];

    /// <summary>Adds <paramref name="count"/> occurrences of an event.</summary>
    public void Add(EventKind kind, Layer layer, long count = 1)
    {
        _counts[((int)kind * s_layers) + (int)layer] += count;
    }

    /// <summary>The number of times <paramref name="kind"/> happened in <paramref name="layer"/>.</summary>
    public long Count(EventKind kind, Layer layer) => _counts[((int)kind * s_layers) + (int)layer];

    /// <summary>The number of times <paramref name="kind"/> happened in any layer.</summary>
    public long Count(EventKind kind)
    {
        long total = 0;
        for (int layer = 0; layer < s_layers; layer++)
        {
            total += _counts[((int)kind * s_layers) + layer];
        }
        return total;
    }

    /// <summary>Every non-zero count, in vocabulary order then layer order.</summary>
    public IEnumerable<(EventKind Kind, Layer Layer, long Count)> NonZero()
    {
        foreach (EventKind kind in Enum.GetValues<EventKind>())
        {
            foreach (Layer layer in Enum.GetValues<Layer>())
            {
                long count = Count(kind, layer);
                if (count != 0)
                {
                    yield return (kind, layer, count);
                }
            }
        }
    }
}

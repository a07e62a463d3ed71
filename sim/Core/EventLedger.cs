using System.Runtime.InteropServices;

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
    private readonly Dictionary<(EventKind, Layer, string), long> _subkindsByLayer = new();
    private List<TraceStep>? _trace;
    private int _tracePaused;

    /// <summary>
    /// True while steps are being recorded. Callers check it before building a step's
    /// <see cref="TraceData"/>, so a run that is not traced pays one branch per event and allocates nothing.
    /// </summary>
    public bool IsTracing => _trace is not null && _tracePaused == 0;

    /// <summary>The recorded steps (empty unless <see cref="StartTrace"/> was called).</summary>
    public IReadOnlyList<TraceStep> Trace => (IReadOnlyList<TraceStep>?)_trace ?? Array.Empty<TraceStep>();

    /// <summary>Starts (or resumes) recording steps.</summary>
    public void StartTrace()
    {
        _trace ??= new List<TraceStep>();
        _tracePaused = 0;
    }

    /// <summary>Stops recording steps; the ones recorded are kept.</summary>
    public void StopTrace()
    {
        _tracePaused = 1;
    }

    /// <summary>Counts an event and, while tracing, records it as a step with what the code had in hand.</summary>
    /// <param name="step">The step's data; callers pass null unless <see cref="IsTracing"/> (nothing is built when nobody reads it).</param>
    public void Add(EventKind kind, Layer layer, TraceData? step)
    {
        Add(kind, layer);
        Record(kind, layer, step, null);
    }

    /// <summary>Adds <paramref name="count"/> occurrences and, while tracing, records them as one step (instructions retired in one run, for instance).</summary>
    public void Add(EventKind kind, Layer layer, long count, TraceData? step)
    {
        Add(kind, layer, count);
        Record(kind, layer, step, null);
    }

    /// <summary>Counts an event of a kind that has subkinds (a hypercall's name, for instance).</summary>
    public void AddSubkind(EventKind kind, Layer layer, string subkind, TraceData? step = null)
    {
        // One hypercall or more per simulated fault: one dictionary update and no formatting. The
        // layer is part of the key because the cost model prices a subkind (a hypercall by name) per layer.
        CollectionsMarshal.GetValueRefOrAddDefault(_subkindsByLayer, (kind, layer, subkind), out _)++;
        Add(kind, layer);
        Record(kind, layer, step, subkind);
    }

    private void Record(EventKind kind, Layer layer, TraceData? step, string? subkind)
    {
        if (step is not null && IsTracing)
        {
            _trace!.Add(new TraceStep(layer, kind, step, subkind));
        }
    }

    /// <summary>Counts per subkind over every layer, keyed "Kind.subkind" (e.g. "Hypercall.mmu_update"); composed when asked, for reports.</summary>
    public IReadOnlyDictionary<string, long> Subkinds => _subkindsByLayer
        .GroupBy(e => CountedKindName.Of(e.Key.Item1, e.Key.Item3), StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Sum(e => e.Value), StringComparer.Ordinal);

    /// <summary>Counts per (kind, layer, subkind), in a stable order (vocabulary, layer, then name): each is a part of <see cref="Count(EventKind, Layer)"/>.</summary>
    public IEnumerable<(EventKind Kind, Layer Layer, string Subkind, long Count)> SubkindCounts() => _subkindsByLayer
        .Select(e => (e.Key.Item1, e.Key.Item2, e.Key.Item3, e.Value))
        .OrderBy(e => e.Item1).ThenBy(e => e.Item2).ThenBy(e => e.Item3, StringComparer.Ordinal);

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

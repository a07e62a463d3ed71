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
    // Subkind counts live in an array in first-counted order (the order reports list them in);
    // the dictionary finds a key's slot the first time, a small direct-mapped cache every later
    // time: a hypercall is counted several times per simulated fault, and hashing the tuple's
    // string (randomized, over every character) on each was a visible share of the cycle.
    private readonly List<(EventKind Kind, Layer Layer, string Subkind)> _subkindKeys = new();
    private long[] _subkindCounts = new long[16];
    private readonly Dictionary<(EventKind, Layer, string), int> _subkindSlots = new();
    private readonly SubkindCacheLine[] _subkindCache = new SubkindCacheLine[SubkindCacheLines];
    private const int SubkindCacheLines = 32;
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
        _subkindCounts[SubkindSlot(kind, layer, subkind)]++;
        Add(kind, layer);
        Record(kind, layer, step, subkind);
    }

    private int SubkindSlot(EventKind kind, Layer layer, string subkind)
    {
        // The line is a cheap function of the key's value (not its identity), so equal strings
        // share a line; a hit still compares the whole key (string equality tries the reference first).
        int line = ((subkind.Length * 7) + (subkind.Length == 0 ? 0 : subkind[^1]) + ((int)kind * 5) + (int)layer) & (SubkindCacheLines - 1);
        ref SubkindCacheLine cached = ref _subkindCache[line];
        if (cached.Kind == kind && cached.Layer == layer && cached.Subkind is not null && string.Equals(cached.Subkind, subkind))
        {
            return cached.Slot;
        }
        ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_subkindSlots, (kind, layer, subkind), out bool exists);
        if (!exists)
        {
            slot = _subkindKeys.Count;
            _subkindKeys.Add((kind, layer, subkind));
            if (slot == _subkindCounts.Length)
            {
                Array.Resize(ref _subkindCounts, slot * 2);
            }
        }
        cached = new SubkindCacheLine { Kind = kind, Layer = layer, Subkind = subkind, Slot = slot };
        return slot;
    }

    /// <summary>Every counted (kind, layer, subkind) with its count, in the order first counted.</summary>
    private IEnumerable<((EventKind Kind, Layer Layer, string Subkind) Key, long Value)> SubkindEntries()
    {
        for (int i = 0; i < _subkindKeys.Count; i++)
        {
            yield return (_subkindKeys[i], _subkindCounts[i]);
        }
    }

    private struct SubkindCacheLine
    {
        public EventKind Kind;
        public Layer Layer;
        public string? Subkind;
        public int Slot;
    }

    private void Record(EventKind kind, Layer layer, TraceData? step, string? subkind)
    {
        if (step is not null && IsTracing)
        {
            _trace!.Add(new TraceStep(layer, kind, step, subkind));
        }
    }

    /// <summary>Counts per subkind over every layer, keyed "Kind.subkind" (e.g. "Hypercall.mmu_update"); composed when asked, for reports.</summary>
    public IReadOnlyDictionary<string, long> Subkinds => SubkindEntries()
        .GroupBy(e => CountedKindName.Of(e.Key.Kind, e.Key.Subkind), StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Sum(e => e.Value), StringComparer.Ordinal);

    /// <summary>Counts per (kind, layer, subkind), in a stable order (vocabulary, layer, then name): each is a part of <see cref="Count(EventKind, Layer)"/>.</summary>
    public IEnumerable<(EventKind Kind, Layer Layer, string Subkind, long Count)> SubkindCounts() => SubkindEntries()
        .Select(e => (e.Key.Kind, e.Key.Layer, e.Key.Subkind, e.Value))
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

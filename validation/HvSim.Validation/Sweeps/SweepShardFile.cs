namespace HvSim.Validation.Sweeps;

/// <summary>
/// A shard's results file in a sweep's output directory. Finished points are appended, one line
/// each and flushed, to "shard-I-of-N.jsonl.partial"; when the shard is done the lines are written
/// in the spec's order to a temporary file renamed to "shard-I-of-N.jsonl" (atomic: a reader sees
/// the whole file or none). A shard run again finds the points already present (in the finished
/// file or the partial one, whose last line may be cut short by a kill) and runs only the rest.
/// </summary>
public sealed class SweepShardFile
{
    /// <summary>The spec as every shard of the directory ran it (merge checks they agree).</summary>
    public const string SpecFileName = "sweep-spec.json";

    public const string Extension = ".jsonl";

    private const string PartialExtension = ".partial";

    private readonly object _lock = new();
    private readonly Dictionary<string, string> _lines = new(StringComparer.Ordinal);
    private StreamWriter? _partial;

    public SweepShardFile(string directory, int index, int count)
    {
        Directory = directory;
        Path = System.IO.Path.Combine(directory, Name(index, count));
        PartialPath = Path + PartialExtension;
        foreach (string file in new[] { Path, PartialPath })
        {
            if (!File.Exists(file))
            {
                continue;
            }
            foreach (string line in File.ReadAllLines(file))
            {
                if (SweepResult.Id(line) is string id)
                {
                    _lines.TryAdd(id, line);
                }
            }
        }
    }

    public string Directory { get; }

    public string Path { get; }

    public string PartialPath { get; }

    public static string Name(int index, int count) => $"shard-{index}-of-{count}{Extension}";

    /// <summary>Whether the point's result is already present (from an earlier run of this shard).</summary>
    public bool Has(string id)
    {
        lock (_lock)
        {
            return _lines.ContainsKey(id);
        }
    }

    /// <summary>Records a finished point, durably, before the next one is reported done.</summary>
    public void Append(string id, string line)
    {
        lock (_lock)
        {
            if (!_lines.TryAdd(id, line))
            {
                return;
            }
            if (_partial is null)
            {
                // Whatever an earlier run left is rewritten whole first, so a cut-off last line cannot join the next.
                string kept = string.Concat(_lines.Where(e => e.Key != id).Select(e => e.Value + "\n"));
                File.WriteAllText(PartialPath, kept);
                _partial = new StreamWriter(new FileStream(PartialPath, FileMode.Append, FileAccess.Write, FileShare.Read));
            }
            _partial.Write(line);
            _partial.Write('\n');
            _partial.Flush();
        }
    }

    /// <summary>Writes the finished file, the points in the spec's order, and removes the partial one.</summary>
    public void Finish(IReadOnlyList<SweepPoint> points)
    {
        lock (_lock)
        {
            _partial?.Dispose();
            _partial = null;
            string temporary = Path + ".tmp";
            File.WriteAllText(temporary, string.Concat(points.Where(p => _lines.ContainsKey(p.Id)).Select(p => _lines[p.Id] + "\n")));
            File.Move(temporary, Path, overwrite: true);
            File.Delete(PartialPath);
        }
    }

    /// <summary>Writes the spec into the directory (atomically; every shard writes the same bytes).</summary>
    public static void WriteSpec(string directory, SweepSpec spec)
    {
        string path = System.IO.Path.Combine(directory, SpecFileName);
        if (File.Exists(path) && File.ReadAllText(path) == spec.Canonical)
        {
            return;
        }
        if (File.Exists(path))
        {
            throw new SweepSpecException($"{directory} holds the results of another sweep ({SpecFileName} differs): use another --out");
        }
        string temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temporary, spec.Canonical);
        File.Move(temporary, path, overwrite: true);
    }
}

namespace HvSim.Checkpoint.Audit;

/// <summary>
/// What the ground-truth audit found over a run (the JSON's <c>audit</c> object): per commit, the
/// CDA pages and 128-byte blocks really written since the previous commit against what the
/// technique handed to the checkpoint.
/// </summary>
public sealed class AuditTotals
{
    /// <summary>Commits audited.</summary>
    public long Cycles { get; internal set; }

    /// <summary>Pages written but not in the record (summed over cycles): data the backup lacks.</summary>
    public long MissedPages { get; internal set; }

    /// <summary>Pages in the record that were not written (summed over cycles): copying overhead.</summary>
    public long ExtraPages { get; internal set; }

    /// <summary>128-byte blocks written but covered by neither a recorded page nor a logged word.</summary>
    public long MissedBlocks { get; internal set; }

    /// <summary>Pages really written, summed over cycles.</summary>
    public long WrittenPages { get; internal set; }

    /// <summary>128-byte blocks really written, summed over cycles (the same on every platform for the same program: the truth).</summary>
    public long WrittenBlocks { get; internal set; }

    /// <summary>The first miss in words (cycle, page, instruction), or null when none.</summary>
    public string? FirstMiss { get; internal set; }
}

namespace HvSim.Checkpoint;

/// <summary>What the checkpoint data path moved during a run (the DESIGN.md JSON's checkpoint fields).</summary>
public sealed class CheckpointStats
{
    /// <summary>Completed ckpt_end calls whose record the backup applied.</summary>
    public long Commits { get; internal set; }

    /// <summary>Whole pages in the records, summed over the cycles.</summary>
    public long DirtyPages { get; internal set; }

    /// <summary>Logged words in the records, summed over the cycles.</summary>
    public long LoggedWords { get; internal set; }

    /// <summary>Bytes appended to the dirty logs (8 per page entry, 32 per word entry).</summary>
    public long LoggedBytes { get; internal set; }

    /// <summary>Bytes copied to the helper: the initial full checkpoint, then 4096 per page and each word's data.</summary>
    public long CopiedBytes { get; internal set; }

    /// <summary>Writes the emulation engine could not emulate and page tracking covered instead.</summary>
    public long Fallbacks { get; internal set; }
}

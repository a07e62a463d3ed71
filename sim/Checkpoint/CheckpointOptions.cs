namespace HvSim.Checkpoint;

/// <summary>How a checkpointed run is set up and checked.</summary>
public sealed record CheckpointOptions
{
    public Technique Technique { get; init; } = Technique.None;

    /// <summary>
    /// Compare the backup with the primary after every commit (cost: one read of the whole CDA
    /// per commit, so properties and tests use it; long benchmark runs check at exit only).
    /// </summary>
    public bool VerifyEveryCommit { get; init; }

    /// <summary>
    /// Keep a copy of the primary CDA as of each commit, so that a run stopped early (a crash)
    /// can be checked against what recovery must yield.
    /// </summary>
    public bool KeepCommittedImage { get; init; }

    /// <summary>
    /// Audit the technique against the ground truth (issue 17): every store into the CDA is noted
    /// and each commit's record is compared with the pages and 128-byte blocks really written;
    /// a page missed fails the run. Costs nothing when off.
    /// </summary>
    public bool Audit { get; init; }
}

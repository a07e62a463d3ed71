namespace HvSim.Models.Runs;

/// <summary>How a run file held its runs, so that re-priced runs are written back the same way.</summary>
public enum RunFileShape
{
    /// <summary>One JSON object (hvsim exec --json, hvsim micro --json for one pair).</summary>
    Object,
    /// <summary>A JSON array of run objects (hvsim micro --json with all).</summary>
    Array,
    /// <summary>One run object per line (several exec runs appended to one file).</summary>
    Lines,
}

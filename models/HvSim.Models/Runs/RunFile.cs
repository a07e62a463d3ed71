namespace HvSim.Models.Runs;

/// <summary>The runs of one file and the shape they came in.</summary>
public sealed record RunFile(RunFileShape Shape, IReadOnlyList<RunRecord> Runs);

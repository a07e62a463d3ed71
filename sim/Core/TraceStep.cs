namespace HvSim.Core;

/// <summary>One step on the simulated path, in order: who did it, what event it was, and what the code did.</summary>
public readonly record struct TraceStep(Layer Layer, EventKind Kind, string Detail);

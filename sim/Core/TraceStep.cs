namespace HvSim.Core;

/// <summary>
/// One step on the simulated path, in order: who did it, what event it was, and what the code did;
/// <see cref="Subkind"/> names the event more closely where the ledger counts it so (a hypercall's name).
/// </summary>
public readonly record struct TraceStep(Layer Layer, EventKind Kind, string Detail, string? Subkind = null);

namespace HvSim.Core;

/// <summary>
/// One step on the simulated path, in order: which layer the ledger charges it to, what event it
/// was, and what the code had in hand (<see cref="Data"/>, typed); <see cref="Subkind"/> names the
/// event more closely where the ledger counts it so (a hypercall's name).
/// </summary>
public readonly record struct TraceStep(Layer Layer, EventKind Kind, TraceData Data, string? Subkind = null)
{
    /// <summary>Who acted: the CPU for what the hardware raised, else the step's layer.</summary>
    public Lane Lane => Data.RaisedByCpu ? Lane.Cpu : Layer switch
    {
        Layer.User => Lane.User,
        Layer.Kernel => Lane.Kernel,
        _ => Lane.Hypervisor,
    };
}

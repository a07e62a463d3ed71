namespace HvSim.Core;

/// <summary>Who performed a step on the simulated path (DESIGN.md, event vocabulary).</summary>
public enum Layer : byte
{
    User,
    Kernel,
    Hypervisor,
}

namespace HvSim.Core;

/// <summary>
/// Who acted in a step of a trace, as the trace draws it: the CPU itself (an exception it raises,
/// the page walk that raised it), user code, the kernel or the hypervisor. A step's lane differs
/// from its ledger <see cref="Layer"/> only for what the hardware does: the ledger charges a #PF
/// to the layer whose code was running (the cost model prices it there), the trace shows the CPU
/// raising it (Intel SDM Vol. 3A, 6.15 "Interrupt 14—Page-Fault Exception").
/// </summary>
public enum Lane : byte
{
    Cpu,
    User,
    Kernel,
    Hypervisor,
}

namespace HvSim.Hypervisor;

/// <summary>
/// The guest kernel's hypercalls (int 0x82 on 32-bit PV, the hypercall page on 64-bit), with
/// Xen's numbers from xen/include/public/xen.h. Only those the simulated path uses are listed.
/// </summary>
public enum HypercallNumber
{
    set_trap_table = 0,
    mmu_update = 1,
    set_callbacks = 4,
    multicall = 13,
    iret = 23,
    mmuext_op = 26,
}

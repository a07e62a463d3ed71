namespace HvSim.Hypervisor;

/// <summary>
/// The guest kernel's entry points: what it registers with a hypervisor (Xen's set_trap_table
/// and set_callbacks), and what native hardware's IDT points at. Each reads the CPU state it
/// needs (RAX for a system call, the exit vector, error code and CR2 for an exception).
/// </summary>
public interface IGuestKernelEntry
{
    /// <summary>A system call from user mode.</summary>
    void OnSyscall();

    /// <summary>An exception raised by user code (#PF, #GP, #UD, #DE, #BP).</summary>
    void OnException();

    /// <summary>int n from user mode that no one else took.</summary>
    void OnSoftwareInterrupt();
}

using HvSim.Mmu;

namespace HvSim.Cpu;

/// <summary>Exception vectors the interpreter raises (Intel SDM Vol. 3A, 6.3.1).</summary>
public enum Vector : byte
{
    DivideError = 0,        // #DE
    Breakpoint = 3,         // #BP (int3)
    InvalidOpcode = 6,      // #UD
    GeneralProtection = 13, // #GP
    PageFault = 14,         // #PF
    X87FloatingPoint = 16,  // #MF: an unmasked x87 exception, raised by the next waiting x87 instruction
    SimdFloatingPoint = 19, // #XM: an unmasked SSE/AVX exception (CR4.OSXMMEXCPT set, as Linux sets it)
}

/// <summary>Why <see cref="Cpu.Run"/> returned to the CPU's owner.</summary>
public enum ExitReason : byte
{
    /// <summary>The instruction budget ran out; RIP is the next instruction.</summary>
    Budget,
    /// <summary>syscall: RIP is after it (RCX and R11 are already set as the instruction does).</summary>
    Syscall,
    /// <summary>int n: RIP is after it; <see cref="Cpu.ExitVector"/> holds n.</summary>
    SoftwareInterrupt,
    /// <summary>An exception: RIP is the faulting instruction; see <see cref="Cpu.ExitVector"/> and <see cref="Cpu.ExitFault"/>.</summary>
    Exception,
    /// <summary>hlt (privileged: the owner raises #GP as a kernel would).</summary>
    Halt,
    /// <summary>
    /// The simulator's marker instruction, xchg bx, bx (Bochs' magic breakpoint): a no-op on
    /// hardware, so a guest marks a region of interest (e.g. for a trace) and still runs natively
    /// unchanged. RIP is after it.
    /// </summary>
    Marker,
    /// <summary>
    /// The checkpoint library's escape, xchg cx, cx: a no-op on hardware; under hvsim the owner
    /// serves the call that RDI names (docs/checkpoint-abi.md). RIP is after it.
    /// </summary>
    Escape,
    /// <summary>
    /// vmcall: RIP is on it and <see cref="Cpu.ExitVector"/> holds #UD (what it raises outside VMX
    /// operation); a hypervisor serves it and advances RIP by its 3 bytes (0f 01 c1).
    /// </summary>
    Vmcall,
}

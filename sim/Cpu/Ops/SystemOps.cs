namespace HvSim.Cpu.Ops;

/// <summary>
/// Instructions that leave the interpreter (syscall, int n, exceptions) or report on the CPU
/// (cpuid, rdtsc), and the flag-control instructions.
/// </summary>
internal static unsafe class SystemOps
{
    /// <summary>#UD: an invalid or unimplemented instruction.</summary>
    public static int Undefined(Cpu c, ref DecodedOp op)
    {
        return c.Raise(Vector.InvalidOpcode);
    }

    /// <summary>syscall: RCX = return address, R11 = RFLAGS, then the kernel takes over.</summary>
    public static int Syscall(Cpu c, ref DecodedOp op)
    {
        c.R(Reg.Rcx) = op.NextIp;
        c.R(Reg.R11) = c.Rflags;
        c.Rip = op.NextIp;
        c._pendingExit = ExitReason.Syscall;
        return Exec.ExitAfter;
    }

    public static int Int(Cpu c, ref DecodedOp op)
    {
        c.ExitInterrupt = (byte)op.Imm;
        c.Rip = op.NextIp;
        c._pendingExit = ExitReason.SoftwareInterrupt;
        return Exec.ExitAfter;
    }

    /// <summary>int3 is a trap: #BP is delivered with RIP after the instruction.</summary>
    public static int Int3(Cpu c, ref DecodedOp op)
    {
        c.ExitVector = Vector.Breakpoint;
        c.ExitFault = default;
        c.Rip = op.NextIp;
        c._pendingExit = ExitReason.Exception;
        return Exec.ExitAfter;
    }

    /// <summary>xchg bx, bx: architecturally a no-op; here it also tells the CPU's owner that a marker passed.</summary>
    public static int Marker(Cpu c, ref DecodedOp op)
    {
        c.Rip = op.NextIp;
        c._pendingExit = ExitReason.Marker;
        return Exec.ExitAfter;
    }

    /// <summary>xchg cx, cx: architecturally a no-op; here it hands a checkpoint-library call to the CPU's owner.</summary>
    public static int Escape(Cpu c, ref DecodedOp op)
    {
        c.Rip = op.NextIp;
        c._pendingExit = ExitReason.Escape;
        return Exec.ExitAfter;
    }

    /// <summary>A privileged instruction in user mode (cli, in, wrmsr, mov to CR0, ...) raises #GP(0): Linux delivers SIGSEGV.</summary>
    public static int Privileged(Cpu c, ref DecodedOp op)
    {
        return c.Raise(Vector.GeneralProtection);
    }

    /// <summary>
    /// vmcall: in VMX non-root operation a VM exit (SDM Vol. 3C, 26.1.2), outside VMX operation #UD
    /// (Vol. 2B, VMCALL). The CPU does not know which it is in: it reports the exit with RIP on
    /// the instruction and #UD recorded, so an owner that is no hypervisor delivers the #UD as it
    /// is, and a hypervisor serves the call and moves RIP past it (the exit's instruction length, 3).
    /// </summary>
    public static int Vmcall(Cpu c, ref DecodedOp op)
    {
        c.ExitVector = Vector.InvalidOpcode;
        c.ExitFault = default;
        c.Rip = op.Ip;
        c._pendingExit = ExitReason.Vmcall;
        return Exec.ExitAfter;
    }

    /// <summary>hlt is privileged: in user mode it raises #GP(0).</summary>
    public static int Hlt(Cpu c, ref DecodedOp op)
    {
        return c.Raise(Vector.GeneralProtection);
    }

    public static int Cpuid(Cpu c, ref DecodedOp op)
    {
        (uint eax, uint ebx, uint ecx, uint edx) = CpuidLeaves.Query(c.Identity, (uint)c.R(Reg.Rax), (uint)c.R(Reg.Rcx));
        c.R(Reg.Rax) = eax;
        c.R(Reg.Rbx) = ebx;
        c.R(Reg.Rcx) = ecx;
        c.R(Reg.Rdx) = edx;
        return Exec.Next;
    }

    public static int Rdtsc(Cpu c, ref DecodedOp op)
    {
        ulong tsc = (ulong)c.InstructionsRetired * c.Identity.TscPerInstruction;
        c.R(Reg.Rax) = (uint)tsc;
        c.R(Reg.Rdx) = tsc >> 32;
        return Exec.Next;
    }

    public static int Rdtscp(Cpu c, ref DecodedOp op)
    {
        c.R(Reg.Rcx) = 0; // IA32_TSC_AUX: processor 0
        return Rdtsc(c, ref op);
    }

    public static int Cld(Cpu c, ref DecodedOp op)
    {
        c.DF = false;
        return Exec.Next;
    }

    public static int Std(Cpu c, ref DecodedOp op)
    {
        c.DF = true;
        return Exec.Next;
    }

    public static int Clc(Cpu c, ref DecodedOp op)
    {
        c.SetFlagBits(c.StatusFlags & ~FlagBits.CF);
        return Exec.Next;
    }

    public static int Stc(Cpu c, ref DecodedOp op)
    {
        c.SetFlagBits(c.StatusFlags | FlagBits.CF);
        return Exec.Next;
    }

    public static int Cmc(Cpu c, ref DecodedOp op)
    {
        c.SetFlagBits(c.StatusFlags ^ FlagBits.CF);
        return Exec.Next;
    }

    /// <summary>lahf: AH = SF:ZF:0:AF:0:PF:1:CF.</summary>
    public static int Lahf(Cpu c, ref DecodedOp op)
    {
        ulong ah = (c.StatusFlags & (FlagBits.SF | FlagBits.ZF | FlagBits.AF | FlagBits.PF | FlagBits.CF)) | FlagBits.Reserved1;
        c.WriteReg(Reg.HighByte + Reg.Rax, 1, ah);
        return Exec.Next;
    }

    /// <summary>sahf: SF, ZF, AF, PF, CF from AH; OF unchanged.</summary>
    public static int Sahf(Cpu c, ref DecodedOp op)
    {
        const ulong fromAh = FlagBits.SF | FlagBits.ZF | FlagBits.AF | FlagBits.PF | FlagBits.CF;
        ulong ah = c.ReadReg(Reg.HighByte + Reg.Rax, 1);
        c.SetFlagBits((c.StatusFlags & ~fromAh) | (ah & fromAh));
        return Exec.Next;
    }
}

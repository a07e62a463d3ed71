namespace HvSim.Cpu.Emulation;

/// <summary>
/// Copies a <see cref="CpuState"/> into the scratch CPU before an emulation and the result back
/// after it. Only RFLAGS bits user code can change (status flags, DF, AC, ID) come back from the
/// CPU; the rest (TF, IF, RF, IOPL...) stay as the owner captured them, since the CPU model keeps
/// none of them and no emulated instruction changes them.
/// </summary>
public static class CpuStateTransfer
{
    /// <summary>A trapped CPU's state as an owner (the hypervisor) sees it, for an emulation.</summary>
    public static CpuState Capture(Cpu cpu)
    {
        var state = new CpuState();
        Capture(cpu, state);
        return state;
    }

    /// <summary><see cref="Capture(Cpu)"/> into a state the caller reuses (every field is overwritten).</summary>
    public static void Capture(Cpu cpu, CpuState into)
    {
        into.Rflags = cpu.Rflags;
        Store(cpu, into);
    }

    /// <summary>Loads <paramref name="state"/> into <paramref name="cpu"/> (the scratch CPU, or a trapped CPU after its emulation).</summary>
    public static void Load(CpuState state, Cpu cpu)
    {
        for (int i = 0; i < 16; i++)
        {
            cpu.R(i) = state.Gpr[i];
            cpu.Xmm(i) = state.Xmm[i];
            cpu.YmmHigh(i) = state.YmmHigh[i];
        }
        cpu.R(Reg.Zero) = 0;
        cpu.FsBase = state.FsBase;
        cpu.GsBase = state.GsBase;
        cpu.Rip = state.Rip;
        cpu.Rflags = state.Rflags;
        cpu.Mxcsr = state.Mxcsr;
        state.X87.CopyTo(cpu.X87);
        cpu.ExitFault = default;
    }

    /// <summary>Stores <paramref name="cpu"/>'s registers into <paramref name="state"/>, RFLAGS' user-writable bits only.</summary>
    public static void Store(Cpu cpu, CpuState state)
    {
        for (int i = 0; i < 16; i++)
        {
            state.Gpr[i] = cpu.R(i);
            state.Xmm[i] = cpu.Xmm(i);
            state.YmmHigh[i] = cpu.YmmHigh(i);
        }
        state.FsBase = cpu.FsBase;
        state.GsBase = cpu.GsBase;
        state.Rip = cpu.Rip;
        state.Rflags = (state.Rflags & ~FlagBits.UserWritable) | (cpu.Rflags & FlagBits.UserWritable);
        state.Mxcsr = cpu.Mxcsr;
        cpu.X87.CopyTo(state.X87);
    }
}

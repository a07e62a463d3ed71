using HvSim.Cpu.X87;

namespace HvSim.Cpu;

public sealed unsafe partial class Cpu
{
    /// <summary>The x87 control word after FNINIT (all exceptions masked, 64-bit precision, round to nearest).</summary>
    public const ushort FcwDefault = X87State.DefaultControl;

    /// <summary>
    /// The x87 FPU: register stack, control, status and tag words, last-instruction pointers. Only
    /// x87 instructions (and state save/restore) touch it, never the run loop.
    /// </summary>
    public X87State X87 { get; } = new();

    /// <summary>The x87 control word.</summary>
    public ushort Fcw
    {
        get => X87.Control;
        set => X87.Control = value;
    }

    /// <summary>The x87 status word (TOP, condition codes, exception flags, ES, B).</summary>
    public ushort Fsw
    {
        get => X87.Status;
        set => X87.Status = value;
    }

    /// <summary>
    /// A control word as the CPU keeps it once loaded (fldcw, fldenv, fxrstor): bit 6 reads as 1,
    /// bits 7 and 13..15 as 0 (measured on the host: fldcw 0xFFFF then fnstcw gives 0x1F7F).
    /// </summary>
    public static ushort LoadedFcw(ulong value) => (ushort)((value & 0x1F3F) | 0x0040);
}

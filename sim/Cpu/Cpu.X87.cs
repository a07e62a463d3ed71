namespace HvSim.Cpu;

public sealed unsafe partial class Cpu
{
    /// <summary>The x87 control word after FNINIT (all exceptions masked, 64-bit precision, round to nearest).</summary>
    public const ushort FcwDefault = 0x037F;

    /// <summary>
    /// The x87 control word. Only the x87 environment is modelled (fnstcw/fldcw, fnstsw,
    /// fninit/fnclex, fnstenv/fldenv), which glibc reads for the rounding mode (strtod, fenv);
    /// the x87 register stack and its arithmetic are not.
    /// </summary>
    public ushort Fcw { get; set; } = FcwDefault;

    /// <summary>The x87 status word (stays 0 while no x87 arithmetic runs, unless fldenv loads one).</summary>
    public ushort Fsw { get; set; }

    /// <summary>
    /// A control word as the CPU keeps it once loaded (fldcw, fldenv, fxrstor): bit 6 reads as 1,
    /// bits 7 and 13..15 as 0 (measured on the host: fldcw 0xFFFF then fnstcw gives 0x1F7F).
    /// </summary>
    public static ushort LoadedFcw(ulong value) => (ushort)((value & 0x1F3F) | 0x0040);
}

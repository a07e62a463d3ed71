namespace HvSim.Cpu.X87;

/// <summary>
/// The x87 floating-point exception flags, with the bit positions they have in both the status word
/// (sticky flags) and the control word (masks): SDM Vol. 1, 8.1.3 and 8.1.5.
/// </summary>
[Flags]
public enum X87Exceptions : ushort
{
    None = 0,

    /// <summary>IE: invalid operation (#IA; the stack-fault form #IS is the interpreter's concern).</summary>
    Invalid = 0x01,

    /// <summary>DE: denormal operand.</summary>
    Denormal = 0x02,

    /// <summary>ZE: divide by zero.</summary>
    ZeroDivide = 0x04,

    /// <summary>OE: numeric overflow.</summary>
    Overflow = 0x08,

    /// <summary>UE: numeric underflow.</summary>
    Underflow = 0x10,

    /// <summary>PE: inexact result (precision).</summary>
    Precision = 0x20,

    All = 0x3F,
}

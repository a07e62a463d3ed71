namespace HvSim.Cpu.X87;

/// <summary>
/// The classes of an 80-bit double extended-precision encoding (SDM Vol. 1, 4.2.2 and Table 8-3).
/// Unnormal, pseudo-NaN and pseudo-infinity are the encodings the 387 and later reject as operands
/// ("unsupported", SDM Vol. 1, 8.2.2): they raise #IA.
/// </summary>
public enum Float80Class
{
    Zero,
    Denormal,

    /// <summary>Exponent 0 with the integer bit set; valid as an operand, read with exponent 1 (SDM Vol. 1, 8.2.2).</summary>
    PseudoDenormal,
    Normal,
    Infinity,
    QuietNaN,
    SignalingNaN,

    /// <summary>Non-zero, non-maximum exponent with the integer bit clear.</summary>
    Unnormal,

    /// <summary>Maximum exponent, integer bit clear, fraction zero.</summary>
    PseudoInfinity,

    /// <summary>Maximum exponent, integer bit clear, fraction non-zero.</summary>
    PseudoNaN,
}

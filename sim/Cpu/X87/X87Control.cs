namespace HvSim.Cpu.X87;

/// <summary>Rounding control, FPU control word bits 11:10 (SDM Vol. 1, 4.8.4, Table 4-8).</summary>
public enum RoundingControl
{
    NearestEven = 0,
    Down = 1,
    Up = 2,
    TowardZero = 3,
}

/// <summary>Precision control, FPU control word bits 9:8 (SDM Vol. 1, 8.1.5.2, Table 8-2). 01 is reserved.</summary>
public enum PrecisionControl
{
    Single = 0,
    Reserved = 1,
    Double = 2,
    Extended = 3,
}

/// <summary>
/// The parts of the FPU control word the arithmetic needs: exception masks (bits 5:0), precision
/// control and rounding control (SDM Vol. 1, 8.1.5, Figure 8-6).
/// </summary>
public readonly record struct X87Control(ushort Word)
{
    /// <summary>The FINIT default, 0x037F: all exceptions masked, 64-bit precision, round to nearest.</summary>
    public static X87Control Default => new(0x037F);

    public RoundingControl Rounding => (RoundingControl)((Word >> 10) & 3);

    public PrecisionControl Precision => (PrecisionControl)((Word >> 8) & 3);

    public X87Exceptions Masks => (X87Exceptions)(Word & 0x3F);

    /// <summary>
    /// Significand bits results of FADD/FSUB/FMUL/FDIV/FSQRT are rounded to. The SDM leaves the reserved
    /// encoding 01 undefined; the host-oracle properties show it rounding to 64 bits, as here.
    /// </summary>
    public int SignificandBits => Precision switch
    {
        PrecisionControl.Single => 24,
        PrecisionControl.Double => 53,
        _ => 64,
    };

    public bool IsMasked(X87Exceptions exception) => (Masks & exception) == exception;

    public static X87Control Create(RoundingControl rounding, PrecisionControl precision, X87Exceptions masks = X87Exceptions.All) =>
        new((ushort)(0x0040 | ((int)rounding << 10) | ((int)precision << 8) | (int)masks));
}

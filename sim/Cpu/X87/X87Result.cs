namespace HvSim.Cpu.X87;

/// <summary>
/// A computed value with the exceptions it raised and whether rounding increased its magnitude,
/// which the status word's C1 reports when PE is set (SDM Vol. 1, 8.1.3.1 and 4.9.1.6).
/// </summary>
/// <remarks>
/// The value is always the masked response. When a raised exception is unmasked, the interpreter
/// decides what reaches the destination: nothing for IE, DE and ZE (SDM Vol. 1, 8.5.1 to 8.5.3);
/// for OE and UE the arithmetic already returns the exponent-adjusted value the SDM requires
/// (8.5.4.2, 8.5.5.2) when the control word unmasks them.
/// </remarks>
public readonly record struct X87Result(Float80 Value, X87Exceptions Exceptions, bool RoundedUp)
{
    public X87Result(Float80 value, X87Exceptions exceptions)
        : this(value, exceptions, false)
    {
    }
}

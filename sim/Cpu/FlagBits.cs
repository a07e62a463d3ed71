namespace HvSim.Cpu;

/// <summary>RFLAGS bit positions (Intel SDM Vol. 1, 3.4.3).</summary>
public static class FlagBits
{
    public const ulong CF = 1UL << 0;
    public const ulong Reserved1 = 1UL << 1; // always 1
    public const ulong PF = 1UL << 2;
    public const ulong AF = 1UL << 4;
    public const ulong ZF = 1UL << 6;
    public const ulong SF = 1UL << 7;
    public const ulong TF = 1UL << 8;
    public const ulong IF = 1UL << 9;
    public const ulong DF = 1UL << 10;
    public const ulong OF = 1UL << 11;
    public const ulong AC = 1UL << 18;
    public const ulong ID = 1UL << 21;

    /// <summary>The six status flags that arithmetic instructions write.</summary>
    public const ulong Status = CF | PF | AF | ZF | SF | OF;

    /// <summary>Flags user code may change with popf (status flags, DF, AC, ID; not TF/IF/IOPL here).</summary>
    public const ulong UserWritable = Status | DF | AC | ID;
}

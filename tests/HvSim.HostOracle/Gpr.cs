using Iced.Intel;

namespace HvSim.HostOracle;

/// <summary>
/// General-purpose register indexing. Index i is the architectural encoding
/// (0 = RAX, 1 = RCX, 2 = RDX, 3 = RBX, 4 = RSP, 5 = RBP, 6 = RSI, 7 = RDI, 8..15 = R8..R15),
/// which is also the order of Iced's <see cref="Register.RAX"/>..<see cref="Register.R15"/>.
/// </summary>
public static class Gpr
{
    public const int Count = 16;
    public const int RspIndex = 4;

    public static IReadOnlyList<string> Names { get; } =
    [
        "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
        "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
    ];

    /// <summary>True for any 8/16/32/64-bit general-purpose register (AL, AH, SIL, R9W, EAX, R15, ...).</summary>
    public static bool IsGpr(Register register) => register.IsGPR();

    /// <summary>Index (0..15) of the 64-bit register containing <paramref name="register"/>.</summary>
    public static int IndexOf(Register register)
    {
        if (!register.IsGPR())
        {
            throw new ArgumentException($"{register} is not a general-purpose register.", nameof(register));
        }

        return register.GetFullRegister() - Register.RAX;
    }

    /// <summary>The 64-bit Iced register for an index (0..15).</summary>
    public static Register FromIndex(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Register.RAX + index;
    }

    /// <summary>
    /// Extracts the value of a (sub-)register from a 64-bit register value, zero-extended:
    /// EAX = low 32 bits, AX = low 16, AL = low 8, AH/CH/DH/BH = bits 8..15.
    /// </summary>
    public static ulong Extract(Register register, ulong full64)
    {
        if (register is >= Register.AH and <= Register.BH)
        {
            return (full64 >> 8) & 0xFF;
        }

        return register.GetSize() switch
        {
            1 => full64 & 0xFF,
            2 => full64 & 0xFFFF,
            4 => full64 & 0xFFFF_FFFF,
            _ => full64,
        };
    }
}

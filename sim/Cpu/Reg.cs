using Iced.Intel;

namespace HvSim.Cpu;

/// <summary>
/// Register-file slots. 0..15 are the GPRs in encoding order; the slots after them let an
/// effective address be computed without branches: an absent base or index names
/// <see cref="Zero"/>, and a segment override names the FS or GS base slot.
/// </summary>
public static class Reg
{
    public const byte Rax = 0, Rcx = 1, Rdx = 2, Rbx = 3, Rsp = 4, Rbp = 5, Rsi = 6, Rdi = 7;
    public const byte R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;

    /// <summary>Always reads 0 (an absent base, index or segment).</summary>
    public const byte Zero = 16;
    public const byte FsBase = 17;
    public const byte GsBase = 18;

    /// <summary>Slots in the register file.</summary>
    public const int Count = 19;

    /// <summary>8-bit operands AH, CH, DH, BH are encoded as HighByte + (0..3).</summary>
    public const byte HighByte = 32;

    public static readonly string[] Names64 =
    {
        "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
    };

    /// <summary>Maps an Iced GPR of any size to its slot (AH..BH to HighByte+n); false for other registers.</summary>
    public static bool TryFromIced(Register register, out byte slot)
    {
        if (register == Register.None)
        {
            slot = Zero;
            return true;
        }
        if (register >= Register.AH && register <= Register.BH)
        {
            slot = (byte)(HighByte + (register - Register.AH));
            return true;
        }
        if (register.IsGPR())
        {
            slot = (byte)register.GetFullRegister().GetNumber();
            return true;
        }
        slot = 0;
        return false;
    }

    /// <summary>XMM register number 0..15, or -1.</summary>
    public static int XmmNumber(Register register) => register.IsXMM() ? register - Register.XMM0 : -1;
}

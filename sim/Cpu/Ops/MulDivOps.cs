using System.Runtime.CompilerServices;

namespace HvSim.Cpu.Ops;

/// <summary>
/// mul, imul (one, two and three operands), div, idiv (Intel SDM Vol. 2, "MUL", "IMUL", "DIV",
/// "IDIV"). A division that raises #DE changes nothing.
/// </summary>
/// <remarks>
/// Undefined flags as this project's Intel host sets them (measured with the host oracle, see
/// tests/HvSim.Tests/Cpu/MulDivTests.cs): after mul and imul, SF and PF follow the low half of
/// the product (the destination of the two- and three-operand forms), ZF and AF are cleared;
/// div and idiv leave all six status flags unchanged.
/// </remarks>
internal static unsafe class MulDivOps
{
    /// <summary>In <see cref="DecodedOp.Sub"/>: the signed variant (imul, idiv).</summary>
    public const byte Signed = 1;

    /// <summary>mul/imul r/m (register): rDX:rAX (AX for bytes) = rAX * r/m.</summary>
    public static int WideningR(Cpu c, ref DecodedOp op)
    {
        Widening(c, op.Sub, op.Size, c.ReadReg(op.Src, op.Size));
        return Exec.Next;
    }

    public static int WideningM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), op.Size, out ulong b))
        {
            return Exec.ExitFault;
        }
        Widening(c, op.Sub, op.Size, b);
        return Exec.Next;
    }

    /// <summary>imul reg, reg: reg = reg * reg, truncated.</summary>
    public static int ImulRR(Cpu c, ref DecodedOp op)
    {
        c.WriteReg(op.Dst, op.Size, Truncating(c, op.Size, c.ReadReg(op.Dst, op.Size), c.ReadReg(op.Src, op.Size)));
        return Exec.Next;
    }

    /// <summary>imul reg, reg, imm.</summary>
    public static int ImulRRI(Cpu c, ref DecodedOp op)
    {
        c.WriteReg(op.Dst, op.Size, Truncating(c, op.Size, c.ReadReg(op.Src, op.Size), op.Imm));
        return Exec.Next;
    }

    /// <summary>imul reg, m.</summary>
    public static int ImulRM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), op.Size, out ulong b))
        {
            return Exec.ExitFault;
        }
        c.WriteReg(op.Dst, op.Size, Truncating(c, op.Size, c.ReadReg(op.Dst, op.Size), b));
        return Exec.Next;
    }

    /// <summary>imul reg, m, imm.</summary>
    public static int ImulRMI(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), op.Size, out ulong a))
        {
            return Exec.ExitFault;
        }
        c.WriteReg(op.Dst, op.Size, Truncating(c, op.Size, a, op.Imm));
        return Exec.Next;
    }

    public static int DivideR(Cpu c, ref DecodedOp op)
    {
        return Divide(c, op.Sub, op.Size, c.ReadReg(op.Src, op.Size));
    }

    public static int DivideM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), op.Size, out ulong divisor))
        {
            return Exec.ExitFault;
        }
        return Divide(c, op.Sub, op.Size, divisor);
    }

    /// <summary>The flags of every multiply: CF = OF = the product did not fit; SF, PF from the low half; ZF = AF = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetMultiplyFlags(Cpu c, ulong low, int size, bool overflow)
    {
        ulong bits = overflow ? FlagBits.CF | FlagBits.OF : 0;
        if ((low & Cpu.SignBit(size)) != 0)
        {
            bits |= FlagBits.SF;
        }
        if (Cpu.Parity(low))
        {
            bits |= FlagBits.PF;
        }
        c.SetFlagBits(bits);
    }

    /// <summary>Two- and three-operand imul: the product truncated to the operand size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Truncating(Cpu c, int size, ulong a, ulong b)
    {
        ulong low;
        bool overflow;
        if (size == 8)
        {
            long high = Math.BigMul((long)a, (long)b, out long signedLow);
            low = (ulong)signedLow;
            overflow = high != (signedLow >> 63);
        }
        else
        {
            // Products of sign-extended 8/16/32-bit values fit in 64 bits.
            long product = Cpu.SignExtend(a, size) * Cpu.SignExtend(b, size);
            low = Cpu.Mask((ulong)product, size);
            overflow = product != Cpu.SignExtend(low, size);
        }
        SetMultiplyFlags(c, low, size, overflow);
        return low;
    }

    /// <summary>One-operand mul/imul: the double-width product goes to AX, DX:AX, EDX:EAX or RDX:RAX.</summary>
    private static void Widening(Cpu c, int sub, int size, ulong b)
    {
        ulong a = c.ReadReg(Reg.Rax, size);
        ulong low;
        ulong high;
        bool overflow;
        if (size == 8)
        {
            if (sub == Signed)
            {
                high = (ulong)Math.BigMul((long)a, (long)b, out long signedLow);
                low = (ulong)signedLow;
                overflow = (long)high != (signedLow >> 63);
            }
            else
            {
                high = Math.BigMul(a, b, out low);
                overflow = high != 0;
            }
        }
        else
        {
            int bits = size * 8;
            ulong product;
            if (sub == Signed)
            {
                long signedProduct = Cpu.SignExtend(a, size) * Cpu.SignExtend(b, size);
                product = (ulong)signedProduct;
                overflow = signedProduct != Cpu.SignExtend(Cpu.Mask(product, size), size);
            }
            else
            {
                product = a * b;
                overflow = (product >> bits) != 0;
            }
            low = Cpu.Mask(product, size);
            high = Cpu.Mask(product >> bits, size);
        }
        if (size == 1)
        {
            c.WriteReg(Reg.Rax, 2, (high << 8) | low); // AX = AH:AL
        }
        else
        {
            c.WriteReg(Reg.Rax, size, low);
            c.WriteReg(Reg.Rdx, size, high);
        }
        SetMultiplyFlags(c, low, size, overflow);
    }

    /// <summary>div/idiv: quotient to rAX (AL), remainder to rDX (AH); #DE when the divisor is 0 or the quotient does not fit.</summary>
    private static int Divide(Cpu c, int sub, int size, ulong divisor)
    {
        if (divisor == 0)
        {
            return c.Raise(Vector.DivideError);
        }
        ulong quotient;
        ulong remainder;
        bool ok = size == 8
            ? (sub == Signed ? SignedDivide128(c, (long)divisor, out quotient, out remainder) : UnsignedDivide128(c, divisor, out quotient, out remainder))
            : (sub == Signed ? SignedDivideNarrow(c, size, divisor, out quotient, out remainder) : UnsignedDivideNarrow(c, size, divisor, out quotient, out remainder));
        if (!ok)
        {
            return c.Raise(Vector.DivideError);
        }
        if (size == 1)
        {
            c.WriteReg(Reg.Rax, 2, (remainder << 8) | quotient); // AL = quotient, AH = remainder
        }
        else
        {
            c.WriteReg(Reg.Rax, size, quotient);
            c.WriteReg(Reg.Rdx, size, remainder);
        }
        return Exec.Next;
    }

    /// <summary>The dividend AX, DX:AX or EDX:EAX of an 8/16/32-bit division, as one 16/32/64-bit value.</summary>
    private static ulong NarrowDividend(Cpu c, int size)
    {
        return size == 1
            ? c.ReadReg(Reg.Rax, 2)
            : (c.ReadReg(Reg.Rdx, size) << (size * 8)) | c.ReadReg(Reg.Rax, size);
    }

    private static bool UnsignedDivideNarrow(Cpu c, int size, ulong divisor, out ulong quotient, out ulong remainder)
    {
        ulong dividend = NarrowDividend(c, size);
        quotient = dividend / divisor;
        remainder = dividend % divisor;
        return quotient <= Cpu.Mask(ulong.MaxValue, size);
    }

    private static bool SignedDivideNarrow(Cpu c, int size, ulong divisorBits, out ulong quotient, out ulong remainder)
    {
        long dividend = Cpu.SignExtend(NarrowDividend(c, size), size * 2);
        long divisor = Cpu.SignExtend(divisorBits, size);
        // The dividend is at most 64 bits wide, so long.MinValue / -1 (which .NET would throw on) is possible for 32-bit operands.
        if (divisor == -1 && dividend == long.MinValue)
        {
            quotient = remainder = 0;
            return false;
        }
        long q = dividend / divisor;
        long r = dividend % divisor;
        quotient = Cpu.Mask((ulong)q, size);
        remainder = Cpu.Mask((ulong)r, size);
        // SDM: #DE when the quotient is too large for the destination (signed range of the operand size).
        return q == Cpu.SignExtend(quotient, size);
    }

    private static bool UnsignedDivide128(Cpu c, ulong divisor, out ulong quotient, out ulong remainder)
    {
        ulong high = c.R(Reg.Rdx);
        ulong low = c.R(Reg.Rax);
        if (high == 0)
        {
            quotient = low / divisor;
            remainder = low % divisor;
            return true;
        }
        if (high >= divisor)
        {
            quotient = remainder = 0;
            return false; // the quotient would need more than 64 bits
        }
        var dividend = new UInt128(high, low);
        quotient = (ulong)(dividend / divisor);
        remainder = (ulong)(dividend % divisor);
        return true;
    }

    private static bool SignedDivide128(Cpu c, long divisor, out ulong quotient, out ulong remainder)
    {
        ulong high = c.R(Reg.Rdx);
        ulong low = c.R(Reg.Rax);
        if (high == (ulong)((long)low >> 63))
        {
            // The dividend fits in 64 bits: the common case, done natively.
            long dividend = (long)low;
            if (divisor == -1 && dividend == long.MinValue)
            {
                quotient = remainder = 0;
                return false;
            }
            quotient = (ulong)(dividend / divisor);
            remainder = (ulong)(dividend % divisor);
            return true;
        }
        // Divide magnitudes, so no 128-bit overflow (Int128.MinValue / -1) can occur.
        var signedDividend = (Int128)new UInt128(high, low);
        bool negativeDividend = signedDividend < 0;
        bool negativeQuotient = negativeDividend != (divisor < 0);
        UInt128 magnitude = negativeDividend ? (UInt128)(-(signedDividend + 1)) + 1 : (UInt128)signedDividend;
        ulong divisorMagnitude = divisor < 0 ? (ulong)-(divisor + 1) + 1 : (ulong)divisor;
        UInt128 q = magnitude / divisorMagnitude;
        ulong r = (ulong)(magnitude % divisorMagnitude);
        UInt128 limit = negativeQuotient ? (UInt128)1 << 63 : ((UInt128)1 << 63) - 1;
        if (q > limit)
        {
            quotient = remainder = 0;
            return false;
        }
        quotient = negativeQuotient ? 0 - (ulong)q : (ulong)q;
        remainder = negativeDividend ? 0 - r : r; // the remainder has the dividend's sign
        return true;
    }
}

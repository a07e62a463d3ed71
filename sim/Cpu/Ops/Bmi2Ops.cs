using System.Runtime.Intrinsics.X86;

namespace HvSim.Cpu.Ops;

/// <summary>
/// BMI2 (Intel SDM Vol. 2, each instruction's page): bzhi, mulx, pdep, pext, rorx, sarx, shlx,
/// shrx — VEX-encoded, on general registers of 32 or 64 bits. Only bzhi changes flags.
/// </summary>
/// <remarks>
/// DecodedOp: Dst is the destination slot; Src the VEX.vvvv register (bzhi's index, mulx's low
/// destination, pdep/pext's source, the shift count); the r/m register's slot is in Imm for the
/// register forms, as BitOps does for BMI1 — except rorx, whose Imm is the count and whose r/m
/// register is in Src. Size is 4 or 8. A 32-bit destination write clears the upper half.
/// </remarks>
internal static unsafe class Bmi2Ops
{
    public const byte Bzhi = 0, Pdep = 1, Pext = 2, Sarx = 3, Shlx = 4, Shrx = 5;

    /// <summary>bzhi, pdep, pext, sarx, shlx, shrx with the r/m operand a register (its slot in Imm).</summary>
    public static int RR(Cpu c, ref DecodedOp op)
    {
        Apply(c, ref op, c.ReadReg((int)op.Imm, op.Size));
        return Exec.Next;
    }

    public static int RM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), op.Size, out ulong source))
        {
            return Exec.ExitFault;
        }
        Apply(c, ref op, source);
        return Exec.Next;
    }

    private static void Apply(Cpu c, ref DecodedOp op, ulong rm)
    {
        ulong other = c.ReadReg(op.Src, op.Size);
        int bits = op.Size * 8;
        int countMask = bits - 1; // shifts: the count modulo the width (SDM SARX/SHLX/SHRX)
        ulong result;
        switch (op.Sub)
        {
            case Bzhi:
                {
                    // SDM BZHI: index = SRC2[7:0]; bits from the index up cleared; CF = index > width - 1;
                    // ZF, SF from the result; OF cleared; AF, PF undefined (Intel: cleared, as for BMI1).
                    int index = (int)(other & 0xFF);
                    result = index < bits ? rm & ((1UL << index) - 1) : rm;
                    c.SetFlagBits((Cpu.ZspBits(result, op.Size) & ~FlagBits.PF) | (index > bits - 1 ? FlagBits.CF : 0));
                    break;
                }
            case Pdep:
                result = ParallelDeposit(other, rm);
                break;
            case Pext:
                result = ParallelExtract(other, rm);
                break;
            case Sarx:
                result = (ulong)(Cpu.SignExtend(rm, op.Size) >> (int)(other & (ulong)countMask));
                break;
            case Shlx:
                result = rm << (int)(other & (ulong)countMask);
                break;
            default: // shrx
                result = rm >> (int)(other & (ulong)countMask);
                break;
        }
        c.WriteReg(op.Dst, op.Size, Cpu.Mask(result, op.Size));
    }

    /// <summary>rorx dst, r (slot in Src), imm8: rotate right by imm8 modulo the width; flags unchanged.</summary>
    public static int RorxR(Cpu c, ref DecodedOp op)
    {
        c.WriteReg(op.Dst, op.Size, Rotate(c.ReadReg(op.Src, op.Size), op.Size, (int)op.Imm));
        return Exec.Next;
    }

    public static int RorxM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), op.Size, out ulong source))
        {
            return Exec.ExitFault;
        }
        c.WriteReg(op.Dst, op.Size, Rotate(source, op.Size, (int)op.Imm));
        return Exec.Next;
    }

    private static ulong Rotate(ulong value, int size, int count)
    {
        if (size == 8)
        {
            return System.Numerics.BitOperations.RotateRight(value, count & 63);
        }
        return System.Numerics.BitOperations.RotateRight((uint)value, count & 31);
    }

    /// <summary>
    /// mulx hi (Dst), lo (Src, vvvv), r/m: unsigned rDX * r/m; flags unchanged. SDM: when both
    /// destinations are the same register it receives the high half, so the low half goes first.
    /// </summary>
    public static int MulxRR(Cpu c, ref DecodedOp op)
    {
        Mulx(c, ref op, c.ReadReg((int)op.Imm, op.Size));
        return Exec.Next;
    }

    public static int MulxRM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), op.Size, out ulong source))
        {
            return Exec.ExitFault;
        }
        Mulx(c, ref op, source);
        return Exec.Next;
    }

    private static void Mulx(Cpu c, ref DecodedOp op, ulong source)
    {
        ulong multiplier = c.ReadReg(Reg.Rdx, op.Size);
        ulong low, high;
        if (op.Size == 8)
        {
            high = Math.BigMul(multiplier, source, out low);
        }
        else
        {
            ulong product = multiplier * source;
            low = (uint)product;
            high = product >> 32;
        }
        c.WriteReg(op.Src, op.Size, low);
        c.WriteReg(op.Dst, op.Size, high);
    }

    /// <summary>pdep: the low bits of the source, in order, to the set bit positions of the mask.</summary>
    private static ulong ParallelDeposit(ulong source, ulong mask)
    {
        if (Bmi2.X64.IsSupported)
        {
            return Bmi2.X64.ParallelBitDeposit(source, mask);
        }
        ulong result = 0;
        for (ulong bit = 1; mask != 0; bit <<= 1)
        {
            ulong lowest = mask & (0 - mask);
            if ((source & bit) != 0)
            {
                result |= lowest;
            }
            mask &= mask - 1;
        }
        return result;
    }

    /// <summary>pext: the source bits at the mask's set positions, packed into the low bits.</summary>
    private static ulong ParallelExtract(ulong source, ulong mask)
    {
        if (Bmi2.X64.IsSupported)
        {
            return Bmi2.X64.ParallelBitExtract(source, mask);
        }
        ulong result = 0;
        for (ulong bit = 1; mask != 0; bit <<= 1)
        {
            ulong lowest = mask & (0 - mask);
            if ((source & lowest) != 0)
            {
                result |= bit;
            }
            mask &= mask - 1;
        }
        return result;
    }
}

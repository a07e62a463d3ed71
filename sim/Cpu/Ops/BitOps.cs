using System.Numerics;
using System.Runtime.CompilerServices;

namespace HvSim.Cpu.Ops;

/// <summary>
/// Bit test and scan: bt, bts, btr, btc, bsf, bsr, tzcnt, lzcnt, popcnt, and BMI1's andn, bextr,
/// blsi, blsmsk, blsr (Intel SDM Vol. 2, each instruction's page).
/// </summary>
/// <remarks>
/// Undefined flags as this project's Intel host sets them (measured with the host oracle, see
/// tests/HvSim.Tests/Cpu/BitTests.cs): bt* change only CF; bsf/bsr clear CF, OF, SF and AF and set
/// PF from the index, or set ZF and PF when the source is 0 — and then leave the destination
/// untouched, even a 32-bit one (no zero extension); tzcnt, lzcnt and the BMI1 instructions clear
/// every flag they do not define (PF, AF and the unlisted SF).
/// </remarks>
internal static unsafe class BitOps
{
    public const byte Bt = 0, Bts = 1, Btr = 2, Btc = 3;
    public const byte Bsf = 0, Bsr = 1, Tzcnt = 2, Lzcnt = 3, Popcnt = 4;
    public const byte Blsi = 0, Blsmsk = 1, Blsr = 2;

    // ---- bt, bts, btr, btc ----

    /// <summary>bt* reg, reg: the offset is taken modulo the operand width.</summary>
    public static int BitTestRR(Cpu c, ref DecodedOp op)
    {
        return BitTestRegister(c, ref op, (int)c.R(op.Src) & ((op.Size * 8) - 1));
    }

    /// <summary>bt* reg, imm8: <see cref="DecodedOp.Imm"/> was masked to the width at decode time.</summary>
    public static int BitTestRI(Cpu c, ref DecodedOp op)
    {
        return BitTestRegister(c, ref op, (int)op.Imm);
    }

    /// <summary>
    /// bt* m, reg. SDM: with a register offset "the bit string can be up to 2^63 bits long": the
    /// offset is signed, and the operand read is the operand-size chunk that holds the bit, at
    /// EA + (offset SAR log2(width)) * size.
    /// </summary>
    public static int BitTestMR(Cpu c, ref DecodedOp op)
    {
        long offset = Cpu.SignExtend(c.ReadReg(op.Src, op.Size), op.Size);
        int widthShift = BitOperations.Log2((uint)op.Size * 8);
        ulong ea = c.Ea(ref op) + (ulong)((offset >> widthShift) * op.Size);
        return BitTestMemory(c, ref op, ea, (int)(offset & ((op.Size * 8) - 1)));
    }

    /// <summary>bt* m, imm8: the offset (masked at decode time) stays within the addressed operand.</summary>
    public static int BitTestMI(Cpu c, ref DecodedOp op)
    {
        return BitTestMemory(c, ref op, c.Ea(ref op), (int)op.Imm);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BitTestRegister(Cpu c, ref DecodedOp op, int bit)
    {
        ulong value = c.ReadReg(op.Dst, op.Size);
        SetCarry(c, (value >> bit) & 1);
        if (op.Sub != Bt)
        {
            c.WriteReg(op.Dst, op.Size, Modify(op.Sub, value, bit));
        }
        return Exec.Next;
    }

    private static int BitTestMemory(Cpu c, ref DecodedOp op, ulong ea, int bit)
    {
        ulong value;
        if (op.Sub == Bt)
        {
            if (!c.Read(ea, op.Size, out value))
            {
                return Exec.ExitFault;
            }
            SetCarry(c, (value >> bit) & 1);
            return Exec.Next;
        }
        if (!c.RmwRead(ea, op.Size, out value))
        {
            return Exec.ExitFault;
        }
        SetCarry(c, (value >> bit) & 1);
        c.Write(ea, op.Size, Modify(op.Sub, value, bit)); // checked writable by RmwRead: cannot fault
        return Exec.Next;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Modify(int kind, ulong value, int bit) => kind switch
    {
        Bts => value | (1UL << bit),
        Btr => value & ~(1UL << bit),
        _ => value ^ (1UL << bit), // btc
    };

    /// <summary>bt* write CF only; the host leaves OF, SF, AF and PF (undefined in the SDM) and ZF as they were.</summary>
    private static void SetCarry(Cpu c, ulong cf)
    {
        c.SetFlagBits((c.StatusFlags & ~FlagBits.CF) | cf);
    }

    // ---- bsf, bsr, tzcnt, lzcnt, popcnt ----

    public static int ScanRR(Cpu c, ref DecodedOp op)
    {
        Scan(c, ref op, c.ReadReg(op.Src, op.Size));
        return Exec.Next;
    }

    public static int ScanRM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), op.Size, out ulong source))
        {
            return Exec.ExitFault;
        }
        Scan(c, ref op, source);
        return Exec.Next;
    }

    private static void Scan(Cpu c, ref DecodedOp op, ulong source)
    {
        int bits = op.Size * 8;
        ulong result;
        switch (op.Sub)
        {
            case Bsf:
            case Bsr:
                if (source == 0)
                {
                    // SDM: "If the content of the source operand is 0, the content of the destination
                    // operand is undefined"; the host leaves it untouched (no 32-bit zero extension).
                    c.SetFlagBits(FlagBits.ZF | FlagBits.PF);
                    return;
                }
                result = op.Sub == Bsf ? (ulong)BitOperations.TrailingZeroCount(source) : (ulong)BitOperations.Log2(source);
                c.SetFlagBits(Cpu.Parity(result) ? FlagBits.PF : 0);
                break;
            case Tzcnt:
            case Lzcnt:
                result = source == 0
                    ? (ulong)bits
                    : op.Sub == Tzcnt ? (ulong)BitOperations.TrailingZeroCount(source) : (ulong)(bits - 1 - BitOperations.Log2(source));
                // SDM: CF = source was 0, ZF = result is 0; the rest is undefined (host: cleared).
                c.SetFlagBits((source == 0 ? FlagBits.CF : 0) | (result == 0 ? FlagBits.ZF : 0));
                break;
            default: // popcnt: SDM "OF, SF, ZF, AF, CF, PF are all cleared. ZF is set if SRC = 0"
                result = (ulong)BitOperations.PopCount(source);
                c.SetFlagBits(source == 0 ? FlagBits.ZF : 0);
                break;
        }
        c.WriteReg(op.Dst, op.Size, result);
    }

    // ---- BMI1: andn, bextr, blsi, blsmsk, blsr (32/64-bit only) ----
    // Register forms keep the r/m register's slot in DecodedOp.Imm; Src is the VEX.vvvv register.

    /// <summary>andn dst, src1 (vvvv), src2 (r/m): dst = ~src1 AND src2.</summary>
    public static int AndnRR(Cpu c, ref DecodedOp op)
    {
        Andn(c, ref op, c.ReadReg((int)op.Imm, op.Size));
        return Exec.Next;
    }

    public static int AndnRM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), op.Size, out ulong source))
        {
            return Exec.ExitFault;
        }
        Andn(c, ref op, source);
        return Exec.Next;
    }

    private static void Andn(Cpu c, ref DecodedOp op, ulong source)
    {
        ulong result = ~c.ReadReg(op.Src, op.Size) & source;
        // SDM: SF, ZF from the result; OF, CF cleared; AF, PF undefined (host: cleared).
        c.SetFlagBits(Cpu.ZspBits(result, op.Size) & ~FlagBits.PF);
        c.WriteReg(op.Dst, op.Size, result);
    }

    /// <summary>bextr dst, src (r/m), control (vvvv): control bits 7:0 = start, 15:8 = length.</summary>
    public static int BextrRR(Cpu c, ref DecodedOp op)
    {
        Bextr(c, ref op, c.ReadReg((int)op.Imm, op.Size));
        return Exec.Next;
    }

    public static int BextrRM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), op.Size, out ulong source))
        {
            return Exec.ExitFault;
        }
        Bextr(c, ref op, source);
        return Exec.Next;
    }

    private static void Bextr(Cpu c, ref DecodedOp op, ulong source)
    {
        ulong control = c.ReadReg(op.Src, op.Size);
        int start = (int)(control & 0xFF);
        int length = (int)((control >> 8) & 0xFF);
        int bits = op.Size * 8;
        ulong result = 0;
        if (start < bits)
        {
            result = source >> start;
            if (length < bits)
            {
                result &= (1UL << length) - 1;
            }
        }
        // SDM: ZF from the result; CF, OF cleared; AF, SF, PF undefined (host: cleared).
        c.SetFlagBits(result == 0 ? FlagBits.ZF : 0);
        c.WriteReg(op.Dst, op.Size, result);
    }

    /// <summary>blsi, blsmsk, blsr dst (vvvv), src (r/m); the register source's slot is in Imm.</summary>
    public static int LowestSetBitRR(Cpu c, ref DecodedOp op)
    {
        LowestSetBit(c, ref op, c.ReadReg((int)op.Imm, op.Size));
        return Exec.Next;
    }

    public static int LowestSetBitRM(Cpu c, ref DecodedOp op)
    {
        if (!c.Read(c.Ea(ref op), op.Size, out ulong source))
        {
            return Exec.ExitFault;
        }
        LowestSetBit(c, ref op, source);
        return Exec.Next;
    }

    private static void LowestSetBit(Cpu c, ref DecodedOp op, ulong source)
    {
        ulong result;
        ulong flags;
        ulong sign = Cpu.SignBit(op.Size);
        switch (op.Sub)
        {
            case Blsi:
                // SDM: ZF, SF from the result; CF = source is not 0; OF cleared; AF, PF undefined (host: cleared).
                result = Cpu.Mask(source & (0 - source), op.Size);
                flags = source != 0 ? FlagBits.CF : 0;
                break;
            case Blsmsk:
                // SDM: SF from the result; ZF and OF cleared; CF = source is 0; AF, PF undefined (host: cleared).
                result = Cpu.Mask(source ^ (source - 1), op.Size);
                flags = (source == 0 ? FlagBits.CF : 0) | ((result & sign) != 0 ? FlagBits.SF : 0);
                c.SetFlagBits(flags);
                c.WriteReg(op.Dst, op.Size, result);
                return;
            default: // blsr: as blsi but CF = source is 0
                result = Cpu.Mask(source & (source - 1), op.Size);
                flags = source == 0 ? FlagBits.CF : 0;
                break;
        }
        flags |= (result == 0 ? FlagBits.ZF : 0) | ((result & sign) != 0 ? FlagBits.SF : 0);
        c.SetFlagBits(flags);
        c.WriteReg(op.Dst, op.Size, result);
    }
}

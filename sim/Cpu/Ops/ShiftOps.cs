using System.Numerics;
using System.Runtime.CompilerServices;

namespace HvSim.Cpu.Ops;

/// <summary>
/// shl/sal, shr, sar, rol, ror, rcl, rcr and shld/shrd (Intel SDM Vol. 2B, "SAL/SAR/SHL/SHR",
/// "RCL/RCR/ROL/ROR", "SHLD", "SHRD"). The count is masked to 5 bits (6 for 64-bit operands) at
/// decode time for immediates and at run time for CL; a masked count of 0 changes no flag.
/// </summary>
/// <remarks>
/// Flags the SDM leaves undefined are set as this project's Intel host sets them (measured with
/// the host oracle, see tests/HvSim.Tests/Cpu/ShiftTests.cs): AF is always cleared by shifts, and
/// for every count OF is computed as if the count were 1, from the original operand —
/// shl/rol/rcl/shld: MSB(x) xor bit(size-2) of x; shr: MSB(x); sar: 0; ror: MSB(x) xor LSB(x);
/// rcr: MSB(x) xor CF-in; shrd: MSB(x) xor LSB(src) — except rol/ror of a register by an imm8
/// other than 1, which leave OF unchanged. Flags are materialized, not lazy.
/// </remarks>
internal static unsafe class ShiftOps
{
    // Kinds in the order of the x86 shift group's /reg field (sal, /6, is shl).
    public const byte Rol = 0, Ror = 1, Rcl = 2, Rcr = 3, Shl = 4, Shr = 5, Sar = 7;

    // Double-precision shift kinds.
    public const byte Shld = 0, Shrd = 1;

    private const int OfBit = 11; // FlagBits.OF == 1 << OfBit

    /// <summary>The count mask: 0x3F for 64-bit operands, 0x1F otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int CountMask(int size) => size == 8 ? 0x3F : 0x1F;

    public static int ShlRI(Cpu c, ref DecodedOp op) => ShiftRegister(c, ref op, Shl, (int)op.Imm);

    public static int ShrRI(Cpu c, ref DecodedOp op) => ShiftRegister(c, ref op, Shr, (int)op.Imm);

    public static int SarRI(Cpu c, ref DecodedOp op) => ShiftRegister(c, ref op, Sar, (int)op.Imm);

    public static int ShiftRI(Cpu c, ref DecodedOp op) => ShiftRegister(c, ref op, op.Sub, (int)op.Imm);

    /// <summary>
    /// rol/ror reg, imm8 with a masked count other than 1 (decode-time choice): the host writes CF
    /// only and leaves OF unchanged — unlike the by-1 and by-CL forms and the memory forms.
    /// </summary>
    public static int RotateKeepOverflowRI(Cpu c, ref DecodedOp op)
    {
        ulong x = c.ReadReg(op.Dst, op.Size);
        int bits = op.Size * 8;
        int t = (int)op.Imm & (bits - 1);
        if (op.Imm != 0)
        {
            ulong r = x;
            if (t != 0)
            {
                r = op.Sub == Rol ? (x << t) | (x >> (bits - t)) : (x >> t) | (x << (bits - t));
                r = Cpu.Mask(r, op.Size);
            }
            ulong cf = op.Sub == Rol ? r & 1 : r >> (bits - 1);
            c.SetFlagBits((c.StatusFlags & ~FlagBits.CF) | cf);
            x = r;
        }
        c.WriteReg(op.Dst, op.Size, x);
        return Exec.Next;
    }

    public static int ShiftRC(Cpu c, ref DecodedOp op) => ShiftRegister(c, ref op, op.Sub, (int)c.R(Reg.Rcx) & CountMask(op.Size));

    public static int ShiftMI(Cpu c, ref DecodedOp op) => ShiftMemory(c, ref op, (int)op.Imm);

    public static int ShiftMC(Cpu c, ref DecodedOp op) => ShiftMemory(c, ref op, (int)c.R(Reg.Rcx) & CountMask(op.Size));

    public static int DoubleRI(Cpu c, ref DecodedOp op) => DoubleRegister(c, ref op, (int)op.Imm);

    public static int DoubleRC(Cpu c, ref DecodedOp op) => DoubleRegister(c, ref op, (int)c.R(Reg.Rcx) & CountMask(op.Size));

    public static int DoubleMI(Cpu c, ref DecodedOp op) => DoubleMemory(c, ref op, (int)op.Imm);

    public static int DoubleMC(Cpu c, ref DecodedOp op) => DoubleMemory(c, ref op, (int)c.R(Reg.Rcx) & CountMask(op.Size));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ShiftRegister(Cpu c, ref DecodedOp op, int kind, int count)
    {
        ulong x = c.ReadReg(op.Dst, op.Size);
        if (count != 0)
        {
            x = Compute(c, kind, op.Size, x, count);
        }
        // Written even for a zero count: the host zero-extends a 32-bit destination then too.
        c.WriteReg(op.Dst, op.Size, x);
        return Exec.Next;
    }

    private static int ShiftMemory(Cpu c, ref DecodedOp op, int count)
    {
        ulong ea = c.Ea(ref op);
        // A read-modify-write even for a zero count (as for the register form, which writes).
        if (!c.RmwRead(ea, op.Size, out ulong x))
        {
            return Exec.ExitFault;
        }
        if (count != 0)
        {
            x = Compute(c, op.Sub, op.Size, x, count);
        }
        c.Write(ea, op.Size, x); // checked writable by RmwRead: cannot fault
        return Exec.Next;
    }

    private static int DoubleRegister(Cpu c, ref DecodedOp op, int count)
    {
        ulong x = c.ReadReg(op.Dst, op.Size);
        if (count != 0)
        {
            x = ComputeDouble(c, op.Sub, op.Size, x, c.ReadReg(op.Src, op.Size), count);
        }
        c.WriteReg(op.Dst, op.Size, x);
        return Exec.Next;
    }

    private static int DoubleMemory(Cpu c, ref DecodedOp op, int count)
    {
        ulong ea = c.Ea(ref op);
        if (!c.RmwRead(ea, op.Size, out ulong x))
        {
            return Exec.ExitFault;
        }
        if (count != 0)
        {
            x = ComputeDouble(c, op.Sub, op.Size, x, c.ReadReg(op.Src, op.Size), count);
        }
        c.Write(ea, op.Size, x);
        return Exec.Next;
    }

    /// <summary>
    /// Shifts or rotates <paramref name="x"/> (masked to <paramref name="size"/>) by the masked,
    /// non-zero <paramref name="n"/>, sets the flags and returns the masked result.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Compute(Cpu c, int kind, int size, ulong x, int n)
    {
        int bits = size * 8;
        ulong msb = x >> (bits - 1);
        ulong r;
        ulong cf;
        switch (kind)
        {
            case Shl:
                r = Cpu.Mask(x << n, size);
                // An 8/16-bit count can exceed the width (up to 31): every bit is then shifted out.
                cf = n <= bits ? (x >> (bits - n)) & 1 : 0;
                c.SetFlagBits(Zsp(r, size) | cf | ((msb ^ ((x >> (bits - 2)) & 1)) << OfBit));
                return r;
            case Shr:
                r = x >> n;
                cf = (x >> (n - 1)) & 1;
                c.SetFlagBits(Zsp(r, size) | cf | (msb << OfBit));
                return r;
            case Sar:
            {
                long sx = Cpu.SignExtend(x, size);
                r = Cpu.Mask((ulong)(sx >> n), size);
                cf = (ulong)(sx >> (n - 1)) & 1;
                c.SetFlagBits(Zsp(r, size) | cf);
                return r;
            }
            case Rol:
            {
                // Only CF and OF change. The SDM: an 8/16-bit count is reduced modulo the width,
                // but CF and OF are still written when the masked count is a multiple of it.
                int t = n & (bits - 1);
                r = t == 0 ? x : Cpu.Mask((x << t) | (x >> (bits - t)), size);
                cf = r & 1;
                SetCarryOverflow(c, cf, msb ^ ((x >> (bits - 2)) & 1));
                return r;
            }
            case Ror:
            {
                int t = n & (bits - 1);
                r = t == 0 ? x : Cpu.Mask((x >> t) | (x << (bits - t)), size);
                cf = r >> (bits - 1);
                SetCarryOverflow(c, cf, msb ^ (x & 1));
                return r;
            }
            case Rcl:
            {
                // The SDM: the count is taken modulo 9 (8-bit) or 17 (16-bit); a result of 0 changes nothing.
                int t = RotateThroughCarryCount(n, bits);
                if (t == 0)
                {
                    return x;
                }
                ulong carryIn = c.CF ? 1UL : 0;
                r = (x << t) | (carryIn << (t - 1));
                if (t > 1)
                {
                    r |= x >> (bits + 1 - t);
                }
                r = Cpu.Mask(r, size);
                cf = (x >> (bits - t)) & 1;
                SetCarryOverflow(c, cf, msb ^ ((x >> (bits - 2)) & 1));
                return r;
            }
            default: // Rcr
            {
                int t = RotateThroughCarryCount(n, bits);
                if (t == 0)
                {
                    return x;
                }
                ulong carryIn = c.CF ? 1UL : 0;
                r = (x >> t) | (carryIn << (bits - t));
                if (t > 1)
                {
                    r |= x << (bits + 1 - t);
                }
                r = Cpu.Mask(r, size);
                cf = (x >> (t - 1)) & 1;
                SetCarryOverflow(c, cf, msb ^ carryIn);
                return r;
            }
        }
    }

    /// <summary>
    /// shld/shrd of <paramref name="x"/> with bits from <paramref name="y"/> by the masked,
    /// non-zero <paramref name="n"/>; sets the flags and returns the masked result.
    /// </summary>
    public static ulong ComputeDouble(Cpu c, int kind, int size, ulong x, ulong y, int n)
    {
        int bits = size * 8;
        ulong msb = x >> (bits - 1);
        ulong r;
        ulong cf;
        ulong of;
        if (bits == 16)
        {
            // The SDM leaves a 16-bit count above 16 undefined; the host shifts through the
            // 48-bit string x:y:x (shld) or x:y:x read from the other end (shrd).
            if (kind == Shld)
            {
                ulong chain = (x << 32) | (y << 16) | x;
                r = ((chain << n) >> 32) & 0xFFFF;
                cf = (chain >> (48 - n)) & 1;
            }
            else
            {
                ulong chain = x | (y << 16) | (x << 32);
                r = (chain >> n) & 0xFFFF;
                cf = (chain >> (n - 1)) & 1;
            }
        }
        else if (kind == Shld)
        {
            r = Cpu.Mask((x << n) | (y >> (bits - n)), size);
            cf = (x >> (bits - n)) & 1;
        }
        else
        {
            r = Cpu.Mask((x >> n) | (y << (bits - n)), size);
            cf = (x >> (n - 1)) & 1;
        }
        of = kind == Shld ? msb ^ ((x >> (bits - 2)) & 1) : msb ^ (y & 1);
        c.SetFlagBits(Zsp(r, size) | cf | (of << OfBit));
        return r;
    }

    /// <summary>ZF, SF and PF of a masked result, branch-free (shifts are common in compiled code).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Zsp(ulong r, int size)
    {
        ulong pf = (ulong)((BitOperations.PopCount(r & 0xFF) & 1) ^ 1) << 2;
        ulong sf = (r >> ((size * 8) - 1)) << 7;
        ulong zf = (r == 0 ? 1UL : 0) << 6;
        return pf | sf | zf;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RotateThroughCarryCount(int n, int bits) => bits switch
    {
        8 => n % 9,
        16 => n % 17,
        _ => n,
    };

    /// <summary>Rotates write CF and OF only; SF, ZF, AF and PF keep their values.</summary>
    private static void SetCarryOverflow(Cpu c, ulong cf, ulong of)
    {
        c.SetFlagBits((c.StatusFlags & ~(FlagBits.CF | FlagBits.OF)) | cf | (of << OfBit));
    }
}

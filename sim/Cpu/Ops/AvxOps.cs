using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HvSim.Cpu.Ops;

/// <summary>
/// A VEX operation that is not lane-wise (permutes, broadcasts, blends by element, insert and
/// extract, variable shifts): the result from the first source (VEX.vvvv, or the only source of a
/// two-operand form), the second source (ModRM.rm: a register, or memory zero-extended to 256
/// bits) and the imm8. The 128-bit forms use the low half of the result.
/// </summary>
internal interface IYmmOp
{
    static abstract Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b, byte imm);
}

/// <summary>
/// The generic VEX handler shapes. DecodedOp: Dst is the destination register; Sub the first
/// source (VEX.vvvv; for two-operand forms the source itself, so that Sub and Src name the same
/// register); Src the ModRM.rm register; Imm bits 7:0 the imm8 and bits 15:8 the width in bytes
/// of the memory operand (VEX memory operands have no alignment rule, SDM Vol. 2A, 2.5, except
/// the explicitly aligned moves, which have their own handlers). Size is the vector length (16
/// or 32). A VEX.128 result zeroes bits 255:128 of the destination (SDM Vol. 2A, 2.3.10.1).
/// </summary>
/// <remarks>
/// Lane-wise operations reuse the legacy SSE structs (<see cref="IXmmOp"/>, <see cref="IXmmImmOp"/>):
/// the 256-bit form applies the same struct to each 128-bit lane, as AVX2 defines those
/// instructions ("the upper lane is processed as the lower one").
/// </remarks>
internal static unsafe class AvxOps
{
    /// <summary>The width, in bytes, of the memory operand of a VEX op (bits 15:8 of Imm).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int MemoryWidth(ref DecodedOp op) => (int)(op.Imm >> 8) & 0xFF;

    /// <summary>Loads the memory operand of a VEX op, zero-extended; false with the fault recorded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Load(Cpu c, ref DecodedOp op, out Vector256<byte> value) =>
        c.ReadVector(c.Ea(ref op), MemoryWidth(ref op), out value);

    // Lane-wise, no immediate.

    public static int L128R<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmOp
    {
        c.SetXmmVex(op.Dst, T.Apply(c.Xmm(op.Sub), c.Xmm(op.Src)));
        return Exec.Next;
    }

    public static int L128M<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmOp
    {
        if (!Load(c, ref op, out Vector256<byte> source))
        {
            return Exec.ExitFault;
        }
        c.SetXmmVex(op.Dst, T.Apply(c.Xmm(op.Sub), source.GetLower()));
        return Exec.Next;
    }

    public static int L256R<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmOp
    {
        Vector128<byte> low = T.Apply(c.Xmm(op.Sub), c.Xmm(op.Src));
        Vector128<byte> high = T.Apply(c.YmmHigh(op.Sub), c.YmmHigh(op.Src));
        c.Xmm(op.Dst) = low;
        c.YmmHigh(op.Dst) = high;
        return Exec.Next;
    }

    public static int L256M<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmOp
    {
        if (!c.Read256(c.Ea(ref op), out Vector256<byte> source))
        {
            return Exec.ExitFault;
        }
        Vector128<byte> low = T.Apply(c.Xmm(op.Sub), source.GetLower());
        Vector128<byte> high = T.Apply(c.YmmHigh(op.Sub), source.GetUpper());
        c.Xmm(op.Dst) = low;
        c.YmmHigh(op.Dst) = high;
        return Exec.Next;
    }

    // Lane-wise with imm8 (the same imm8 for both lanes).

    public static int L128RI<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmImmOp
    {
        c.SetXmmVex(op.Dst, T.Apply(c.Xmm(op.Sub), c.Xmm(op.Src), (byte)op.Imm));
        return Exec.Next;
    }

    public static int L128MI<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmImmOp
    {
        if (!Load(c, ref op, out Vector256<byte> source))
        {
            return Exec.ExitFault;
        }
        c.SetXmmVex(op.Dst, T.Apply(c.Xmm(op.Sub), source.GetLower(), (byte)op.Imm));
        return Exec.Next;
    }

    public static int L256RI<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmImmOp
    {
        byte imm = (byte)op.Imm;
        Vector128<byte> low = T.Apply(c.Xmm(op.Sub), c.Xmm(op.Src), imm);
        Vector128<byte> high = T.Apply(c.YmmHigh(op.Sub), c.YmmHigh(op.Src), imm);
        c.Xmm(op.Dst) = low;
        c.YmmHigh(op.Dst) = high;
        return Exec.Next;
    }

    public static int L256MI<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmImmOp
    {
        if (!c.Read256(c.Ea(ref op), out Vector256<byte> source))
        {
            return Exec.ExitFault;
        }
        byte imm = (byte)op.Imm;
        Vector128<byte> low = T.Apply(c.Xmm(op.Sub), source.GetLower(), imm);
        Vector128<byte> high = T.Apply(c.YmmHigh(op.Sub), source.GetUpper(), imm);
        c.Xmm(op.Dst) = low;
        c.YmmHigh(op.Dst) = high;
        return Exec.Next;
    }

    // Shifts by a count: the count is the low quadword of an XMM register or m128 for both
    // vector lengths (SDM VPSLLW: "VEX.256 ... ymm2 by amount specified in xmm3/m128"); the
    // imm8 forms build the count vector from the immediate. Src (or memory) is the count, Sub the data.

    public static int Shift256R<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmOp
    {
        Vector128<byte> count = c.Xmm(op.Src);
        Vector128<byte> low = T.Apply(c.Xmm(op.Sub), count);
        Vector128<byte> high = T.Apply(c.YmmHigh(op.Sub), count);
        c.Xmm(op.Dst) = low;
        c.YmmHigh(op.Dst) = high;
        return Exec.Next;
    }

    public static int Shift256M<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmOp
    {
        if (!c.Read128(c.Ea(ref op), out Vector128<byte> count))
        {
            return Exec.ExitFault;
        }
        Vector128<byte> low = T.Apply(c.Xmm(op.Sub), count);
        Vector128<byte> high = T.Apply(c.YmmHigh(op.Sub), count);
        c.Xmm(op.Dst) = low;
        c.YmmHigh(op.Dst) = high;
        return Exec.Next;
    }

    public static int ShiftImm128<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmOp
    {
        c.SetXmmVex(op.Dst, T.Apply(c.Xmm(op.Sub), Vector128.CreateScalar((ulong)(byte)op.Imm).AsByte()));
        return Exec.Next;
    }

    public static int ShiftImm256<T>(Cpu c, ref DecodedOp op) where T : struct, IXmmOp
    {
        Vector128<byte> count = Vector128.CreateScalar((ulong)(byte)op.Imm).AsByte();
        Vector128<byte> low = T.Apply(c.Xmm(op.Sub), count);
        Vector128<byte> high = T.Apply(c.YmmHigh(op.Sub), count);
        c.Xmm(op.Dst) = low;
        c.YmmHigh(op.Dst) = high;
        return Exec.Next;
    }

    // Whole-register operations.

    public static int Y128R<T>(Cpu c, ref DecodedOp op) where T : struct, IYmmOp
    {
        c.SetXmmVex(op.Dst, T.Apply(c.Ymm(op.Sub), c.Ymm(op.Src), (byte)op.Imm).GetLower());
        return Exec.Next;
    }

    public static int Y128M<T>(Cpu c, ref DecodedOp op) where T : struct, IYmmOp
    {
        if (!Load(c, ref op, out Vector256<byte> source))
        {
            return Exec.ExitFault;
        }
        c.SetXmmVex(op.Dst, T.Apply(c.Ymm(op.Sub), source, (byte)op.Imm).GetLower());
        return Exec.Next;
    }

    public static int Y256R<T>(Cpu c, ref DecodedOp op) where T : struct, IYmmOp
    {
        c.SetYmm(op.Dst, T.Apply(c.Ymm(op.Sub), c.Ymm(op.Src), (byte)op.Imm));
        return Exec.Next;
    }

    public static int Y256M<T>(Cpu c, ref DecodedOp op) where T : struct, IYmmOp
    {
        if (!Load(c, ref op, out Vector256<byte> source))
        {
            return Exec.ExitFault;
        }
        c.SetYmm(op.Dst, T.Apply(c.Ymm(op.Sub), source, (byte)op.Imm));
        return Exec.Next;
    }
}

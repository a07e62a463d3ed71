using System.Buffers.Binary;
using HvSim.Cpu.X87;

namespace HvSim.Cpu.Ops;

/// <summary>
/// x87 data movement (SDM Vol. 2A FLD, FILD, FBLD, FST/FSTP, FIST/FISTP, FISTTP, FBSTP, FXCH, the
/// constant loads, FFREE, FINCSTP/FDECSTP, FCHS, FABS, FNOP). <see cref="DecodedOp.Size"/> holds the
/// memory format (<see cref="X87Format"/>), <see cref="DecodedOp.Src"/> the ST(i) index and
/// <see cref="DecodedOp.Sub"/> bit 0 "pop after".
/// </summary>
internal static class X87LoadStoreOps
{
    public const byte PopAfter = 1;

    // FLDPI, FLDL2T, FLDL2E, FLDLG2, FLDLN2 and their bits beyond the 64-bit significand, from which
    // RC picks the neighbour (SDM Vol. 1, 8.3.8: the constants are rounded by RC; PC does not apply).
    private static readonly (Float80 Truncated, bool RoundsUpToNearest, bool Inexact)[] s_constants =
    [
        (Float80.One, false, false),
        (Float80.PositiveZero, false, false),
        (new Float80(0x4000, 0xC90F_DAA2_2168_C234), true, true),  // pi: C90FDAA22168C234 C4C6...
        (new Float80(0x4000, 0xD49A_784B_CD1B_8AFE), false, true), // log2(10): ...8AFE 492B...
        (new Float80(0x3FFF, 0xB8AA_3B29_5C17_F0BB), true, true),  // log2(e): ...F0BB BE87...
        (new Float80(0x3FFD, 0x9A20_9A84_FBCF_F798), true, true),  // log10(2): ...F798 8F89...
        (new Float80(0x3FFE, 0xB172_17F7_D1CF_79AB), true, true),  // ln(2): ...79AB C9E3...
    ];

    public const byte One = 0, Zero = 1, Pi = 2, Log2Ten = 3, Log2E = 4, Log10Two = 5, LnTwo = 6;

    public static int LoadMemory(Cpu c, ref DecodedOp op)
    {
        ulong address = c.Ea(ref op);
        if (!X87Support.Ready(c) || !X87Memory.Load(c, address, op.Size, out X87Result loaded))
        {
            return Exec.ExitFault;
        }

        X87Support.RecordMemory(c, ref op, address);
        X87State s = c.X87;

        // An unmasked DE (a single or double denormal) does not stop the load on the host; an unmasked IE does.
        if (X87Support.CanPush(s) && (X87Support.Signal(s, loaded.Exceptions) || (loaded.Exceptions & X87Exceptions.Invalid) == 0))
        {
            s.Push(loaded.Value);
        }

        return Exec.Next;
    }

    public static int LoadRegister(Cpu c, ref DecodedOp op)
    {
        if (!X87Support.Begin(c, ref op))
        {
            return Exec.ExitFault;
        }

        X87State s = c.X87;

        // An empty source is reported before a full stack (C1 = 0; measured on the host).
        if (s.IsEmpty(op.Src))
        {
            if (X87Support.StackFault(s, overflow: false))
            {
                s.Push(Float80.Indefinite);
            }

            return Exec.Next;
        }

        if (!X87Support.CanPush(s))
        {
            return Exec.Next;
        }

        X87Support.ClearC1(s);
        s.Push(s.St(op.Src));
        return Exec.Next;
    }

    public static int LoadConstant(Cpu c, ref DecodedOp op)
    {
        if (!X87Support.Begin(c, ref op))
        {
            return Exec.ExitFault;
        }

        X87State s = c.X87;
        if (!X87Support.CanPush(s))
        {
            return Exec.Next;
        }

        X87Support.ClearC1(s);
        var (truncated, upToNearest, inexact) = s_constants[op.Sub];
        var up = inexact && s.ControlWord.Rounding switch
        {
            RoundingControl.NearestEven => upToNearest,
            RoundingControl.Up => true,
            _ => false,
        };
        s.Push(up ? new Float80(truncated.SignExponent, truncated.Significand + 1) : truncated);
        return Exec.Next;
    }

    /// <summary>FST/FSTP m32fp/m64fp/m80fp, FIST/FISTP m16/m32/m64int, FISTTP (Sub bit 1), FBSTP.</summary>
    public static int StoreMemory(Cpu c, ref DecodedOp op)
    {
        ulong address = c.Ea(ref op);
        if (!X87Support.Ready(c) || !X87Memory.CheckWrite(c, address, X87Format.Bytes(op.Size)))
        {
            return Exec.ExitFault;
        }

        X87Support.RecordMemory(c, ref op, address);
        X87State s = c.X87;
        var pop = (op.Sub & PopAfter) != 0;
        Span<byte> bytes = stackalloc byte[10];
        if (s.IsEmpty(0))
        {
            if (!X87Support.StackFault(s, overflow: false))
            {
                return Exec.Next;
            }

            Indefinite(op.Size, bytes);
        }
        else
        {
            var control = s.ControlWord;
            if ((op.Sub & Truncating) != 0)
            {
                control = new X87Control((ushort)(control.Word | 0x0C00));
            }

            var (raised, up) = Convert(s.St(0), op.Size, control, bytes);
            if (!StoreAllowed(s, raised, up))
            {
                return Exec.Next;
            }
        }

        if (!Write(c, address, op.Size, bytes))
        {
            return Exec.ExitFault;
        }

        if (pop)
        {
            s.Pop();
        }

        return Exec.Next;
    }

    /// <summary>Sub bit 1: FISTTP, which truncates whatever RC says (SDM Vol. 2A FISTTP).</summary>
    public const byte Truncating = 2;

    public static int StoreRegister(Cpu c, ref DecodedOp op)
    {
        if (!X87Support.Begin(c, ref op))
        {
            return Exec.ExitFault;
        }

        X87State s = c.X87;
        Float80 value;
        if (s.IsEmpty(0))
        {
            if (!X87Support.StackFault(s, overflow: false))
            {
                return Exec.Next;
            }

            value = Float80.Indefinite;
        }
        else
        {
            X87Support.ClearC1(s);
            value = s.St(0);
        }

        s.St(op.Src) = value;
        s.SetValid(op.Src);
        if ((op.Sub & PopAfter) != 0)
        {
            s.Pop();
        }

        return Exec.Next;
    }

    public static int Exchange(Cpu c, ref DecodedOp op)
    {
        if (!X87Support.Begin(c, ref op))
        {
            return Exec.ExitFault;
        }

        X87State s = c.X87;
        if (s.IsEmpty(0) || s.IsEmpty(op.Src))
        {
            if (!X87Support.StackFault(s, overflow: false))
            {
                return Exec.Next;
            }

            // Masked response: each empty register reads as the indefinite (SDM Vol. 2A FXCH).
            if (s.IsEmpty(0))
            {
                s.St(0) = Float80.Indefinite;
            }

            if (s.IsEmpty(op.Src))
            {
                s.St(op.Src) = Float80.Indefinite;
            }
        }
        else
        {
            X87Support.ClearC1(s);
        }

        (s.St(0), s.St(op.Src)) = (s.St(op.Src), s.St(0));
        s.SetValid(0);
        s.SetValid(op.Src);
        return Exec.Next;
    }

    /// <summary>FCHS (Sub 0) and FABS (Sub 1): sign only, no exception but a stack underflow.</summary>
    public static int SignOperation(Cpu c, ref DecodedOp op)
    {
        if (!X87Support.Begin(c, ref op))
        {
            return Exec.ExitFault;
        }

        X87State s = c.X87;
        if (s.IsEmpty(0))
        {
            if (X87Support.StackFault(s, overflow: false))
            {
                s.St(0) = Float80.Indefinite;
                s.SetValid(0);
            }

            return Exec.Next;
        }

        X87Support.ClearC1(s);
        s.St(0) = op.Sub == 0 ? s.St(0).Negate() : s.St(0).Abs();
        return Exec.Next;
    }

    /// <summary>FFREE ST(i), and FFREEP (Sub bit 0), which also pops.</summary>
    public static int Free(Cpu c, ref DecodedOp op)
    {
        if (!X87Support.Begin(c, ref op))
        {
            return Exec.ExitFault;
        }

        X87State s = c.X87;
        X87Support.ClearC1(s); // measured on the host: FFREE and FFREEP clear C1
        s.Free(op.Src);
        if ((op.Sub & PopAfter) != 0)
        {
            s.Pop();
        }

        return Exec.Next;
    }

    /// <summary>FINCSTP (Sub 1) and FDECSTP (Sub 7, i.e. −1): TOP moves, tags and contents stay, C1 cleared.</summary>
    public static int MoveTop(Cpu c, ref DecodedOp op)
    {
        if (!X87Support.Begin(c, ref op))
        {
            return Exec.ExitFault;
        }

        X87State s = c.X87;
        X87Support.ClearC1(s);
        s.Top = s.Top + op.Sub;
        return Exec.Next;
    }

    public static int Nop(Cpu c, ref DecodedOp op) => X87Support.Begin(c, ref op) ? Exec.Next : Exec.ExitFault;

    /// <summary>
    /// Whether a memory store goes ahead after raising its exceptions: not when IE, OE or UE is unmasked
    /// (SDM Vol. 1, 4.9.1.4 and 4.9.1.5: with a memory destination the result is not stored).
    /// </summary>
    private static bool StoreAllowed(X87State s, X87Exceptions raised, bool up)
    {
        var blocking = (ushort)(X87Exceptions.Invalid | X87Exceptions.Overflow | X87Exceptions.Underflow);
        var unmasked = (ushort)raised & ~s.Control & blocking;
        if (unmasked != 0)
        {
            // Nothing is stored, so nothing is inexact either: the host reports OE or UE without PE and C1.
            raised &= ~X87Exceptions.Precision;
            up = false;
        }

        return X87Support.Signal(s, raised, up) && unmasked == 0;
    }

    private static (X87Exceptions Raised, bool Up) Convert(Float80 value, byte format, X87Control control, Span<byte> bytes)
    {
        switch (format)
        {
            case X87Format.Single:
            {
                var (bits, raised, up) = Float80Binary.ToSingle(value, control);
                X87Memory.WriteLittleEndian(bytes, bits, 4);
                return (raised, up);
            }

            case X87Format.Double:
            {
                var (bits, raised, up) = Float80Binary.ToDouble(value, control);
                X87Memory.WriteLittleEndian(bytes, bits, 8);
                return (raised, up);
            }

            case X87Format.Extended:
                value.WriteBytes(bytes);
                return (X87Exceptions.None, false);
            case X87Format.Bcd:
            {
                var (packed, raised, up) = X87Bcd.FromFloat80(value, control);
                packed.CopyTo(bytes);
                return (raised, up);
            }

            default:
            {
                var size = X87Format.Bytes(format);
                var (integer, raised, up) = Float80Integer.ToInteger(value, size * 8, control);
                X87Memory.WriteLittleEndian(bytes, (ulong)integer, size);
                return (raised, up);
            }
        }
    }

    /// <summary>The masked invalid-operation response of each format (SDM Vol. 1, 4.8.3.7, Table 4-3; 4.7.2).</summary>
    private static void Indefinite(byte format, Span<byte> bytes)
    {
        switch (format)
        {
            case X87Format.Single:
                X87Memory.WriteLittleEndian(bytes, Float80Binary.SingleIndefinite, 4);
                break;
            case X87Format.Double:
                X87Memory.WriteLittleEndian(bytes, Float80Binary.DoubleIndefinite, 8);
                break;
            case X87Format.Extended:
                Float80.Indefinite.WriteBytes(bytes);
                break;
            case X87Format.Bcd:
                X87Bcd.FromFloat80(Float80.Indefinite, X87Control.Default).Bytes.CopyTo(bytes);
                break;
            default:
                var size = X87Format.Bytes(format);
                X87Memory.WriteLittleEndian(bytes, 1UL << ((size * 8) - 1), size);
                break;
        }
    }

    private static bool Write(Cpu c, ulong address, byte format, ReadOnlySpan<byte> bytes)
    {
        var size = X87Format.Bytes(format);
        return size == 10 ? X87Memory.Write10(c, address, bytes) : c.Write(address, size, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
    }
}

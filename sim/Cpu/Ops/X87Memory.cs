using HvSim.Cpu.X87;
using HvSim.Mmu;

namespace HvSim.Cpu.Ops;

/// <summary>The memory formats of x87 operands, as the translator stores them in <see cref="DecodedOp.Size"/>.</summary>
internal static class X87Format
{
    public const byte Single = 0, Double = 1, Extended = 2, Int16 = 3, Int32 = 4, Int64 = 5, Bcd = 6;

    public static int Bytes(byte format) => format switch
    {
        Single => 4,
        Double => 8,
        Int16 => 2,
        Int32 => 4,
        Int64 => 8,
        _ => 10,
    };
}

/// <summary>Reading and writing x87 memory operands, with the conversions FLD, FILD and FBLD perform.</summary>
internal static unsafe class X87Memory
{
    /// <summary>Reads a 10-byte operand (m80fp or m80bcd).</summary>
    public static bool Read10(Cpu c, ulong address, Span<byte> bytes)
    {
        if (!c._bus.TryRead(address, bytes[..10], user: true, out MemoryFault fault))
        {
            c.RecordFault(fault);
            return false;
        }

        return true;
    }

    /// <summary>Writes a 10-byte operand; nothing is written when any byte faults.</summary>
    public static bool Write10(Cpu c, ulong address, ReadOnlySpan<byte> bytes)
    {
        if (!c._bus.TryWrite(address, bytes[..10], user: true, out MemoryFault fault))
        {
            c.RecordFault(fault);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Reads a floating-point or integer operand as an extended value, as FLD and FILD load it: an SNaN
    /// is quieted with IE, a single or double denormal raises DE (SDM Vol. 2A FLD). False on a fault.
    /// </summary>
    public static bool Load(Cpu c, ulong address, byte format, out X87Result result)
    {
        result = default;
        if (format is X87Format.Extended or X87Format.Bcd)
        {
            Span<byte> bytes = stackalloc byte[10];
            if (!Read10(c, address, bytes))
            {
                return false;
            }

            result = format == X87Format.Extended
                ? new X87Result(Float80.FromBytes(bytes), X87Exceptions.None)
                : new X87Result(X87Bcd.ToFloat80(bytes), X87Exceptions.None);
            return true;
        }

        if (!c.Read(address, X87Format.Bytes(format), out ulong bits))
        {
            return false;
        }

        result = format switch
        {
            X87Format.Single => Float80Binary.FromSingle((uint)bits),
            X87Format.Double => Float80Binary.FromDouble(bits),
            X87Format.Int16 => new X87Result(Float80Integer.FromInt64((short)bits), X87Exceptions.None),
            X87Format.Int32 => new X87Result(Float80Integer.FromInt64((int)bits), X87Exceptions.None),
            _ => new X87Result(Float80Integer.FromInt64((long)bits), X87Exceptions.None),
        };
        return true;
    }

    /// <summary>
    /// Reads the memory operand of an arithmetic or compare instruction (m32fp, m64fp, m16int, m32int):
    /// the value as the operation sees it, an SNaN still signalling (the operation raises IE and picks
    /// the NaN by Table 4-7), and DE for a denormal source, which the widening normalizes away.
    /// </summary>
    public static bool LoadOperand(Cpu c, ulong address, byte format, out Float80 value, out X87Exceptions denormal)
    {
        value = default;
        denormal = X87Exceptions.None;
        if (!Load(c, address, format, out X87Result loaded))
        {
            return false;
        }

        value = loaded.Value;
        if ((loaded.Exceptions & X87Exceptions.Invalid) != 0)
        {
            value = new Float80(value.SignExponent, value.Significand & ~Float80.QuietBit);
        }

        denormal = loaded.Exceptions & X87Exceptions.Denormal;
        return true;
    }

    /// <summary>Checks that a store of <paramref name="bytes"/> bytes at <paramref name="address"/> would not fault (before any state changes).</summary>
    public static bool CheckWrite(Cpu c, ulong address, int bytes)
    {
        if (!c._bus.CheckWrite(address, bytes, user: true, out MemoryFault fault))
        {
            c.RecordFault(fault);
            return false;
        }

        return true;
    }

    public static void WriteLittleEndian(Span<byte> bytes, ulong value, int size)
    {
        for (var i = 0; i < size; i++)
        {
            bytes[i] = (byte)(value >> (8 * i));
        }
    }
}

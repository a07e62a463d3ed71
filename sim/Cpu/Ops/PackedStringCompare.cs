using System.Numerics;
using System.Runtime.Intrinsics;

namespace HvSim.Cpu.Ops;

/// <summary>
/// The compare-and-aggregate engine of SSE4.2's pcmpestri, pcmpestrm, pcmpistri and pcmpistrm
/// (Intel SDM Vol. 2A, 4.1 "Imm8 Control Byte Operation for PCMPESTRI / PCMPESTRM / PCMPISTRI /
/// PCMPISTRM"), as a pure function of the two 128-bit operands, their lengths and the imm8, so the
/// VEX forms reuse it. .NET has no intrinsics for these instructions: the compare matrix is built
/// from ordinary vector compares, one per element of the first operand.
/// </summary>
/// <remarks>
/// imm8[1:0] is the element format (unsigned bytes, unsigned words, signed bytes, signed words),
/// imm8[3:2] the aggregation (equal any, ranges, equal each, equal ordered), imm8[5:4] the
/// polarity, imm8[6] the output selection. "a" is the first operand (xmm1: the set, the ranges or
/// the needle), "b" the second (xmm2/m128: the string searched); bit j of the result speaks of
/// b's element j.
/// </remarks>
internal static class PackedStringCompare
{
    /// <summary>The number of elements: 8 words or 16 bytes.</summary>
    public static int Elements(byte imm) => (imm & 1) != 0 ? 8 : 16;

    /// <summary>pcmpistr*: the index of the first zero element, or the element count when none is zero.</summary>
    public static int ImplicitLength(Vector128<byte> v, byte imm)
    {
        uint zeros = (imm & 1) != 0
            ? Vector128.Equals(v.AsUInt16(), Vector128<ushort>.Zero).ExtractMostSignificantBits()
            : Vector128.Equals(v, Vector128<byte>.Zero).ExtractMostSignificantBits();
        return zeros == 0 ? Elements(imm) : BitOperations.TrailingZeroCount(zeros);
    }

    /// <summary>
    /// pcmpestr*: the absolute value of EAX/EDX (RAX/RDX with REX.W), saturated to the element
    /// count (SDM PCMPESTRI: "if the value is greater than 16 (8), it is saturated").
    /// </summary>
    public static int ExplicitLength(ulong register, int size, byte imm)
    {
        long value = size == 8 ? (long)register : (int)register;
        ulong magnitude = value < 0 ? 0 - (ulong)value : (ulong)value;
        return (int)Math.Min(magnitude, (ulong)Elements(imm));
    }

    /// <summary>IntRes2 (one bit per element of b) and the status flags of the instruction.</summary>
    /// <remarks>
    /// The SDM's BoolRes matrix row by row: for each element a[i], one vector compare gives the bits
    /// j where b[j] matches it. The overrides for invalid elements (SDM Table 4-7) become masks:
    /// equal any and ranges never match an invalid element; equal each counts two invalid elements
    /// as equal and one as unequal; equal ordered lets an invalid a[i] match anything (the needle
    /// has ended), and a valid one match nothing past b's end or past the register.
    /// </remarks>
    public static uint Compare(Vector128<byte> a, Vector128<byte> b, int lengthA, int lengthB, byte imm, out ulong flags)
    {
        int n = Elements(imm);
        uint all = (1u << n) - 1;
        uint validA = (1u << lengthA) - 1;
        uint validB = (1u << lengthB) - 1;
        uint result1;
        switch ((imm >> 2) & 3)
        {
            case 0: // equal any: b[j] equals some valid a[i]
                result1 = 0;
                for (int i = 0; i < lengthA; i++)
                {
                    result1 |= MatchesOf(a, i, b, imm);
                }
                result1 &= validB;
                break;
            case 1: // ranges: a[i] <= b[j] <= a[i+1] for an even i whose two bounds are valid
                result1 = 0;
                for (int i = 0; i + 1 < lengthA; i += 2)
                {
                    result1 |= AtLeast(a, i, b, imm) & AtMost(a, i + 1, b, imm);
                }
                result1 &= validB;
                break;
            case 2: // equal each: a[j] == b[j]
                result1 = (ElementwiseEqual(a, b, imm) & validA & validB) | (all & ~validA & ~validB);
                break;
            default: // equal ordered: a[0..lengthA) occurs in b at j (a needle cut off by the register end matches)
                result1 = all;
                for (int i = 0; i < lengthA; i++)
                {
                    uint beyondRegister = all & ~((1u << (n - i)) - 1); // j + i >= n: not compared
                    result1 &= ((MatchesOf(a, i, b, imm) & validB) >> i) | beyondRegister;
                }
                break;
        }
        uint result2 = ((imm >> 4) & 3) switch
        {
            1 => result1 ^ all,                       // negative polarity
            3 => result1 ^ validB,                    // masked negative: only b's valid elements
            _ => result1,                             // positive (00 and 10)
        };
        // SDM: CF = IntRes2 is not 0; ZF = b is shorter than the register; SF = a is; OF = IntRes2[0]; AF, PF cleared.
        flags = (result2 != 0 ? FlagBits.CF : 0)
            | (lengthB < n ? FlagBits.ZF : 0)
            | (lengthA < n ? FlagBits.SF : 0)
            | ((result2 & 1) != 0 ? FlagBits.OF : 0);
        return result2;
    }

    /// <summary>pcmp*stri's ECX: the least (imm8[6] = 0) or most significant set bit's index; the element count when none is set.</summary>
    public static uint Index(uint result, byte imm)
    {
        if (result == 0)
        {
            return (uint)Elements(imm);
        }
        return (imm & 0x40) != 0 ? (uint)BitOperations.Log2(result) : (uint)BitOperations.TrailingZeroCount(result);
    }

    /// <summary>pcmp*strm's XMM0: the bits zero-extended (imm8[6] = 0), or each bit spread over its byte or word.</summary>
    public static Vector128<byte> Mask(uint result, byte imm)
    {
        if ((imm & 0x40) == 0)
        {
            return Vector128.CreateScalar(result).AsByte();
        }
        if ((imm & 1) != 0)
        {
            Vector128<ushort> bits = Vector128.Create((ushort)1, 2, 4, 8, 16, 32, 64, 128);
            return Vector128.Equals(Vector128.Create((ushort)result) & bits, bits).AsByte();
        }
        Vector128<byte> spread = Vector128.Create(Vector64.Create((byte)result), Vector64.Create((byte)(result >> 8)));
        Vector128<byte> byteBits = Vector128.Create((byte)1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128);
        return Vector128.Equals(spread & byteBits, byteBits);
    }

    /// <summary>The bits j where b[j] == a[i].</summary>
    private static uint MatchesOf(Vector128<byte> a, int i, Vector128<byte> b, byte imm) => (imm & 1) != 0
        ? Vector128.Equals(b.AsUInt16(), Vector128.Create(a.AsUInt16().GetElement(i))).ExtractMostSignificantBits()
        : Vector128.Equals(b, Vector128.Create(a.GetElement(i))).ExtractMostSignificantBits();

    /// <summary>The bits j where b[j] == a[j].</summary>
    private static uint ElementwiseEqual(Vector128<byte> a, Vector128<byte> b, byte imm) => (imm & 1) != 0
        ? Vector128.Equals(a.AsUInt16(), b.AsUInt16()).ExtractMostSignificantBits()
        : Vector128.Equals(a, b).ExtractMostSignificantBits();

    /// <summary>The bits j where b[j] >= a[i], signed or unsigned as imm8[1] says.</summary>
    private static uint AtLeast(Vector128<byte> a, int i, Vector128<byte> b, byte imm) => (imm & 3) switch
    {
        0 => Vector128.GreaterThanOrEqual(b, Vector128.Create(a.GetElement(i))).ExtractMostSignificantBits(),
        1 => Vector128.GreaterThanOrEqual(b.AsUInt16(), Vector128.Create(a.AsUInt16().GetElement(i))).ExtractMostSignificantBits(),
        2 => Vector128.GreaterThanOrEqual(b.AsSByte(), Vector128.Create(a.AsSByte().GetElement(i))).ExtractMostSignificantBits(),
        _ => Vector128.GreaterThanOrEqual(b.AsInt16(), Vector128.Create(a.AsInt16().GetElement(i))).ExtractMostSignificantBits(),
    };

    /// <summary>The bits j where b[j] &lt;= a[i], signed or unsigned as imm8[1] says.</summary>
    private static uint AtMost(Vector128<byte> a, int i, Vector128<byte> b, byte imm) => (imm & 3) switch
    {
        0 => Vector128.LessThanOrEqual(b, Vector128.Create(a.GetElement(i))).ExtractMostSignificantBits(),
        1 => Vector128.LessThanOrEqual(b.AsUInt16(), Vector128.Create(a.AsUInt16().GetElement(i))).ExtractMostSignificantBits(),
        2 => Vector128.LessThanOrEqual(b.AsSByte(), Vector128.Create(a.AsSByte().GetElement(i))).ExtractMostSignificantBits(),
        _ => Vector128.LessThanOrEqual(b.AsInt16(), Vector128.Create(a.AsInt16().GetElement(i))).ExtractMostSignificantBits(),
    };
}

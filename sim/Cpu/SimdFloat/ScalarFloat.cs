using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using HvSim.Cpu.X87;

namespace HvSim.Cpu.SimdFloat;

/// <summary>
/// One SSE floating-point element operation: a function of the source elements and MXCSR giving the
/// result and the raised exception flags (ORed into <c>raised</c>, MXCSR bit positions). Callers apply
/// sticky flags and traps (see <see cref="Ops.SseFloatHandlers"/>); nothing here reads CPU state, so
/// the legacy SSE, VEX (AVX, 3-operand, 256-bit as two 128-bit halves) and FMA forms can all use them.
/// </summary>
/// <remarks>
/// <para>
/// Fast path. When MXCSR's control bits are the default (round to nearest, all exceptions masked, no
/// DAZ or FTZ) the host's own SSE instruction, which runs under .NET's default MXCSR, returns exactly
/// the guest's result; only the guest's flags need work. If both operands and the result are
/// "ordinary" — normal, with exponent fields away from the denormal range and from overflow (binary32
/// fields 2 to 0xFD, binary64 64 to 0x7FD) — then no operand is a NaN, infinity, zero or denormal (so
/// no IE, DE or ZE: sqrt of a negative or x/0 give NaN or ∞ results, which are not ordinary), the result
/// is finite and not tiny even before rounding (no OE, no UE), and only PE remains. PE is sticky: once
/// set in MXCSR nothing changes; while clear, inexactness is decided exactly by an error-free
/// transformation: TwoSum's error term for add/sub; for singles the product, quotient × divisor or
/// root² recomputed exactly in double (48-bit products); for doubles the residual a×b − r,
/// r×b − a or r×r − a by one fused multiply-add. The FMA rounds the residual once, and only its
/// zero-ness matters: the exact residual is a multiple of 2^(e−105) where e ≥ −959 is the exponent
/// of the product or dividend/radicand (the binary64 threshold 64 keeps them there), so a non-zero
/// residual is at least 2^-1064 and cannot round to zero. Anything else goes to
/// <see cref="SoftFloat{F}"/>, which is exact under any MXCSR.
/// </para>
/// </remarks>
internal static class ScalarFloat
{
    /// <summary>binary32 exponent field in [2, 0xFD].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Ordinary(uint bits) => ((bits >> 23) & 0xFF) - 2 < 0xFC;

    /// <summary>binary64 exponent field in [64, 0x7FD].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Ordinary(ulong bits) => ((bits >> 52) & 0x7FF) - 64 < 0x7BE;

    private static float F(uint bits) => BitConverter.UInt32BitsToSingle(bits);

    private static double D(ulong bits) => BitConverter.UInt64BitsToDouble(bits);

    private static uint B(float value) => BitConverter.SingleToUInt32Bits(value);

    private static ulong B(double value) => BitConverter.DoubleToUInt64Bits(value);

    /// <summary>Knuth's TwoSum: the rounding error of r = RN(x + y) is exactly representable and computed without error.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool SumIsExact(float x, float y, float r)
    {
        float yPart = r - x;
        return (x - (r - yPart)) + (y - yPart) == 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool SumIsExact(double x, double y, double r)
    {
        double yPart = r - x;
        return (x - (r - yPart)) + (y - yPart) == 0;
    }

    public static uint Add(uint a, uint b, uint mxcsr, ref uint raised) => AddSub(a, b, false, mxcsr, ref raised);

    public static uint Subtract(uint a, uint b, uint mxcsr, ref uint raised) => AddSub(a, b, true, mxcsr, ref raised);

    public static ulong Add(ulong a, ulong b, uint mxcsr, ref uint raised) => AddSub(a, b, false, mxcsr, ref raised);

    public static ulong Subtract(ulong a, ulong b, uint mxcsr, ref uint raised) => AddSub(a, b, true, mxcsr, ref raised);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint AddSub(uint a, uint b, bool subtract, uint mxcsr, ref uint raised)
    {
        if (Mxcsr.IsDefaultControl(mxcsr))
        {
            float x = F(a), y = subtract ? -F(b) : F(b);
            float r = x + y;
            uint result = B(r);
            if (Ordinary(a) & Ordinary(b) & Ordinary(result))
            {
                if ((mxcsr & Mxcsr.Precision) == 0 && !SumIsExact(x, y, r))
                {
                    raised |= Mxcsr.Precision;
                }
                return result;
            }
        }
        return (uint)SoftFloat<Binary32>.Add(a, b, subtract, mxcsr, ref raised);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong AddSub(ulong a, ulong b, bool subtract, uint mxcsr, ref uint raised)
    {
        if (Mxcsr.IsDefaultControl(mxcsr))
        {
            double x = D(a), y = subtract ? -D(b) : D(b);
            double r = x + y;
            ulong result = B(r);
            if (Ordinary(a) & Ordinary(b) & Ordinary(result))
            {
                if ((mxcsr & Mxcsr.Precision) == 0 && !SumIsExact(x, y, r))
                {
                    raised |= Mxcsr.Precision;
                }
                return result;
            }
        }
        return SoftFloat<Binary64>.Add(a, b, subtract, mxcsr, ref raised);
    }

    public static uint Multiply(uint a, uint b, uint mxcsr, ref uint raised)
    {
        if (Mxcsr.IsDefaultControl(mxcsr))
        {
            float r = F(a) * F(b);
            uint result = B(r);
            if (Ordinary(a) & Ordinary(b) & Ordinary(result))
            {
                if ((mxcsr & Mxcsr.Precision) == 0 && (double)F(a) * F(b) != r)
                {
                    raised |= Mxcsr.Precision;
                }
                return result;
            }
        }
        return (uint)SoftFloat<Binary32>.Multiply(a, b, mxcsr, ref raised);
    }

    public static ulong Multiply(ulong a, ulong b, uint mxcsr, ref uint raised)
    {
        if (Mxcsr.IsDefaultControl(mxcsr))
        {
            double r = D(a) * D(b);
            ulong result = B(r);
            if (Ordinary(a) & Ordinary(b) & Ordinary(result))
            {
                if ((mxcsr & Mxcsr.Precision) == 0 && Math.FusedMultiplyAdd(D(a), D(b), -r) != 0)
                {
                    raised |= Mxcsr.Precision;
                }
                return result;
            }
        }
        return SoftFloat<Binary64>.Multiply(a, b, mxcsr, ref raised);
    }

    public static uint Divide(uint a, uint b, uint mxcsr, ref uint raised)
    {
        if (Mxcsr.IsDefaultControl(mxcsr))
        {
            float r = F(a) / F(b);
            uint result = B(r);
            if (Ordinary(a) & Ordinary(b) & Ordinary(result))
            {
                if ((mxcsr & Mxcsr.Precision) == 0 && (double)r * F(b) != F(a))
                {
                    raised |= Mxcsr.Precision;
                }
                return result;
            }
        }
        return (uint)SoftFloat<Binary32>.Divide(a, b, mxcsr, ref raised);
    }

    public static ulong Divide(ulong a, ulong b, uint mxcsr, ref uint raised)
    {
        if (Mxcsr.IsDefaultControl(mxcsr))
        {
            double r = D(a) / D(b);
            ulong result = B(r);
            if (Ordinary(a) & Ordinary(b) & Ordinary(result))
            {
                if ((mxcsr & Mxcsr.Precision) == 0 && Math.FusedMultiplyAdd(r, D(b), -D(a)) != 0)
                {
                    raised |= Mxcsr.Precision;
                }
                return result;
            }
        }
        return SoftFloat<Binary64>.Divide(a, b, mxcsr, ref raised);
    }

    public static uint SquareRoot(uint a, uint mxcsr, ref uint raised)
    {
        if (Mxcsr.IsDefaultControl(mxcsr))
        {
            float r = MathF.Sqrt(F(a));
            uint result = B(r);
            if (Ordinary(a) & Ordinary(result))
            {
                if ((mxcsr & Mxcsr.Precision) == 0 && (double)r * r != F(a))
                {
                    raised |= Mxcsr.Precision;
                }
                return result;
            }
        }
        return (uint)SoftFloat<Binary32>.SquareRoot(a, mxcsr, ref raised);
    }

    public static ulong SquareRoot(ulong a, uint mxcsr, ref uint raised)
    {
        if (Mxcsr.IsDefaultControl(mxcsr))
        {
            double r = Math.Sqrt(D(a));
            ulong result = B(r);
            if (Ordinary(a) & Ordinary(result))
            {
                if ((mxcsr & Mxcsr.Precision) == 0 && Math.FusedMultiplyAdd(r, r, -D(a)) != 0)
                {
                    raised |= Mxcsr.Precision;
                }
                return result;
            }
        }
        return SoftFloat<Binary64>.SquareRoot(a, mxcsr, ref raised);
    }

    /// <summary>
    /// minss/minsd/maxss/maxsd element (SDM Vol. 2 MINSS): the first operand when it is strictly less
    /// (greater), otherwise the second — so the second when either is a NaN (returned as is, not quieted)
    /// or both are zeros; a denormal returned reads as zero under DAZ (host oracle). IE for any NaN (a signalling compare); DE for a denormal.
    /// </summary>
    public static ulong MinMax<TFormat>(ulong a, ulong b, bool max, uint mxcsr, ref uint raised) where TFormat : struct, IBinaryFormat
    {
        if (PlainOperands<TFormat>(a, b, out double p, out double q))
        {
            return (max ? p > q : p < q) ? a : b;
        }
        Operand x = SoftFloat<TFormat>.Read(a, mxcsr);
        Operand y = SoftFloat<TFormat>.Read(b, mxcsr);
        a = SoftFloat<TFormat>.AfterDaz(a, mxcsr);
        b = SoftFloat<TFormat>.AfterDaz(b, mxcsr);
        if (x.IsNaN || y.IsNaN)
        {
            raised |= Mxcsr.Invalid;
            return b;
        }
        raised |= Operand.DenormalFlag(x, y);
        int order = Compare(x, y);
        return (max ? order > 0 : order < 0) ? a : b;
    }

    /// <summary>
    /// Compare fast path: both operands normal or zero (so no NaN, no denormal: nothing to raise, and DAZ
    /// changes nothing), compared by the host (IEEE order does not depend on MXCSR).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool PlainOperands<TFormat>(ulong a, ulong b, out double x, out double y) where TFormat : struct, IBinaryFormat
    {
        if (TFormat.Width == 32)
        {
            x = F((uint)a);
            y = F((uint)b);
            return NormalOrZero((uint)a) && NormalOrZero((uint)b);
        }
        x = D(a);
        y = D(b);
        return NormalOrZero(a) && NormalOrZero(b);
    }

    private static bool NormalOrZero(uint bits) => ((bits >> 23) & 0xFF) - 1 < 0xFE || (bits << 1) == 0;

    private static bool NormalOrZero(ulong bits) => ((bits >> 52) & 0x7FF) - 1 < 0x7FE || (bits << 1) == 0;

    /// <summary>The order of two non-NaN operands: −1, 0 (equal, ±0 included) or 1.</summary>
    public static int Compare(in Operand x, in Operand y)
    {
        if (x.IsZero && y.IsZero)
        {
            return 0;
        }
        if (x.Negative != y.Negative)
        {
            return x.Negative ? -1 : 1;
        }
        int magnitude = Magnitude(x).CompareTo(Magnitude(y));
        return x.Negative ? -magnitude : magnitude;
    }

    private static UInt128 Magnitude(in Operand x) => x.Kind switch
    {
        OperandKind.Zero => UInt128.Zero,
        OperandKind.Infinity => UInt128.MaxValue,
        _ => ((UInt128)(uint)x.Exponent << 64) | x.Significand,
    };

    /// <summary>
    /// The cmpps/cmpss predicate (SDM Vol. 2 CMPPS, Table 3-1): imm8[2:0] for legacy SSE, imm8[4:0] for
    /// VEX. 0..7 are EQ_OQ, LT_OS, LE_OS, UNORD_Q, NEQ_UQ, NLT_US, NLE_US, ORD_Q; bit 3 inverts the
    /// result for unordered operands only (8..15: EQ_UQ, NGE_US, NGT_US, FALSE_OQ, NEQ_OQ, GE_OS,
    /// GT_OS, TRUE_UQ); bit 4 swaps signalling and quiet (16..31: EQ_OS, LT_OQ, ... TRUE_US). A
    /// signalling predicate raises IE for a QNaN too; every predicate raises it for an SNaN.
    /// </summary>
    public static bool ComparePredicate<TFormat>(ulong a, ulong b, int predicate, uint mxcsr, ref uint raised) where TFormat : struct, IBinaryFormat
    {
        int order;
        if (PlainOperands<TFormat>(a, b, out double p, out double q))
        {
            order = p < q ? -1 : p > q ? 1 : 0;
            return Holds(predicate & 7, order);
        }
        Operand x = SoftFloat<TFormat>.Read(a, mxcsr);
        Operand y = SoftFloat<TFormat>.Read(b, mxcsr);
        bool signalling = ((predicate & 7) is 1 or 2 or 5 or 6) != ((predicate & 0x10) != 0);
        if (x.IsNaN || y.IsNaN)
        {
            if (signalling || x.IsSignalingNaN || y.IsSignalingNaN)
            {
                raised |= Mxcsr.Invalid;
            }
            return Holds(predicate & 7, 2) != ((predicate & 8) != 0);
        }
        raised |= Operand.DenormalFlag(x, y);
        order = Compare(x, y);
        return Holds(predicate & 7, order);
    }

    /// <summary>Whether a cmpps predicate holds for an order (−1, 0, 1, or 2 for unordered).</summary>
    private static bool Holds(int predicate, int order)
    {
        bool unordered = order == 2;
        return predicate switch
        {
            0 => order == 0,
            1 => !unordered && order < 0,
            2 => !unordered && order <= 0,
            3 => unordered,
            4 => order != 0,
            5 => unordered || order >= 0,
            6 => unordered || order > 0,
            _ => !unordered,
        };
    }

    /// <summary>
    /// (u)comiss/(u)comisd: ZF, PF, CF as unordered 111, less 001, equal 100, greater 000 (SDM Vol. 2
    /// COMISS). comis raises IE for any NaN, ucomis only for an SNaN; DE for a denormal.
    /// </summary>
    public static ulong CompareFlags<TFormat>(ulong a, ulong b, bool signalling, uint mxcsr, ref uint raised) where TFormat : struct, IBinaryFormat
    {
        if (PlainOperands<TFormat>(a, b, out double p, out double q))
        {
            return p < q ? FlagBits.CF : p == q ? FlagBits.ZF : 0;
        }
        Operand x = SoftFloat<TFormat>.Read(a, mxcsr);
        Operand y = SoftFloat<TFormat>.Read(b, mxcsr);
        if (x.IsNaN || y.IsNaN)
        {
            if (signalling || x.IsSignalingNaN || y.IsSignalingNaN)
            {
                raised |= Mxcsr.Invalid;
            }
            return FlagBits.ZF | FlagBits.PF | FlagBits.CF;
        }
        raised |= Operand.DenormalFlag(x, y);
        int order = Compare(x, y);
        return order < 0 ? FlagBits.CF : order == 0 ? FlagBits.ZF : 0;
    }

    /// <summary>
    /// Float element to integer; <paramref name="truncate"/> for the cvtt forms, else MXCSR.RC. Fast path:
    /// a normal operand of magnitude below 2^31 − 1 (even rounded up it fits every destination) truncated, or rounded to nearest
    /// under RC = nearest, by the host instruction (DAZ and FTZ do not touch normals; conversions raise no
    /// DE), PE when the integer differs from the operand (exact: both are below 2^53).
    /// </summary>
    public static ulong ToInteger<TFormat>(ulong bits, bool wide, bool truncate, uint mxcsr, ref uint raised) where TFormat : struct, IBinaryFormat
    {
        RoundingControl rounding = truncate ? RoundingControl.TowardZero : Mxcsr.Rounding(mxcsr);
        if (rounding is RoundingControl.TowardZero or RoundingControl.NearestEven)
        {
            double value = TFormat.Width == 32 ? F((uint)bits) : D(bits);
            if (Math.Abs(value) < 2147483647.0 && (TFormat.Width == 32 ? Normal((uint)bits) : Normal(bits)))
            {
                Vector128<double> v = Vector128.CreateScalarUnsafe(value);
                int integer = rounding == RoundingControl.TowardZero ? Sse2.ConvertToInt32WithTruncation(v) : Sse2.ConvertToInt32(v);
                if (integer != value)
                {
                    raised |= Mxcsr.Precision;
                }
                return wide ? (ulong)(long)integer : (uint)integer;
            }
        }
        return SoftFloat<TFormat>.ToInteger(bits, wide, rounding, mxcsr, ref raised);
    }

    /// <summary>A normal value (exponent field neither 0 nor all ones).</summary>
    private static bool Normal(uint bits) => ((bits >> 23) & 0xFF) - 1 < 0xFE;

    private static bool Normal(ulong bits) => ((bits >> 52) & 0x7FF) - 1 < 0x7FE;

    /// <summary>
    /// Between formats (cvtss2sd, cvtsd2ss, cvtps2pd, cvtpd2ps). Fast paths: widening a normal binary32 is
    /// exact and raises nothing under any MXCSR; narrowing under the default control is the host's
    /// conversion when source and result are ordinary, PE when the result widened back differs.
    /// </summary>
    public static ulong Convert<TTo, TFrom>(ulong bits, uint mxcsr, ref uint raised) where TTo : struct, IBinaryFormat where TFrom : struct, IBinaryFormat
    {
        if (TFrom.Width == 32 && TTo.Width == 64)
        {
            if (Normal((uint)bits))
            {
                return B((double)F((uint)bits));
            }
        }
        else if (TFrom.Width == 64 && TTo.Width == 32 && Mxcsr.IsDefaultControl(mxcsr))
        {
            float narrowed = (float)D(bits);
            uint result = B(narrowed);
            if (Ordinary(bits) & Ordinary(result))
            {
                if ((mxcsr & Mxcsr.Precision) == 0 && narrowed != D(bits))
                {
                    raised |= Mxcsr.Precision;
                }
                return result;
            }
        }
        return SoftFloat<TTo>.Convert<TFrom>(bits, mxcsr, ref raised);
    }

    /// <summary>
    /// Integer to binary32: the host conversion under the default control when the integer's significant
    /// bits fit 24 (exact, no flag); otherwise rounded exactly by MXCSR.RC with PE.
    /// </summary>
    public static uint FromInteger32(long value, uint mxcsr, ref uint raised)
    {
        if (SignificantBits(value) <= 24)
        {
            return B((float)value);
        }
        return (uint)SoftFloat<Binary32>.FromInteger(value, mxcsr, ref raised);
    }

    /// <summary>Integer to binary64, as <see cref="FromInteger32"/> with 53 bits (every int32 fits).</summary>
    public static ulong FromInteger64(long value, uint mxcsr, ref uint raised)
    {
        if (SignificantBits(value) <= 53)
        {
            return B((double)value);
        }
        return SoftFloat<Binary64>.FromInteger(value, mxcsr, ref raised);
    }

    /// <summary>Bits from the highest set bit to the lowest set bit of the magnitude (0 for zero).</summary>
    private static int SignificantBits(long value)
    {
        ulong magnitude = value < 0 ? 0 - (ulong)value : (ulong)value;
        return magnitude == 0 ? 0 : 64 - System.Numerics.BitOperations.LeadingZeroCount(magnitude) - System.Numerics.BitOperations.TrailingZeroCount(magnitude);
    }
}

using HvSim.Cpu.X87;

namespace HvSim.Cpu.SimdFloat;

internal static partial class SoftFloat<F> where F : struct, IBinaryFormat
{
    /// <summary>
    /// The fused multiply-add of FMA (SDM Vol. 2 VFMADD132PD...): ±(a × b) ± c with one rounding.
    /// <paramref name="negateProduct"/> and <paramref name="negateAddend"/> give vfmsub (a×b − c),
    /// vfnmadd (−(a×b) + c) and vfnmsub (−(a×b) − c); the negations are exact sign flips.
    /// </summary>
    /// <remarks>
    /// Special cases as the host (AMD) shows them:
    /// a NaN operand gives the first NaN of a, b, c in the order of the multiply-add (the
    /// multiplicands, then the addend, whatever their encoding positions), quieted, its sign never
    /// flipped by the negations; IE when any is an SNaN. ∞ × 0 is invalid (IE, default NaN) unless
    /// the addend is a QNaN, which is then returned without IE; so is ∞ − ∞ between product and addend.
    /// A NaN or an invalid operation hides a denormal operand (no DE), as in the other SSE operations.
    /// The product is exact (two 64-bit significands into 128 bits); both terms are aligned with their
    /// integer bit at 126 (the product's at most 106 significant bits reach down to bit 21, the
    /// addend's 53 to bit 74), so a right shift of up to 21 bits is exact and a longer one, jammed into
    /// a sticky bit, leaves a difference with at least 125 significant bits: one rounding is correct.
    /// </remarks>
    public static ulong FusedMultiplyAdd(ulong a, ulong b, ulong c, bool negateProduct, bool negateAddend, uint mxcsr, ref uint raised)
    {
        Operand x = Read(a, mxcsr);
        Operand y = Read(b, mxcsr);
        Operand z = Read(c, mxcsr);
        if (x.IsNaN || y.IsNaN || z.IsNaN)
        {
            if (x.IsSignalingNaN || y.IsSignalingNaN || z.IsSignalingNaN)
            {
                raised |= Mxcsr.Invalid;
            }
            return Quiet(x.IsNaN ? a : y.IsNaN ? b : c);
        }
        bool productNegative = x.Negative != y.Negative != negateProduct;
        bool addendNegative = z.Negative != negateAddend;
        bool productInfinite = x.IsInfinity || y.IsInfinity;
        bool productZero = x.IsZero || y.IsZero;
        if ((productInfinite && productZero) || (productInfinite && z.IsInfinity && productNegative != addendNegative))
        {
            raised |= Mxcsr.Invalid;
            return DefaultNaN;
        }
        raised |= Operand.DenormalFlag(x, y) | Operand.DenormalFlag(z, z);
        if (productInfinite)
        {
            return Infinity(productNegative);
        }
        if (z.IsInfinity)
        {
            return Infinity(addendNegative);
        }
        bool down = Mxcsr.Rounding(mxcsr) == RoundingControl.Down;
        if (productZero)
        {
            if (z.IsZero)
            {
                return Zero(productNegative == addendNegative ? productNegative : down);
            }
            return RoundOperand(addendNegative, z, mxcsr, ref raised);
        }

        // Product = P / 2^126 × 2^(ex + ey − 2·16383) with P in [2^126, 2^128); normalized to [2^126, 2^127).
        UInt128 product = (UInt128)x.Significand * y.Significand;
        int productExponent = x.Exponent + y.Exponent - Float80.ExponentBias;
        if ((product >> 127) != 0)
        {
            product >>= 1; // bit 0 is zero: at most 106 significant bits
            productExponent++;
        }
        if (z.IsZero)
        {
            return Round(productNegative, productExponent + 1, product, mxcsr, ref raised);
        }

        UInt128 larger = product, smaller = (UInt128)z.Significand << 63;
        int largerExponent = productExponent, smallerExponent = z.Exponent;
        bool largerNegative = productNegative, smallerNegative = addendNegative;
        if (largerExponent < smallerExponent || (largerExponent == smallerExponent && larger < smaller))
        {
            (larger, largerExponent, largerNegative, smaller, smallerExponent, smallerNegative) =
                (smaller, smallerExponent, smallerNegative, larger, largerExponent, largerNegative);
        }
        smaller = Float80Rounding.ShiftRightJam(smaller, largerExponent - smallerExponent);
        if (largerNegative == smallerNegative)
        {
            return Round(largerNegative, largerExponent + 1, larger + smaller, mxcsr, ref raised);
        }
        UInt128 difference = larger - smaller;
        // An exact zero sum is +0, or −0 when rounding down (IEEE 754 6.3).
        return difference == 0 ? Zero(down) : Round(largerNegative, largerExponent + 1, difference, mxcsr, ref raised);
    }
}

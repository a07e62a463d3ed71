using System.Runtime.Intrinsics;
using HvSim.Cpu.SimdFloat;

namespace HvSim.Cpu.Ops;

// SSE3 and SSE4.1 floating-point arithmetic (legacy encoding), built from the exact element operations
// of ScalarFloat so that every add, multiply and rounding is the hardware's, flags ORed over all of them.

/// <summary>addsubps: odd lanes a + b, even lanes a − b (SDM Vol. 2 ADDSUBPS).</summary>
internal struct Addsubps : IFloatXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r)
    {
        Vector128<uint> x = a.AsUInt32(), y = b.AsUInt32();
        uint r0 = ScalarFloat.Subtract(x.GetElement(0), y.GetElement(0), m, ref r);
        uint r1 = ScalarFloat.Add(x.GetElement(1), y.GetElement(1), m, ref r);
        uint r2 = ScalarFloat.Subtract(x.GetElement(2), y.GetElement(2), m, ref r);
        uint r3 = ScalarFloat.Add(x.GetElement(3), y.GetElement(3), m, ref r);
        return Vector128.Create(r0, r1, r2, r3).AsByte();
    }
}

internal struct Addsubpd : IFloatXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r)
    {
        Vector128<ulong> x = a.AsUInt64(), y = b.AsUInt64();
        ulong r0 = ScalarFloat.Subtract(x.GetElement(0), y.GetElement(0), m, ref r);
        ulong r1 = ScalarFloat.Add(x.GetElement(1), y.GetElement(1), m, ref r);
        return Vector128.Create(r0, r1).AsByte();
    }
}

/// <summary>haddps/hsubps: adjacent pairs of the first source, then of the second (SDM Vol. 2 HADDPS): a0∘a1, a2∘a3, b0∘b1, b2∘b3.</summary>
internal struct Haddps : IFloatXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => Horizontal<AddElement>(a, b, m, ref r);

    public static Vector128<byte> Horizontal<T>(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) where T : struct, IElementOp
    {
        Vector128<uint> x = a.AsUInt32(), y = b.AsUInt32();
        uint r0 = T.Single(x.GetElement(0), x.GetElement(1), m, ref r);
        uint r1 = T.Single(x.GetElement(2), x.GetElement(3), m, ref r);
        uint r2 = T.Single(y.GetElement(0), y.GetElement(1), m, ref r);
        uint r3 = T.Single(y.GetElement(2), y.GetElement(3), m, ref r);
        return Vector128.Create(r0, r1, r2, r3).AsByte();
    }
}

internal struct Hsubps : IFloatXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => Haddps.Horizontal<SubtractElement>(a, b, m, ref r);
}

/// <summary>haddpd/hsubpd: a0∘a1, b0∘b1.</summary>
internal struct Haddpd : IFloatXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => Horizontal<AddElement>(a, b, m, ref r);

    public static Vector128<byte> Horizontal<T>(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) where T : struct, IElementOp
    {
        Vector128<ulong> x = a.AsUInt64(), y = b.AsUInt64();
        ulong r0 = T.Double(x.GetElement(0), x.GetElement(1), m, ref r);
        ulong r1 = T.Double(y.GetElement(0), y.GetElement(1), m, ref r);
        return Vector128.Create(r0, r1).AsByte();
    }
}

internal struct Hsubpd : IFloatXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => Haddpd.Horizontal<SubtractElement>(a, b, m, ref r);
}

/// <summary>
/// dpps (SDM Vol. 2 DPPS, Operation): products of the lanes selected by imm8[7:4] (+0.0 elsewhere),
/// each rounded; then (p0 + p1) and (p2 + p3), each rounded; then their sum, rounded; written to the
/// lanes selected by imm8[3:0], +0.0 elsewhere. The three steps are stages, each with its own
/// exception report (see <see cref="DotProductHandlers"/>).
/// </summary>
internal static class Dpps
{
    public static Vector128<uint> Products(Vector128<byte> a, Vector128<byte> b, byte imm, uint m, ref uint r)
    {
        Vector128<uint> x = a.AsUInt32(), y = b.AsUInt32();
        uint p0 = (imm & 0x10) != 0 ? ScalarFloat.Multiply(x.GetElement(0), y.GetElement(0), m, ref r) : 0;
        uint p1 = (imm & 0x20) != 0 ? ScalarFloat.Multiply(x.GetElement(1), y.GetElement(1), m, ref r) : 0;
        uint p2 = (imm & 0x40) != 0 ? ScalarFloat.Multiply(x.GetElement(2), y.GetElement(2), m, ref r) : 0;
        uint p3 = (imm & 0x80) != 0 ? ScalarFloat.Multiply(x.GetElement(3), y.GetElement(3), m, ref r) : 0;
        return Vector128.Create(p0, p1, p2, p3);
    }

    /// <summary>(p0 + p1) and (p2 + p3) in elements 0 and 1.</summary>
    public static Vector128<uint> PairSums(Vector128<uint> p, uint m, ref uint r)
    {
        uint low = ScalarFloat.Add(p.GetElement(0), p.GetElement(1), m, ref r);
        uint high = ScalarFloat.Add(p.GetElement(2), p.GetElement(3), m, ref r);
        return Vector128.Create(low, high, 0, 0);
    }

    public static Vector128<byte> Total(Vector128<uint> pairs, byte imm, uint m, ref uint r)
    {
        uint sum = ScalarFloat.Add(pairs.GetElement(0), pairs.GetElement(1), m, ref r);
        return Vector128.Create(
            (imm & 1) != 0 ? sum : 0,
            (imm & 2) != 0 ? sum : 0,
            (imm & 4) != 0 ? sum : 0,
            (imm & 8) != 0 ? sum : 0).AsByte();
    }
}

/// <summary>dppd: as dpps with two lanes: imm8[5:4] select the products, imm8[1:0] the destination lanes; two stages.</summary>
internal static class Dppd
{
    public static Vector128<ulong> Products(Vector128<byte> a, Vector128<byte> b, byte imm, uint m, ref uint r)
    {
        Vector128<ulong> x = a.AsUInt64(), y = b.AsUInt64();
        ulong p0 = (imm & 0x10) != 0 ? ScalarFloat.Multiply(x.GetElement(0), y.GetElement(0), m, ref r) : 0;
        ulong p1 = (imm & 0x20) != 0 ? ScalarFloat.Multiply(x.GetElement(1), y.GetElement(1), m, ref r) : 0;
        return Vector128.Create(p0, p1);
    }

    public static Vector128<byte> Total(Vector128<ulong> p, byte imm, uint m, ref uint r)
    {
        ulong sum = ScalarFloat.Add(p.GetElement(0), p.GetElement(1), m, ref r);
        return Vector128.Create((imm & 1) != 0 ? sum : 0, (imm & 2) != 0 ? sum : 0).AsByte();
    }
}

/// <summary>roundps/roundpd/roundss/roundsd (SDM Vol. 2 ROUNDPS): see <see cref="PackedFloat.RoundingOf"/> for imm8.</summary>
internal struct Roundps : IFloatXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, byte imm, uint m, ref uint r)
    {
        Vector128<uint> y = b.AsUInt32();
        return Vector128.Create(Lane(y.GetElement(0), imm, m, ref r), Lane(y.GetElement(1), imm, m, ref r),
            Lane(y.GetElement(2), imm, m, ref r), Lane(y.GetElement(3), imm, m, ref r)).AsByte();
    }

    public static uint Lane(uint value, byte imm, uint m, ref uint r) =>
        (uint)SoftFloat<Binary32>.RoundToIntegral(value, PackedFloat.RoundingOf(imm, m), (imm & 8) != 0, m, ref r);
}

internal struct Roundpd : IFloatXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, byte imm, uint m, ref uint r)
    {
        Vector128<ulong> y = b.AsUInt64();
        ulong r0 = Lane(y.GetElement(0), imm, m, ref r);
        ulong r1 = Lane(y.GetElement(1), imm, m, ref r);
        return Vector128.Create(r0, r1).AsByte();
    }

    public static ulong Lane(ulong value, byte imm, uint m, ref uint r) =>
        SoftFloat<Binary64>.RoundToIntegral(value, PackedFloat.RoundingOf(imm, m), (imm & 8) != 0, m, ref r);
}

internal struct Roundss : IFloatXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, byte imm, uint m, ref uint r) =>
        a.AsUInt32().WithElement(0, Roundps.Lane(b.AsUInt32().ToScalar(), imm, m, ref r)).AsByte();
}

internal struct Roundsd : IFloatXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, byte imm, uint m, ref uint r) =>
        a.AsUInt64().WithElement(0, Roundpd.Lane(b.AsUInt64().ToScalar(), imm, m, ref r)).AsByte();
}

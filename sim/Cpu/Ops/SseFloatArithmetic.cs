using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using HvSim.Cpu.SimdFloat;

namespace HvSim.Cpu.Ops;

// SSE/SSE2 floating-point arithmetic, compares and vector conversions, one struct per instruction for
// the generic handlers of SseFloatHandlers. Each is exact under the guest's MXCSR (SimdFloat/): a
// host fast path when the control bits are the default, exact soft arithmetic otherwise. Scalar
// forms keep the first source's upper elements.

internal struct Addps : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.AddPs(a, b, m, ref r); }
internal struct Subps : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.SubPs(a, b, m, ref r); }
internal struct Mulps : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.MulPs(a, b, m, ref r); }
internal struct Divps : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.DivPs(a, b, m, ref r); }
internal struct Minps : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.Each32<MinElement>(a, b, m, ref r); }
internal struct Maxps : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.Each32<MaxElement>(a, b, m, ref r); }
internal struct Sqrtps : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.SqrtPs(b, m, ref r); }

internal struct Addpd : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.AddPd(a, b, m, ref r); }
internal struct Subpd : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.SubPd(a, b, m, ref r); }
internal struct Mulpd : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.MulPd(a, b, m, ref r); }
internal struct Divpd : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.DivPd(a, b, m, ref r); }
internal struct Minpd : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.Each64<MinElement>(a, b, m, ref r); }
internal struct Maxpd : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.Each64<MaxElement>(a, b, m, ref r); }
internal struct Sqrtpd : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.SqrtPd(b, m, ref r); }

internal struct Addss : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.Low32<AddElement>(a, b, m, ref r); }
internal struct Subss : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.Low32<SubtractElement>(a, b, m, ref r); }
internal struct Mulss : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.Low32<MultiplyElement>(a, b, m, ref r); }
internal struct Divss : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.Low32<DivideElement>(a, b, m, ref r); }
internal struct Minss : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.Low32<MinElement>(a, b, m, ref r); }
internal struct Maxss : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.Low32<MaxElement>(a, b, m, ref r); }
internal struct Sqrtss : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.Low32<SquareRootElement>(a, b, m, ref r); }

internal struct Addsd : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.Low64<AddElement>(a, b, m, ref r); }
internal struct Subsd : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.Low64<SubtractElement>(a, b, m, ref r); }
internal struct Mulsd : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.Low64<MultiplyElement>(a, b, m, ref r); }
internal struct Divsd : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.Low64<DivideElement>(a, b, m, ref r); }
internal struct Minsd : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.Low64<MinElement>(a, b, m, ref r); }
internal struct Maxsd : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.Low64<MaxElement>(a, b, m, ref r); }
internal struct Sqrtsd : IFloatXmmOp { public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => PackedFloat.Low64<SquareRootElement>(a, b, m, ref r); }

// rcpps/rsqrtps and scalar forms are approximations whose tables are the host's: they raise no
// exceptions and ignore the rounding mode (SDM Vol. 2 RCPPS), so the host result is the guest's.
internal struct Rcpps : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse.Reciprocal(s.AsSingle()).AsByte(); }
internal struct Rsqrtps : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse.ReciprocalSqrt(s.AsSingle()).AsByte(); }
internal struct Rcpss : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse.ReciprocalScalar(d.AsSingle(), s.AsSingle()).AsByte(); }
internal struct Rsqrtss : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse.ReciprocalSqrtScalar(d.AsSingle(), s.AsSingle()).AsByte(); }

/// <summary>cmpps: predicate imm8[2:0] per lane, all-ones or zero (legacy SSE ignores imm8[7:3]; VEX uses imm8[4:0]).</summary>
internal struct Cmpps : IFloatXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, byte imm, uint m, ref uint r) => Compare(a, b, imm & 7, m, ref r);

    public static Vector128<byte> Compare(Vector128<byte> a, Vector128<byte> b, int p, uint m, ref uint r)
    {
        Vector128<uint> x = a.AsUInt32(), y = b.AsUInt32();
        return Vector128.Create(
            Mask32(ScalarFloat.ComparePredicate<Binary32>(x.GetElement(0), y.GetElement(0), p, m, ref r)),
            Mask32(ScalarFloat.ComparePredicate<Binary32>(x.GetElement(1), y.GetElement(1), p, m, ref r)),
            Mask32(ScalarFloat.ComparePredicate<Binary32>(x.GetElement(2), y.GetElement(2), p, m, ref r)),
            Mask32(ScalarFloat.ComparePredicate<Binary32>(x.GetElement(3), y.GetElement(3), p, m, ref r))).AsByte();
    }

    public static uint Mask32(bool value) => value ? uint.MaxValue : 0;
}

internal struct Cmppd : IFloatXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, byte imm, uint m, ref uint r) => Compare(a, b, imm & 7, m, ref r);

    public static Vector128<byte> Compare(Vector128<byte> a, Vector128<byte> b, int p, uint m, ref uint r)
    {
        Vector128<ulong> x = a.AsUInt64(), y = b.AsUInt64();
        return Vector128.Create(
            Mask64(ScalarFloat.ComparePredicate<Binary64>(x.GetElement(0), y.GetElement(0), p, m, ref r)),
            Mask64(ScalarFloat.ComparePredicate<Binary64>(x.GetElement(1), y.GetElement(1), p, m, ref r))).AsByte();
    }

    public static ulong Mask64(bool value) => value ? ulong.MaxValue : 0;
}

internal struct Cmpss : IFloatXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, byte imm, uint m, ref uint r) => Compare(a, b, imm & 7, m, ref r);

    public static Vector128<byte> Compare(Vector128<byte> a, Vector128<byte> b, int p, uint m, ref uint r) =>
        a.AsUInt32().WithElement(0, Cmpps.Mask32(ScalarFloat.ComparePredicate<Binary32>(a.AsUInt32().ToScalar(), b.AsUInt32().ToScalar(), p, m, ref r))).AsByte();
}

internal struct Cmpsd : IFloatXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, byte imm, uint m, ref uint r) => Compare(a, b, imm & 7, m, ref r);

    public static Vector128<byte> Compare(Vector128<byte> a, Vector128<byte> b, int p, uint m, ref uint r) =>
        a.AsUInt64().WithElement(0, Cmppd.Mask64(ScalarFloat.ComparePredicate<Binary64>(a.AsUInt64().ToScalar(), b.AsUInt64().ToScalar(), p, m, ref r))).AsByte();
}

// Conversions (SDM Vol. 2 CVT*): the rounding ones use MXCSR.RC, the "t" ones truncate; out-of-range
// and NaN inputs give the integer indefinite with IE.
internal struct Cvtdq2ps : IFloatXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r)
    {
        Vector128<int> x = b.AsInt32();
        return Vector128.Create(
            ScalarFloat.FromInteger32(x.GetElement(0), m, ref r),
            ScalarFloat.FromInteger32(x.GetElement(1), m, ref r),
            ScalarFloat.FromInteger32(x.GetElement(2), m, ref r),
            ScalarFloat.FromInteger32(x.GetElement(3), m, ref r)).AsByte();
    }
}

internal struct Cvtps2dq : IFloatXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => ToInt32s(b, false, m, ref r);

    public static Vector128<byte> ToInt32s(Vector128<byte> b, bool truncate, uint m, ref uint r)
    {
        Vector128<uint> x = b.AsUInt32();
        return Vector128.Create(
            (uint)ScalarFloat.ToInteger<Binary32>(x.GetElement(0), false, truncate, m, ref r),
            (uint)ScalarFloat.ToInteger<Binary32>(x.GetElement(1), false, truncate, m, ref r),
            (uint)ScalarFloat.ToInteger<Binary32>(x.GetElement(2), false, truncate, m, ref r),
            (uint)ScalarFloat.ToInteger<Binary32>(x.GetElement(3), false, truncate, m, ref r)).AsByte();
    }
}

internal struct Cvttps2dq : IFloatXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => Cvtps2dq.ToInt32s(b, true, m, ref r);
}

/// <summary>Two int32 to two doubles: always exact, no exceptions.</summary>
internal struct Cvtdq2pd : IFloatXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => Sse2.ConvertToVector128Double(b.AsInt32()).AsByte();
}

internal struct Cvtpd2dq : IFloatXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => ToInt32s(b, false, m, ref r);

    /// <summary>Two doubles to the low two dwords; the upper quadword is zeroed.</summary>
    public static Vector128<byte> ToInt32s(Vector128<byte> b, bool truncate, uint m, ref uint r)
    {
        Vector128<ulong> x = b.AsUInt64();
        uint r0 = (uint)ScalarFloat.ToInteger<Binary64>(x.GetElement(0), false, truncate, m, ref r);
        uint r1 = (uint)ScalarFloat.ToInteger<Binary64>(x.GetElement(1), false, truncate, m, ref r);
        return Vector128.Create(r0, r1, 0, 0).AsByte();
    }
}

internal struct Cvttpd2dq : IFloatXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) => Cvtpd2dq.ToInt32s(b, true, m, ref r);
}

internal struct Cvtps2pd : IFloatXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r)
    {
        Vector128<uint> x = b.AsUInt32();
        ulong r0 = ScalarFloat.Convert<Binary64, Binary32>(x.GetElement(0), m, ref r);
        ulong r1 = ScalarFloat.Convert<Binary64, Binary32>(x.GetElement(1), m, ref r);
        return Vector128.Create(r0, r1).AsByte();
    }
}

internal struct Cvtpd2ps : IFloatXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r)
    {
        Vector128<ulong> x = b.AsUInt64();
        uint r0 = (uint)ScalarFloat.Convert<Binary32, Binary64>(x.GetElement(0), m, ref r);
        uint r1 = (uint)ScalarFloat.Convert<Binary32, Binary64>(x.GetElement(1), m, ref r);
        return Vector128.Create(r0, r1, 0, 0).AsByte();
    }
}

internal struct Cvtss2sd : IFloatXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) =>
        a.AsUInt64().WithElement(0, ScalarFloat.Convert<Binary64, Binary32>(b.AsUInt32().ToScalar(), m, ref r)).AsByte();
}

internal struct Cvtsd2ss : IFloatXmmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, uint m, ref uint r) =>
        a.AsUInt32().WithElement(0, (uint)ScalarFloat.Convert<Binary32, Binary64>(b.AsUInt64().ToScalar(), m, ref r)).AsByte();
}

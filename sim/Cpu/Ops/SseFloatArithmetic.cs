using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HvSim.Cpu.Ops;

// SSE/SSE2 floating-point arithmetic, compares and vector conversions, one struct per instruction
// for the generic handlers of SseOps. Each runs the host instruction of the same name (see
// SseFloatOps for the MXCSR assumptions). Scalar forms keep the destination's upper elements;
// min/max return the source operand when either is NaN or both are zero, as the hardware does.

internal struct Addps : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse.Add(d.AsSingle(), s.AsSingle()).AsByte(); }
internal struct Subps : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse.Subtract(d.AsSingle(), s.AsSingle()).AsByte(); }
internal struct Mulps : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse.Multiply(d.AsSingle(), s.AsSingle()).AsByte(); }
internal struct Divps : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse.Divide(d.AsSingle(), s.AsSingle()).AsByte(); }
internal struct Minps : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse.Min(d.AsSingle(), s.AsSingle()).AsByte(); }
internal struct Maxps : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse.Max(d.AsSingle(), s.AsSingle()).AsByte(); }
internal struct Sqrtps : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse.Sqrt(s.AsSingle()).AsByte(); }
internal struct Rcpps : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse.Reciprocal(s.AsSingle()).AsByte(); }
internal struct Rsqrtps : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse.ReciprocalSqrt(s.AsSingle()).AsByte(); }

internal struct Addpd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Add(d.AsDouble(), s.AsDouble()).AsByte(); }
internal struct Subpd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Subtract(d.AsDouble(), s.AsDouble()).AsByte(); }
internal struct Mulpd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Multiply(d.AsDouble(), s.AsDouble()).AsByte(); }
internal struct Divpd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Divide(d.AsDouble(), s.AsDouble()).AsByte(); }
internal struct Minpd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Min(d.AsDouble(), s.AsDouble()).AsByte(); }
internal struct Maxpd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Max(d.AsDouble(), s.AsDouble()).AsByte(); }
internal struct Sqrtpd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.Sqrt(s.AsDouble()).AsByte(); }

internal struct Addss : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse.AddScalar(d.AsSingle(), s.AsSingle()).AsByte(); }
internal struct Subss : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse.SubtractScalar(d.AsSingle(), s.AsSingle()).AsByte(); }
internal struct Mulss : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse.MultiplyScalar(d.AsSingle(), s.AsSingle()).AsByte(); }
internal struct Divss : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse.DivideScalar(d.AsSingle(), s.AsSingle()).AsByte(); }
internal struct Minss : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse.MinScalar(d.AsSingle(), s.AsSingle()).AsByte(); }
internal struct Maxss : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse.MaxScalar(d.AsSingle(), s.AsSingle()).AsByte(); }
internal struct Sqrtss : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse.SqrtScalar(d.AsSingle(), s.AsSingle()).AsByte(); }
internal struct Rcpss : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse.ReciprocalScalar(d.AsSingle(), s.AsSingle()).AsByte(); }
internal struct Rsqrtss : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse.ReciprocalSqrtScalar(d.AsSingle(), s.AsSingle()).AsByte(); }

internal struct Addsd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.AddScalar(d.AsDouble(), s.AsDouble()).AsByte(); }
internal struct Subsd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.SubtractScalar(d.AsDouble(), s.AsDouble()).AsByte(); }
internal struct Mulsd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.MultiplyScalar(d.AsDouble(), s.AsDouble()).AsByte(); }
internal struct Divsd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.DivideScalar(d.AsDouble(), s.AsDouble()).AsByte(); }
internal struct Minsd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.MinScalar(d.AsDouble(), s.AsDouble()).AsByte(); }
internal struct Maxsd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.MaxScalar(d.AsDouble(), s.AsDouble()).AsByte(); }
internal struct Sqrtsd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.SqrtScalar(d.AsDouble(), s.AsDouble()).AsByte(); }

// Conversions. Rounding ones (no "t") round to nearest-even: the host's MXCSR, not the guest's.
internal struct Cvtdq2ps : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.ConvertToVector128Single(s.AsInt32()).AsByte(); }
internal struct Cvtps2dq : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.ConvertToVector128Int32(s.AsSingle()).AsByte(); }
internal struct Cvttps2dq : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.ConvertToVector128Int32WithTruncation(s.AsSingle()).AsByte(); }
internal struct Cvtdq2pd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.ConvertToVector128Double(s.AsInt32()).AsByte(); }
internal struct Cvtpd2dq : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.ConvertToVector128Int32(s.AsDouble()).AsByte(); }
internal struct Cvttpd2dq : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.ConvertToVector128Int32WithTruncation(s.AsDouble()).AsByte(); }
internal struct Cvtps2pd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.ConvertToVector128Double(s.AsSingle()).AsByte(); }
internal struct Cvtpd2ps : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.ConvertToVector128Single(s.AsDouble()).AsByte(); }
internal struct Cvtss2sd : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.ConvertScalarToVector128Double(d.AsDouble(), s.AsSingle()).AsByte(); }
internal struct Cvtsd2ss : IXmmOp { public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s) => Sse2.ConvertScalarToVector128Single(d.AsSingle(), s.AsDouble()).AsByte(); }

/// <summary>cmpps predicates imm8[2:0]: eq, lt, le, unord, neq, nlt, nle, ord (legacy SSE ignores imm8[7:3]).</summary>
internal struct Cmpps : IXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, byte imm)
    {
        Vector128<float> a = d.AsSingle();
        Vector128<float> b = s.AsSingle();
        return (imm & 7) switch
        {
            0 => Sse.CompareEqual(a, b).AsByte(),
            1 => Sse.CompareLessThan(a, b).AsByte(),
            2 => Sse.CompareLessThanOrEqual(a, b).AsByte(),
            3 => Sse.CompareUnordered(a, b).AsByte(),
            4 => Sse.CompareNotEqual(a, b).AsByte(),
            5 => Sse.CompareNotLessThan(a, b).AsByte(),
            6 => Sse.CompareNotLessThanOrEqual(a, b).AsByte(),
            _ => Sse.CompareOrdered(a, b).AsByte(),
        };
    }
}

internal struct Cmppd : IXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, byte imm)
    {
        Vector128<double> a = d.AsDouble();
        Vector128<double> b = s.AsDouble();
        return (imm & 7) switch
        {
            0 => Sse2.CompareEqual(a, b).AsByte(),
            1 => Sse2.CompareLessThan(a, b).AsByte(),
            2 => Sse2.CompareLessThanOrEqual(a, b).AsByte(),
            3 => Sse2.CompareUnordered(a, b).AsByte(),
            4 => Sse2.CompareNotEqual(a, b).AsByte(),
            5 => Sse2.CompareNotLessThan(a, b).AsByte(),
            6 => Sse2.CompareNotLessThanOrEqual(a, b).AsByte(),
            _ => Sse2.CompareOrdered(a, b).AsByte(),
        };
    }
}

internal struct Cmpss : IXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, byte imm)
    {
        Vector128<float> a = d.AsSingle();
        Vector128<float> b = s.AsSingle();
        return (imm & 7) switch
        {
            0 => Sse.CompareScalarEqual(a, b).AsByte(),
            1 => Sse.CompareScalarLessThan(a, b).AsByte(),
            2 => Sse.CompareScalarLessThanOrEqual(a, b).AsByte(),
            3 => Sse.CompareScalarUnordered(a, b).AsByte(),
            4 => Sse.CompareScalarNotEqual(a, b).AsByte(),
            5 => Sse.CompareScalarNotLessThan(a, b).AsByte(),
            6 => Sse.CompareScalarNotLessThanOrEqual(a, b).AsByte(),
            _ => Sse.CompareScalarOrdered(a, b).AsByte(),
        };
    }
}

internal struct Cmpsd : IXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> d, Vector128<byte> s, byte imm)
    {
        Vector128<double> a = d.AsDouble();
        Vector128<double> b = s.AsDouble();
        return (imm & 7) switch
        {
            0 => Sse2.CompareScalarEqual(a, b).AsByte(),
            1 => Sse2.CompareScalarLessThan(a, b).AsByte(),
            2 => Sse2.CompareScalarLessThanOrEqual(a, b).AsByte(),
            3 => Sse2.CompareScalarUnordered(a, b).AsByte(),
            4 => Sse2.CompareScalarNotEqual(a, b).AsByte(),
            5 => Sse2.CompareScalarNotLessThan(a, b).AsByte(),
            6 => Sse2.CompareScalarNotLessThanOrEqual(a, b).AsByte(),
            _ => Sse2.CompareScalarOrdered(a, b).AsByte(),
        };
    }
}

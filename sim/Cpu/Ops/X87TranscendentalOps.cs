using HvSim.Cpu.X87;

namespace HvSim.Cpu.Ops;

/// <summary>
/// The x87 transcendental instructions (SDM Vol. 2A F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN, FCOS, FSINCOS,
/// FPTAN); the values come from <see cref="Float80Transcendental"/>. The trigonometric ones leave an
/// operand of magnitude 2^63 or more in place and set C2 (clearing it otherwise).
/// </summary>
internal static class X87TranscendentalOps
{
    public const byte Sine = 0, Cosine = 1;
    public const byte SineAndCosine = 0, TangentAndOne = 1;
    public const byte YLog2X = 0, YLog2XPlusOne = 1, Arctangent = 2;

    /// <summary>F2XM1: ST(0) = 2^ST(0) − 1.</summary>
    public static int TwoToXMinusOne(Cpu c, ref DecodedOp op)
    {
        if (!X87Support.Begin(c, ref op))
        {
            return Exec.ExitFault;
        }

        X87State s = c.X87;
        if (s.IsEmpty(0))
        {
            X87ArithmeticOps.Underflow(s, 0, pop: false);
            return Exec.Next;
        }

        X87ArithmeticOps.Deliver(s, 0, Float80Transcendental.TwoToXMinusOne(s.St(0), s.ControlWord), pop: false);
        return Exec.Next;
    }

    /// <summary>FYL2X, FYL2XP1 and FPATAN (by Sub): ST(1) = f(ST(0), ST(1)), then pop.</summary>
    public static int Binary(Cpu c, ref DecodedOp op)
    {
        if (!X87Support.Begin(c, ref op))
        {
            return Exec.ExitFault;
        }

        X87State s = c.X87;
        if (s.IsEmpty(0) || s.IsEmpty(1))
        {
            X87ArithmeticOps.Underflow(s, 1, pop: true);
            return Exec.Next;
        }

        Float80 x = s.St(0), y = s.St(1);
        X87Result result = op.Sub switch
        {
            YLog2X => Float80Transcendental.YLog2X(x, y, s.ControlWord),
            YLog2XPlusOne => Float80Transcendental.YLog2XPlusOne(x, y, s.ControlWord),
            _ => Float80Transcendental.PartialArctangent(x, y, s.ControlWord),
        };
        X87ArithmeticOps.Deliver(s, 1, result, pop: true);
        return Exec.Next;
    }

    /// <summary>FSIN and FCOS (by Sub): ST(0) = sin or cos ST(0).</summary>
    public static int SineOrCosine(Cpu c, ref DecodedOp op)
    {
        if (!X87Support.Begin(c, ref op))
        {
            return Exec.ExitFault;
        }

        X87State s = c.X87;
        if (s.IsEmpty(0))
        {
            X87ArithmeticOps.Underflow(s, 0, pop: false);
            SetC2(s, false);
            return Exec.Next;
        }

        if (!InRange(s))
        {
            return Exec.Next;
        }

        var (sin, cos) = Float80Transcendental.SineCosine(s.St(0), s.ControlWord);
        X87ArithmeticOps.Deliver(s, 0, op.Sub == Sine ? sin : cos, pop: false);
        return Exec.Next;
    }

    /// <summary>FPTAN (ST(0) = tan ST(0), then push 1.0) and FSINCOS (ST(0) = sin ST(0), then push its cosine).</summary>
    public static int TangentOrSineCosine(Cpu c, ref DecodedOp op)
    {
        if (!X87Support.Begin(c, ref op))
        {
            return Exec.ExitFault;
        }

        X87State s = c.X87;
        if (s.IsEmpty(0) || !s.IsEmpty(7))
        {
            // #IS (underflow on an empty ST(0), overflow when the push has no room); masked, both results are the indefinite.
            if (X87Support.StackFault(s, overflow: !s.IsEmpty(0)))
            {
                s.St(0) = Float80.Indefinite;
                s.SetValid(0);
                s.Push(Float80.Indefinite);
            }

            SetC2(s, false);
            return Exec.Next;
        }

        if (!InRange(s))
        {
            return Exec.Next;
        }

        X87Result first, pushed;
        if (op.Sub == SineAndCosine)
        {
            (first, pushed) = Float80Transcendental.SineCosine(s.St(0), s.ControlWord);
        }
        else
        {
            first = Float80Transcendental.Tangent(s.St(0), s.ControlWord);
            pushed = new X87Result(first.Value.IsNaN ? first.Value : Float80.One, X87Exceptions.None);
        }

        // Both results' flags are raised together; C1 reports the rounding of the value left in ST(1).
        if (X87Support.Signal(s, first.Exceptions | pushed.Exceptions, first.RoundedUp))
        {
            s.St(0) = first.Value;
            s.Push(pushed.Value);
        }

        return Exec.Next;
    }

    /// <summary>Sets C2 for an operand out of the trigonometric range (which then stays) and clears it otherwise.</summary>
    private static bool InRange(X87State s)
    {
        var inRange = Float80Transcendental.InTrigonometricRange(s.St(0));
        SetC2(s, !inRange);
        if (!inRange)
        {
            X87Support.ClearC1(s);
        }

        return inRange;
    }

    private static void SetC2(X87State s, bool set) =>
        s.Status = (ushort)(set ? s.Status | X87State.C2 : s.Status & ~X87State.C2);
}

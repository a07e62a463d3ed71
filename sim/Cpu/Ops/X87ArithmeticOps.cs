using HvSim.Cpu.X87;

namespace HvSim.Cpu.Ops;

/// <summary>
/// x87 arithmetic (SDM Vol. 2A FADD/FADDP/FIADD, FSUB, FSUBR, FMUL, FDIV, FDIVR, FSQRT, FRNDINT,
/// FSCALE, FXTRACT, FPREM, FPREM1). <see cref="DecodedOp.Sub"/> holds the operation
/// (<see cref="Add"/>...) and <see cref="PopAfter"/>; register forms compute ST(Dst) = ST(Dst) op ST(Src)
/// (reversed operands for the R forms); memory forms ST(0) = ST(0) op m, with m's format in Size.
/// </summary>
internal static class X87ArithmeticOps
{
    public const byte Add = 0, Multiply = 1, Subtract = 2, SubtractReversed = 3, Divide = 4, DivideReversed = 5;
    public const byte PopAfter = 0x10;

    public const byte SquareRoot = 0, RoundToIntegral = 1;

    public static int Register(Cpu c, ref DecodedOp op)
    {
        if (!X87Support.Begin(c, ref op))
        {
            return Exec.ExitFault;
        }

        X87State s = c.X87;
        if (s.IsEmpty(op.Dst) || s.IsEmpty(op.Src))
        {
            Underflow(s, op.Dst, (op.Sub & PopAfter) != 0);
            return Exec.Next;
        }

        X87Result result = Compute(op.Sub & 0xF, s.St(op.Dst), s.St(op.Src), s.ControlWord);
        Deliver(s, op.Dst, result, (op.Sub & PopAfter) != 0);
        return Exec.Next;
    }

    public static int Memory(Cpu c, ref DecodedOp op)
    {
        ulong address = c.Ea(ref op);
        if (!X87Support.Ready(c) || !X87Memory.LoadOperand(c, address, op.Size, out Float80 operand, out X87Exceptions denormal))
        {
            return Exec.ExitFault;
        }

        X87Support.RecordMemory(c, ref op, address);
        X87State s = c.X87;
        if (s.IsEmpty(0))
        {
            Underflow(s, 0, pop: false);
            return Exec.Next;
        }

        X87Result result = Compute(op.Sub & 0xF, s.St(0), operand, s.ControlWord);
        Deliver(s, 0, result with { Exceptions = result.Exceptions | (result.Value.IsNaN ? X87Exceptions.None : denormal) }, pop: false);
        return Exec.Next;
    }

    /// <summary>FSQRT (Sub 0) and FRNDINT (Sub 1) on ST(0).</summary>
    public static int Unary(Cpu c, ref DecodedOp op)
    {
        if (!X87Support.Begin(c, ref op))
        {
            return Exec.ExitFault;
        }

        X87State s = c.X87;
        if (s.IsEmpty(0))
        {
            Underflow(s, 0, pop: false);
            return Exec.Next;
        }

        X87Result result = op.Sub == SquareRoot
            ? Float80Arithmetic.SquareRoot(s.St(0), s.ControlWord)
            : Float80Integer.RoundToIntegral(s.St(0), s.ControlWord);
        Deliver(s, 0, result, pop: false);
        return Exec.Next;
    }

    /// <summary>FSCALE: ST(0) = ST(0) × 2^trunc(ST(1)).</summary>
    public static int Scale(Cpu c, ref DecodedOp op)
    {
        if (!X87Support.Begin(c, ref op))
        {
            return Exec.ExitFault;
        }

        X87State s = c.X87;
        if (s.IsEmpty(0) || s.IsEmpty(1))
        {
            Underflow(s, 0, pop: false);
            return Exec.Next;
        }

        Deliver(s, 0, Float80Scale.Scale(s.St(0), s.St(1), s.ControlWord), pop: false);
        return Exec.Next;
    }

    /// <summary>FPREM (Sub 0) and FPREM1 (Sub 1): ST(0) = partial remainder of ST(0) / ST(1); C2 = incomplete, C0 C3 C1 = Q2 Q1 Q0.</summary>
    public static int Remainder(Cpu c, ref DecodedOp op)
    {
        if (!X87Support.Begin(c, ref op))
        {
            return Exec.ExitFault;
        }

        X87State s = c.X87;
        if (s.IsEmpty(0) || s.IsEmpty(1))
        {
            // C2 reads "complete"; C0 and C3 are left (measured on the host).
            Underflow(s, 0, pop: false);
            s.Status = (ushort)(s.Status & ~X87State.C2);
            return Exec.Next;
        }

        PartialRemainder step = Float80Scale.Remainder(s.St(0), s.St(1), op.Sub == 1, s.ControlWord);
        X87Result result = step.Result;
        if (!X87Support.Signal(s, result.Exceptions, result.RoundedUp))
        {
            s.Status = (ushort)(s.Status & ~X87State.C2); // measured on the host: an unmasked IE clears C2 too
            return Exec.Next;
        }

        s.St(0) = result.Value;
        if (result.Value.IsNaN)
        {
            // A NaN result clears C2 and leaves C0 and C3 as they were (measured on the host).
            s.Status = (ushort)(s.Status & ~X87State.C2);
            return Exec.Next;
        }

        var codes = s.Status & ~(X87State.C0 | X87State.C1 | X87State.C2 | X87State.C3);
        {
            // An incomplete reduction reports no quotient bits (C0 = C3 = C1 = 0, measured on the host).
            var q = step.Complete ? step.QuotientBits : 0;
            codes |= step.Complete ? 0 : X87State.C2;
            codes |= (q & 4) != 0 ? X87State.C0 : 0;
            codes |= (q & 2) != 0 ? X87State.C3 : 0;
            codes |= (q & 1) != 0 ? X87State.C1 : 0;
        }

        s.Status = (ushort)codes;
        return Exec.Next;
    }

    /// <summary>
    /// FXTRACT: ST(0) becomes its unbiased exponent as a value and its significand (exponent 0, same sign) is
    /// pushed. Zero raises ZE with −∞ as the exponent; ∞ gives +∞; a NaN is copied to both (Vol. 2A FXTRACT).
    /// </summary>
    public static int Extract(Cpu c, ref DecodedOp op)
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
                s.Push(Float80.Indefinite);
            }

            return Exec.Next;
        }

        if (!s.IsEmpty(7))
        {
            if (X87Support.StackFault(s, overflow: true))
            {
                s.St(0) = Float80.Indefinite;
                s.Push(Float80.Indefinite);
            }

            return Exec.Next;
        }

        Float80 value = s.St(0);
        Float80 exponent, significand;
        X87Exceptions raised = X87Exceptions.None;
        if (Float80Operands.TryNaNResult(value, out X87Result nan))
        {
            (exponent, significand, raised) = (nan.Value, nan.Value, nan.Exceptions);
        }
        else if (value.IsZero)
        {
            (exponent, significand, raised) = (Float80.NegativeInfinity, value, X87Exceptions.ZeroDivide);
        }
        else if (value.IsInfinity)
        {
            (exponent, significand) = (Float80.PositiveInfinity, value);
        }
        else
        {
            raised = Float80Operands.DenormalFlag(value, value);
            var (e, m) = Float80Operands.Unpack(value);
            exponent = Float80Integer.FromInt64(e - Float80.ExponentBias);
            significand = new Float80(value.IsNegative, Float80.ExponentBias, m);
        }

        if (X87Support.Signal(s, raised))
        {
            s.St(0) = exponent;
            s.Push(significand);
        }

        return Exec.Next;
    }

    private static X87Result Compute(int operation, Float80 a, Float80 b, X87Control control) => operation switch
    {
        Add => Float80Arithmetic.Add(a, b, control),
        Multiply => Float80Arithmetic.Multiply(a, b, control),
        Subtract => Float80Arithmetic.Subtract(a, b, control),
        SubtractReversed => Float80Arithmetic.Subtract(b, a, control),
        Divide => Float80Arithmetic.Divide(a, b, control),
        _ => Float80Arithmetic.Divide(b, a, control),
    };

    /// <summary>Writes a result to ST(destination) (then pops) unless an unmasked exception stops the instruction.</summary>
    internal static void Deliver(X87State s, int destination, X87Result result, bool pop)
    {
        if (!X87Support.Signal(s, result.Exceptions, result.RoundedUp))
        {
            return;
        }

        s.St(destination) = result.Value;
        if (pop)
        {
            s.Pop();
        }
    }

    /// <summary>An operand register is empty: #IS; masked, the destination gets the indefinite (and the pop still happens).</summary>
    internal static void Underflow(X87State s, int destination, bool pop)
    {
        if (!X87Support.StackFault(s, overflow: false))
        {
            return;
        }

        s.St(destination) = Float80.Indefinite;
        s.SetValid(destination);
        if (pop)
        {
            s.Pop();
        }
    }
}

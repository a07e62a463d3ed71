using HvSim.Cpu.X87;

namespace HvSim.Cpu.Ops;

/// <summary>
/// x87 comparisons and classification (SDM Vol. 2A FCOM/FCOMP/FCOMPP, FUCOM*, FICOM*, FTST,
/// FCOMI/FCOMIP/FUCOMI/FUCOMIP, FXAM) and the conditional moves FCMOVcc. <see cref="DecodedOp.Sub"/>
/// holds <see cref="Unordered"/>, <see cref="AgainstZero"/> and the number of pops (bits 5:4).
/// </summary>
internal static class X87CompareOps
{
    public const byte Unordered = 1, AgainstZero = 2;
    public const int PopShift = 4;

    private const ushort Codes = X87State.C0 | X87State.C1 | X87State.C2 | X87State.C3;

    /// <summary>FCOM/FUCOM ST(0) with ST(Src), or with +0.0 for FTST; C3 C2 C0 report the relation.</summary>
    public static int Register(Cpu c, ref DecodedOp op)
    {
        if (!X87Support.Begin(c, ref op))
        {
            return Exec.ExitFault;
        }

        X87State s = c.X87;
        var againstZero = (op.Sub & AgainstZero) != 0;
        if (s.IsEmpty(0) || (!againstZero && s.IsEmpty(op.Src)))
        {
            UnderflowCodes(s, op.Sub >> PopShift);
            return Exec.Next;
        }

        Float80 other = againstZero ? Float80.PositiveZero : s.St(op.Src);
        SetCodes(s, Float80Compare.Compare(s.St(0), other, (op.Sub & Unordered) != 0), op.Sub >> PopShift);
        return Exec.Next;
    }

    /// <summary>FCOM/FCOMP m32fp/m64fp and FICOM/FICOMP m16int/m32int.</summary>
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
            UnderflowCodes(s, op.Sub >> PopShift);
            return Exec.Next;
        }

        X87Comparison comparison = Float80Compare.Compare(s.St(0), operand, (op.Sub & Unordered) != 0);
        if (comparison.Relation != X87Relation.Unordered)
        {
            comparison = comparison with { Exceptions = comparison.Exceptions | denormal };
        }

        SetCodes(s, comparison, op.Sub >> PopShift);
        return Exec.Next;
    }

    /// <summary>FCOMI/FUCOMI(P): the relation in ZF, PF and CF (OF, SF, AF cleared); C1 cleared.</summary>
    public static int ToFlags(Cpu c, ref DecodedOp op)
    {
        if (!X87Support.Begin(c, ref op))
        {
            return Exec.ExitFault;
        }

        X87State s = c.X87;
        var pops = op.Sub >> PopShift;
        if (s.IsEmpty(0) || s.IsEmpty(op.Src))
        {
            // The flags say "unordered" even when IE is unmasked (measured on the host).
            var masked = X87Support.StackFault(s, overflow: false);
            c.SetFlagBits(FlagBits.ZF | FlagBits.PF | FlagBits.CF);
            if (masked)
            {
                Pop(s, pops);
            }

            return Exec.Next;
        }

        // Without a stack fault C1 is left as it was (measured on the host).
        X87Comparison comparison = Float80Compare.Compare(s.St(0), s.St(op.Src), (op.Sub & Unordered) != 0);
        var keptC1 = s.Status & X87State.C1;
        var completes = X87Support.Signal(s, comparison.Exceptions);
        s.Status = (ushort)((s.Status & ~X87State.C1) | keptC1);
        c.SetFlagBits(comparison.Relation switch
        {
            X87Relation.Greater => 0,
            X87Relation.Less => FlagBits.CF,
            X87Relation.Equal => FlagBits.ZF,
            _ => FlagBits.ZF | FlagBits.PF | FlagBits.CF,
        });
        if (completes)
        {
            Pop(s, pops);
        }

        return Exec.Next;
    }

    /// <summary>
    /// FXAM: the class of ST(0) in C3 C2 C0 (Vol. 2A FXAM, Table 3-36) and its sign in C1; an empty
    /// register is classified too (C3 and C0), never a stack fault.
    /// </summary>
    public static int Examine(Cpu c, ref DecodedOp op)
    {
        if (!X87Support.Begin(c, ref op))
        {
            return Exec.ExitFault;
        }

        X87State s = c.X87;
        Float80 value = s.St(0);
        ushort codes;
        if (s.IsEmpty(0))
        {
            codes = X87State.C3 | X87State.C0;
        }
        else
        {
            codes = value.Class switch
            {
                Float80Class.QuietNaN or Float80Class.SignalingNaN => X87State.C0,
                Float80Class.Normal => X87State.C2,
                Float80Class.Infinity => X87State.C2 | X87State.C0,
                Float80Class.Zero => X87State.C3,
                Float80Class.Denormal or Float80Class.PseudoDenormal => X87State.C3 | X87State.C2,
                _ => 0,
            };
        }

        if (value.IsNegative)
        {
            codes |= X87State.C1;
        }

        s.Status = (ushort)((s.Status & ~Codes) | codes);
        return Exec.Next;
    }

    /// <summary>FCMOVcc ST(0), ST(i): copies when the condition (Sub, a Jcc condition number) holds.</summary>
    public static int ConditionalMove(Cpu c, ref DecodedOp op)
    {
        if (!X87Support.Begin(c, ref op))
        {
            return Exec.ExitFault;
        }

        X87State s = c.X87;
        if (s.IsEmpty(0) || s.IsEmpty(op.Src))
        {
            if (X87Support.StackFault(s, overflow: false))
            {
                s.St(0) = Float80.Indefinite;
                s.SetValid(0);
            }

            return Exec.Next;
        }

        // C1 is left alone (measured on the host), although the SDM lists it as cleared.
        if (c.Condition(op.Sub))
        {
            s.St(0) = s.St(op.Src);
        }

        return Exec.Next;
    }

    /// <summary>
    /// The relation goes to C3 C2 C0 (C1 cleared) even when an unmasked exception stops the instruction,
    /// which then does not pop (measured on the host for unmasked IE and DE).
    /// </summary>
    private static void SetCodes(X87State s, X87Comparison comparison, int pops)
    {
        var completes = X87Support.Signal(s, comparison.Exceptions);
        s.Status = (ushort)((s.Status & ~Codes) | comparison.ConditionCodes);
        if (completes)
        {
            Pop(s, pops);
        }
    }

    /// <summary>A compare with an empty operand: #IS and "unordered" (C3 C2 C0 set); the pops happen only when IE is masked.</summary>
    private static void UnderflowCodes(X87State s, int pops)
    {
        var masked = X87Support.StackFault(s, overflow: false);
        s.Status = (ushort)(s.Status | X87State.C0 | X87State.C2 | X87State.C3);
        if (masked)
        {
            Pop(s, pops);
        }
    }

    private static void Pop(X87State s, int pops)
    {
        for (var i = 0; i < pops; i++)
        {
            s.Pop();
        }
    }
}

using System.Runtime.CompilerServices;
using HvSim.Cpu.X87;

namespace HvSim.Cpu.Ops;

/// <summary>
/// What every x87 data instruction does around its operation: the pending-exception check of a
/// waiting instruction, the last-instruction pointers, stack faults, and raising exception flags
/// with their masked or unmasked consequences (SDM Vol. 1, 8.5 and 8.6).
/// </summary>
/// <remarks>
/// The translator packs into <see cref="DecodedOp.Imm"/> the FOP value (bits 10:0) and the memory
/// operand's segment selector (bits 31:16), which FNSAVE/FNSTENV report as FDS.
/// </remarks>
internal static class X87Support
{
    /// <summary>IE, DE and ZE: detected before the operation; unmasked, nothing is written (SDM Vol. 1, 8.5.1 to 8.5.3).</summary>
    private const ushort PreComputation = (ushort)(X87Exceptions.Invalid | X87Exceptions.Denormal | X87Exceptions.ZeroDivide);

    /// <summary>
    /// Starts a waiting, non-control x87 instruction: a pending unmasked exception raises #MF here
    /// (measured on the host: every such instruction, fnop, fxch and fldcw included, traps), otherwise
    /// FOP, FIP and FCS take this instruction's values (the AMD host updates them for register-only
    /// instructions too; FDP only for memory operands, <see cref="RecordMemory"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Begin(Cpu c, ref DecodedOp op)
    {
        if (!Ready(c))
        {
            return false;
        }

        X87State s = c.X87;
        s.Opcode = (ushort)(op.Imm & 0x7FF);
        s.InstructionPointer = op.Ip;
        s.CodeSelector = UserSelectors.Cs;
        return true;
    }

    /// <summary>The pending-exception check alone: memory forms access their operand before recording anything.</summary>
    public static bool Ready(Cpu c)
    {
        if (c.X87.Pending)
        {
            c.Raise(Vector.X87FloatingPoint);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Records FOP, FIP and FCS, and the memory operand's address as FDP and its selector as FDS, once
    /// the operand has been accessed: an instruction that faults on its operand changes no x87 state
    /// (which the write emulator relies on).
    /// </summary>
    public static void RecordMemory(Cpu c, ref DecodedOp op, ulong address)
    {
        X87State s = c.X87;
        s.Opcode = (ushort)(op.Imm & 0x7FF);
        s.InstructionPointer = op.Ip;
        s.CodeSelector = UserSelectors.Cs;
        s.DataPointer = address;
        s.DataSelector = (ushort)(op.Imm >> 16);
    }

    /// <summary>
    /// Raises <paramref name="raised"/>: sets the flags, C1 from the rounding direction when PE is
    /// among them (cleared otherwise), and ES and B when one is unmasked. An unmasked IE, DE or ZE
    /// stops the operation, which then reports only those (OE, UE and PE come after it). Returns
    /// whether the destination may be written.
    /// </summary>
    public static bool Signal(X87State s, X87Exceptions raised, bool roundedUp)
    {
        var flags = (ushort)raised;
        var unmasked = flags & ~s.Control & 0x3F;
        var stops = (unmasked & PreComputation) != 0;
        if (stops)
        {
            flags &= PreComputation;
        }

        var status = s.Status & ~X87State.C1;
        if (roundedUp && (flags & (ushort)X87Exceptions.Precision) != 0)
        {
            status |= X87State.C1;
        }

        status |= flags;
        if (unmasked != 0)
        {
            status |= X87State.ErrorSummary | X87State.Busy;
        }

        s.Status = (ushort)status;
        return !stops;
    }

    /// <summary>Signal for operations that cannot round (C1 cleared).</summary>
    public static bool Signal(X87State s, X87Exceptions raised) => Signal(s, raised, false);

    /// <summary>
    /// A stack fault (#IS, SDM Vol. 1, 8.5.1.1): IE and SF set, C1 = 1 for overflow, 0 for underflow.
    /// Returns true when IE is masked, so the caller delivers the masked response (the real
    /// indefinite); false when unmasked, and then nothing else changes (TOP and registers stay).
    /// </summary>
    public static bool StackFault(X87State s, bool overflow)
    {
        var status = (s.Status & ~X87State.C1) | (ushort)X87Exceptions.Invalid | X87State.StackFault;
        if (overflow)
        {
            status |= X87State.C1;
        }

        var masked = (s.Control & (ushort)X87Exceptions.Invalid) != 0;
        if (!masked)
        {
            status |= X87State.ErrorSummary | X87State.Busy;
        }

        s.Status = (ushort)status;
        return masked;
    }

    /// <summary>
    /// #IS for an instruction that replaces ST(0) and pushes a second result (FXTRACT, FPTAN, FSINCOS):
    /// underflow when ST(0) is empty, overflow when the push has no room. Masked, both results are the
    /// real indefinite.
    /// </summary>
    public static void TwoResultStackFault(X87State s, bool overflow)
    {
        if (StackFault(s, overflow))
        {
            s.St(0) = Float80.Indefinite;
            s.SetValid(0);
            s.Push(Float80.Indefinite);
        }
    }

    /// <summary>True when a push can proceed; otherwise the overflow has been signalled (and, masked, the indefinite pushed).</summary>
    public static bool CanPush(X87State s)
    {
        if (s.IsEmpty(7))
        {
            return true;
        }

        if (StackFault(s, overflow: true))
        {
            s.Push(Float80.Indefinite);
        }

        return false;
    }

    /// <summary>Clears C1, as instructions that report only stack faults in it do when none occurs.</summary>
    public static void ClearC1(X87State s) => s.Status = (ushort)(s.Status & ~X87State.C1);
}

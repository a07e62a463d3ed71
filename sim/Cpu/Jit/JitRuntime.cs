using System.Runtime.CompilerServices;
using HvSim.Cpu.Decode;
using HvSim.Mmu;

namespace HvSim.Cpu.Jit;

/// <summary>
/// What compiled blocks call, always with constant size, flag kind and condition arguments: the
/// .NET JIT inlines these into the block's method and folds the switches away, so the IL stays
/// small and the semantics have one readable home, written as the interpreter's.
/// </summary>
internal static unsafe class JitRuntime
{
    /// <summary>
    /// Host pointer for a user read of <paramref name="size"/> bytes at <paramref name="va"/>,
    /// or null when the interpreter's path must serve it: the same predicate as
    /// <see cref="Cpu.Read"/> (a TLB fast-path hit that does not cross the page).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* ReadPointer(Tlb tlb, ulong va, int size)
    {
        // The page-crossing test first, and none for a byte (size is a constant here): the JIT
        // then branches once on the tag instead of materialising a null to test again.
        if (size > 1 && (va & 0xFFF) > (ulong)(4096 - size))
        {
            return null;
        }
        return tlb.FastRead(va);
    }

    /// <summary>
    /// The same for a write (and the read half of a read-modify-write, as <see cref="Cpu.RmwRead"/>):
    /// through <see cref="Tlb.FastWrite"/> only, so whatever withdraws fast writes (decoded code,
    /// clean pages, audits) sends the compiled store to the interpreter's path too.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* WritePointer(Tlb tlb, ulong va, int size)
    {
        if (size > 1 && (va & 0xFFF) > (ulong)(4096 - size))
        {
            return null;
        }
        return tlb.FastWrite(va);
    }

    /// <summary>The interpreter's load and store, for compiled code to call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Load(byte* p, int size) => Cpu.Load(p, size);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* p, int size, ulong value) => Cpu.Store(p, size, value);

    /// <summary>
    /// The block the run loop's <c>FindBlock</c> would return for <paramref name="ip"/> without
    /// touching the MMU or the decoder, or null when it would have to: the instruction fetch hits
    /// the TLB's fast path (a miss would walk, and the walk is observable) and the frame's
    /// decoded code holds a block starting there. Reads only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Block? Cached(Cpu c, ulong ip)
    {
        PhysicalFrame? frame = c._tlb.FastExecFrame(ip >> 12);
        return frame?.DecodedCode is FrameCode code && code.ByOffset[ip & 0xFFF] is { } block && block.StartIp == ip ? block : null;
    }

    /// <summary>
    /// Whether the run loop, fetching at <paramref name="block"/>'s start now, would find that
    /// very block (see <see cref="Cached"/>): an edge of a compiled region goes on into it only then.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Refetches(Cpu c, Block block)
    {
        PhysicalFrame? frame = c._tlb.FastExecFrame(block.StartIp >> 12);
        return frame?.DecodedCode is FrameCode code && ReferenceEquals(code.ByOffset[block.StartIp & 0xFFF], block);
    }

    /// <summary>CF of a lazy flag state (as <see cref="Cpu.CF"/> computes it for the same fields).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Carry(int kind, ulong dst, ulong src, ulong res, ulong aux)
    {
        switch ((FlagOp)kind)
        {
            case FlagOp.Add: return res < dst;
            case FlagOp.Sub: return dst < src;
            case FlagOp.Logic: return false;
            case FlagOp.Inc:
            case FlagOp.Dec: return aux != 0;
            default: return dst != 0; // Neg (the compiler never holds Adc, Sbb or Materialized in locals)
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Overflow(int kind, int shift, ulong dst, ulong src, ulong res)
    {
        switch ((FlagOp)kind)
        {
            case FlagOp.Add: return ((((dst ^ res) & (src ^ res)) >> shift) & 1) != 0;
            case FlagOp.Sub: return ((((dst ^ src) & (dst ^ res)) >> shift) & 1) != 0;
            case FlagOp.Logic: return false;
            case FlagOp.Dec: return res == (1UL << shift) - 1;
            default: return res == 1UL << shift; // Inc, Neg
        }
    }

    /// <summary>
    /// Condition code <paramref name="cc"/> (as <see cref="Cpu.Condition"/>) of a lazy flag state
    /// held in the block's locals. After a subtraction (cmp) the unsigned and signed orders are
    /// the comparisons themselves (SDM Vol. 1, B.1: "below" is CF, "less" is SF != OF).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Condition(int kind, int shift, ulong dst, ulong src, ulong res, ulong aux, int cc)
    {
        bool result;
        if ((FlagOp)kind == FlagOp.Sub && (cc >> 1) is 1 or 3 or 6 or 7)
        {
            long a = Extend(dst, shift);
            long b = Extend(src, shift);
            result = (cc >> 1) switch
            {
                1 => dst < src,
                3 => dst <= src,
                6 => a < b,
                _ => a <= b,
            };
            return result ^ ((cc & 1) != 0);
        }
        bool sign = ((res >> shift) & 1) != 0;
        result = (cc >> 1) switch
        {
            0 => Overflow(kind, shift, dst, src, res),
            1 => Carry(kind, dst, src, res, aux),
            2 => res == 0,
            3 => res == 0 || Carry(kind, dst, src, res, aux),
            4 => sign,
            5 => Cpu.Parity(res),
            6 => sign != Overflow(kind, shift, dst, src, res),
            _ => res == 0 || (sign != Overflow(kind, shift, dst, src, res)),
        };
        return result ^ ((cc & 1) != 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Extend(ulong value, int shift) => shift switch
    {
        7 => (sbyte)value,
        15 => (short)value,
        31 => (int)value,
        _ => (long)value,
    };
}

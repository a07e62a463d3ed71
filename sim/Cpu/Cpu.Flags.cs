using System.Numerics;
using System.Runtime.CompilerServices;

namespace HvSim.Cpu;

public sealed unsafe partial class Cpu
{
    // Lazy status flags: see FlagOp. Results and operands are stored masked to the operand size.
    internal FlagOp _flagOp;
    internal byte _flagSignShift;   // operand bits - 1
    internal ulong _flagRes;
    internal ulong _flagDst;
    internal ulong _flagSrc;
    internal ulong _flagAux;        // carry-in (adc/sbb) or preserved CF (inc/dec), 0 or 1
    internal ulong _flagBits;       // status flags when _flagOp == Materialized

    /// <summary>Direction flag (string ops go down when set).</summary>
    public bool DF { get; set; }

    /// <summary>AC and ID as user code last wrote them (no effect here; kept for pushf/popf).</summary>
    internal ulong _otherFlags;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SetFlags(FlagOp op, int size, ulong dst, ulong src, ulong res)
    {
        _flagOp = op;
        _flagSignShift = (byte)((size * 8) - 1);
        _flagDst = dst;
        _flagSrc = src;
        _flagRes = res;
    }

    /// <summary>Stores all six status flags at once (for instructions too irregular to be lazy).</summary>
    internal void SetFlagBits(ulong statusBits)
    {
        _flagOp = FlagOp.Materialized;
        _flagBits = statusBits & FlagBits.Status;
    }

    public bool CF
    {
        get
        {
            switch (_flagOp)
            {
                case FlagOp.Materialized: return (_flagBits & FlagBits.CF) != 0;
                case FlagOp.Add: return _flagRes < _flagDst;
                case FlagOp.Adc: return _flagAux != 0 ? _flagRes <= _flagDst : _flagRes < _flagDst;
                case FlagOp.Sub: return _flagDst < _flagSrc;
                case FlagOp.Sbb: return _flagAux != 0 ? _flagDst <= _flagSrc : _flagDst < _flagSrc;
                case FlagOp.Logic: return false;
                case FlagOp.Inc:
                case FlagOp.Dec: return _flagAux != 0;
                default: return _flagDst != 0; // Neg
            }
        }
    }

    public bool ZF
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _flagOp == FlagOp.Materialized ? (_flagBits & FlagBits.ZF) != 0 : _flagRes == 0;
    }

    public bool SF
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _flagOp == FlagOp.Materialized ? (_flagBits & FlagBits.SF) != 0 : ((_flagRes >> _flagSignShift) & 1) != 0;
    }

    public bool PF
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _flagOp == FlagOp.Materialized ? (_flagBits & FlagBits.PF) != 0 : (BitOperations.PopCount(_flagRes & 0xFF) & 1) == 0;
    }

    public bool AF => _flagOp switch
    {
        FlagOp.Materialized => (_flagBits & FlagBits.AF) != 0,
        FlagOp.Logic => false,
        FlagOp.Inc => (_flagRes & 0xF) == 0,
        FlagOp.Dec => (_flagRes & 0xF) == 0xF,
        FlagOp.Neg => ((_flagDst ^ _flagRes) & 0x10) != 0,
        _ => ((_flagDst ^ _flagSrc ^ _flagRes) & 0x10) != 0,
    };

    public bool OF => _flagOp switch
    {
        FlagOp.Materialized => (_flagBits & FlagBits.OF) != 0,
        FlagOp.Add or FlagOp.Adc => ((((_flagDst ^ _flagRes) & (_flagSrc ^ _flagRes)) >> _flagSignShift) & 1) != 0,
        FlagOp.Sub or FlagOp.Sbb => ((((_flagDst ^ _flagSrc) & (_flagDst ^ _flagRes)) >> _flagSignShift) & 1) != 0,
        FlagOp.Logic => false,
        FlagOp.Inc => _flagRes == 1UL << _flagSignShift,
        FlagOp.Dec => _flagRes == (1UL << _flagSignShift) - 1,
        _ => _flagRes == 1UL << _flagSignShift, // Neg of the most negative value
    };

    /// <summary>The six status flags as RFLAGS bits.</summary>
    public ulong StatusFlags
    {
        get
        {
            if (_flagOp == FlagOp.Materialized)
            {
                return _flagBits;
            }
            ulong bits = 0;
            if (CF) { bits |= FlagBits.CF; }
            if (PF) { bits |= FlagBits.PF; }
            if (AF) { bits |= FlagBits.AF; }
            if (ZF) { bits |= FlagBits.ZF; }
            if (SF) { bits |= FlagBits.SF; }
            if (OF) { bits |= FlagBits.OF; }
            return bits;
        }
    }

    /// <summary>RFLAGS as user code sees it (pushf): bit 1 and IF are always set.</summary>
    public ulong Rflags
    {
        get => StatusFlags | FlagBits.Reserved1 | FlagBits.IF | (DF ? FlagBits.DF : 0) | _otherFlags;
        set
        {
            SetFlagBits(value);
            DF = (value & FlagBits.DF) != 0;
            _otherFlags = value & (FlagBits.AC | FlagBits.ID);
        }
    }

    /// <summary>Evaluates condition code 0..15 (the low nibble of jcc/setcc/cmovcc opcodes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Condition(int cc)
    {
        bool result = (cc >> 1) switch
        {
            0 => OF,
            1 => CF,
            2 => ZF,
            3 => CF || ZF,
            4 => SF,
            5 => PF,
            6 => SF != OF,
            _ => ZF || (SF != OF),
        };
        return result ^ ((cc & 1) != 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Parity(ulong value) => (BitOperations.PopCount(value & 0xFF) & 1) == 0;

    /// <summary>ZF, SF and PF of a result, as bits (for instructions that materialize their flags).</summary>
    internal static ulong ZspBits(ulong result, int size)
    {
        ulong bits = 0;
        ulong masked = Mask(result, size);
        if (masked == 0) { bits |= FlagBits.ZF; }
        if (((masked >> ((size * 8) - 1)) & 1) != 0) { bits |= FlagBits.SF; }
        if (Parity(masked)) { bits |= FlagBits.PF; }
        return bits;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Mask(ulong value, int size) => size == 8 ? value : value & ((1UL << (size * 8)) - 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong SignBit(int size) => 1UL << ((size * 8) - 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long SignExtend(ulong value, int size) => size switch
    {
        1 => (sbyte)value,
        2 => (short)value,
        4 => (int)value,
        _ => (long)value,
    };
}

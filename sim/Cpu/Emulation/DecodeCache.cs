using Iced.Intel;

namespace HvSim.Cpu.Emulation;

/// <summary>
/// The instructions an emulation engine decoded lately, keyed by address and checked against the
/// bytes fetched now: a faulting store is usually the same instruction again (a tree insert under
/// Emul emulates one store millions of times), and decoding and translating it each time cost
/// more than its emulation. A hit needs the same RIP and the same instruction bytes, so
/// self-modifying code or a remapped page decodes afresh. Four-way set-associative (a tree insert
/// alternates between a few stores, which a direct-mapped table let evict each other when the
/// code's layout put them in one slot), per engine (one thread).
/// </summary>
internal sealed class DecodeCache
{
    private const int Sets = 64, Ways = 4;

    private readonly Entry[] _entries = new Entry[Sets * Ways];
    private readonly byte[] _next = new byte[Sets];

    private struct Entry
    {
        public bool Valid;
        public ulong Rip;
        public int Length;
        public Bytes16 Code;
        public Instruction Instruction;
        public DecodedOp Op;
    }

    [System.Runtime.CompilerServices.InlineArray(16)]
    private struct Bytes16
    {
        private byte _first;
    }

    /// <summary>The cached decoding of the instruction at <paramref name="rip"/> whose bytes begin <paramref name="fetched"/>.</summary>
    public bool TryGet(ulong rip, ReadOnlySpan<byte> fetched, out Instruction instruction, out DecodedOp op)
    {
        int set = Set(rip) * Ways;
        for (int way = 0; way < Ways; way++)
        {
            ref Entry entry = ref _entries[set + way];
            if (entry.Valid && entry.Rip == rip && fetched.Length >= entry.Length
                && fetched[..entry.Length].SequenceEqual(((ReadOnlySpan<byte>)entry.Code)[..entry.Length]))
            {
                instruction = entry.Instruction;
                op = entry.Op;
                return true;
            }
        }
        instruction = default;
        op = default;
        return false;
    }

    public void Add(ulong rip, ReadOnlySpan<byte> fetched, in Instruction instruction, in DecodedOp op)
    {
        int length = instruction.Length;
        if (length <= 0 || length > 16 || fetched.Length < length)
        {
            return;
        }
        int set = Set(rip);
        int way = _next[set];
        _next[set] = (byte)((way + 1) % Ways); // round robin: the oldest entry of the set goes
        ref Entry entry = ref _entries[(set * Ways) + way];
        entry.Valid = true;
        entry.Rip = rip;
        entry.Length = length;
        fetched[..length].CopyTo(entry.Code);
        entry.Instruction = instruction;
        entry.Op = op;
    }

    private static int Set(ulong rip) => (int)((rip ^ (rip >> 6) ^ (rip >> 12)) & (Sets - 1));
}

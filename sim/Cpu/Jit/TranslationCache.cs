using System.Collections.Concurrent;
using HvSim.Cpu.Decode;

namespace HvSim.Cpu.Jit;

/// <summary>
/// Compiled blocks shared by every CPU of the process. A translation is a pure function of the
/// block's start, end and decoded ops (their handlers, operands and addresses as constants; the
/// machine's state — registers, TLB, the block the run loop holds — is read at run time through
/// the <see cref="Cpu"/> argument), so two machines running the same guest code can run the same
/// compiled method. `hvsim reproduce` runs 330 machines on the same few guests in one process:
/// without this, each one compiled its own copies of the same hot blocks, and the .NET JIT took a
/// third of the host time of `reproduce --quick` (issue 15). A hit changes nothing a guest or the
/// ledger sees: a block is still compiled at the same heat, and its code is the same.
/// </summary>
/// <remarks>
/// Whatever the compiler bakes into a translation must come from the key: a translation that
/// referred to one machine's objects (a delegate bound to a block of its own) could not be shared.
/// </remarks>
internal static class TranslationCache
{
    /// <summary>Distinct blocks kept at most; beyond it blocks are compiled without being kept (a test run of many random programs stays bounded).</summary>
    public const int Capacity = 1 << 15;

    private static readonly ConcurrentDictionary<BlockKey, CompiledBlock?> s_compiled = new();

    /// <summary>The translation of <paramref name="block"/>: the one compiled before for the same code, or a new one (null when the compiler declines it).</summary>
    public static CompiledBlock? GetOrCompile(Block block)
    {
        var key = new BlockKey(block);
        if (s_compiled.TryGetValue(key, out CompiledBlock? compiled))
        {
            return compiled;
        }
        compiled = BlockCompiler.TryCompile(block);
        if (s_compiled.Count < Capacity)
        {
            // Two machines may compile the same block at once: either translation serves both.
            s_compiled.TryAdd(key.Own(), compiled);
        }
        return compiled;
    }

    /// <summary>A block's identity for translation: its bounds and every field of every op.</summary>
    private readonly struct BlockKey : IEquatable<BlockKey>
    {
        private readonly ulong _start, _end;
        private readonly DecodedOp[] _ops;
        private readonly int _hash;

        public BlockKey(Block block)
            : this(block.StartIp, block.EndIp, block.Ops)
        {
        }

        private BlockKey(ulong start, ulong end, DecodedOp[] ops)
        {
            _start = start;
            _end = end;
            _ops = ops;
            var hash = new HashCode();
            hash.Add(start);
            hash.Add(end);
            foreach (ref readonly DecodedOp op in ops.AsSpan())
            {
                hash.Add(Hash(op));
            }
            _hash = hash.ToHashCode();
        }

        /// <summary>The key with its own copy of the ops (the block's array belongs to its machine, and a self-modifying guest may change it).</summary>
        public BlockKey Own() => new(_start, _end, (DecodedOp[])_ops.Clone());

        public bool Equals(BlockKey other)
        {
            if (_hash != other._hash || _start != other._start || _end != other._end || _ops.Length != other._ops.Length)
            {
                return false;
            }
            for (int i = 0; i < _ops.Length; i++)
            {
                if (!Same(_ops[i], other._ops[i]))
                {
                    return false;
                }
            }
            return true;
        }

        public override bool Equals(object? obj) => obj is BlockKey other && Equals(other);

        public override int GetHashCode() => _hash;

        // Field by field (never the struct's bytes: padding is not part of the op). Two pointers to one
        // handler that differ only cost a miss.
        private static unsafe bool Same(in DecodedOp a, in DecodedOp b) =>
            (nint)a.Handler == (nint)b.Handler && a.Ip == b.Ip && a.Imm == b.Imm && a.Disp == b.Disp
            && a.Len == b.Len && a.Size == b.Size && a.Dst == b.Dst && a.Src == b.Src && a.Base == b.Base
            && a.Index == b.Index && a.Scale == b.Scale && a.Seg == b.Seg && a.Sub == b.Sub && a.Flags == b.Flags && a.Slot == b.Slot;

        private static unsafe int Hash(in DecodedOp op) =>
            HashCode.Combine((nint)op.Handler, op.Ip, op.Imm, op.Disp,
                op.Len | (op.Size << 8) | (op.Dst << 16) | (op.Src << 24),
                op.Base | (op.Index << 8) | (op.Scale << 16) | (op.Seg << 24),
                op.Sub | (op.Flags << 8) | (op.Slot << 16));
    }
}

using System.Collections.Concurrent;
using System.Reflection.Emit;
using HvSim.Cpu.Decode;

namespace HvSim.Cpu.Jit;

/// <summary>
/// Translated regions shared by every CPU of the process. A region's IL is a pure function of its
/// blocks' starts, ends and decoded ops, in order (their handlers, operands and addresses become
/// constants; the machine's state — registers, TLB, the block the run loop holds — is read at run
/// time through the <see cref="Cpu"/> argument, and the machine's own <see cref="Block"/> objects
/// through the delegate's target, which each machine binds itself). `hvsim reproduce` runs 330
/// machines on the same few guests in one process: without this each one compiled its own copies
/// of the same hot code, and the .NET JIT took a third of the host time of `reproduce --quick`
/// (issue 15). A hit changes nothing a guest or the ledger sees: a region is still formed at the
/// same heat from the same blocks, and its code is the same.
/// </summary>
/// <remarks>
/// What is shared is the <see cref="DynamicMethod"/>, never a delegate: a delegate is closed over
/// one machine's blocks (<see cref="BlockCompiler.TryCompile"/>), and sharing it would run another
/// machine's blocks. The .NET JIT compiles a shared method once, at its first call by any machine.
/// </remarks>
internal static class TranslationCache
{
    /// <summary>Distinct regions kept at most; beyond it regions are compiled without being kept (a test run of many random programs stays bounded).</summary>
    public const int Capacity = 1 << 15;

    private static readonly ConcurrentDictionary<RegionKey, DynamicMethod> s_methods = new();

    /// <summary>The method for <paramref name="region"/>: the one emitted before for the same code, or a new one from <paramref name="emit"/>.</summary>
    public static DynamicMethod GetOrEmit(Block[] region, Func<Block[], DynamicMethod> emit)
    {
        var key = new RegionKey(region);
        if (s_methods.TryGetValue(key, out DynamicMethod? method))
        {
            return method;
        }
        method = emit(region);
        if (s_methods.Count < Capacity)
        {
            // Two machines may emit the same region at once: either method serves both.
            return s_methods.GetOrAdd(key.Own(), method);
        }
        return method;
    }

    /// <summary>A region's identity for translation: its blocks' keys, in order.</summary>
    private readonly struct RegionKey : IEquatable<RegionKey>
    {
        private readonly BlockKey[] _blocks;
        private readonly int _hash;

        public RegionKey(Block[] region)
            : this(Array.ConvertAll(region, b => new BlockKey(b)))
        {
        }

        private RegionKey(BlockKey[] blocks)
        {
            _blocks = blocks;
            var hash = new HashCode();
            foreach (BlockKey block in blocks)
            {
                hash.Add(block.GetHashCode());
            }
            _hash = hash.ToHashCode();
        }

        /// <summary>The key with its own copies of the ops (a block's array belongs to its machine, and a self-modifying guest may change it).</summary>
        public RegionKey Own() => new(Array.ConvertAll(_blocks, b => b.Own()));

        public bool Equals(RegionKey other)
        {
            if (_hash != other._hash || _blocks.Length != other._blocks.Length)
            {
                return false;
            }
            for (int i = 0; i < _blocks.Length; i++)
            {
                if (!_blocks[i].Equals(other._blocks[i]))
                {
                    return false;
                }
            }
            return true;
        }

        public override bool Equals(object? obj) => obj is RegionKey other && Equals(other);

        public override int GetHashCode() => _hash;
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

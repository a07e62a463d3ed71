using HvSim.Cpu.Decode;

namespace HvSim.Cpu.Jit;

/// <summary>
/// Which blocks a hot block is compiled together with: those the block cache holds now that
/// it reaches through direct transfers (a jcc's two ways, jmp, call and the address after it,
/// where a ret most likely returns, the fallthrough of a block cut by the page end or the
/// length cap), breadth first, so a loop spanning several blocks, or a call to a small
/// function, runs inside one method without the run loop between its blocks.
/// </summary>
/// <remarks>
/// Only blocks already decoded are taken (they have run at least once); what is reached later
/// is left to the run loop, and compiled as a region of its own once it is hot. The caps keep
/// a method's IL, and its compile time, bounded.
/// </remarks>
internal static class Region
{
    /// <summary>At most this many blocks in one region.</summary>
    public const int MaxBlocks = 4;

    /// <summary>At most this many guest instructions in one region.</summary>
    public const int MaxOps = 48;

    /// <summary>
    /// The blocks of <paramref name="entry"/>'s region: those reached that have run warm
    /// (<paramref name="warm"/> interpreted runs, or compiled or found uncompilable once hot),
    /// so that paths taken once, such as a loop's setup or error exits, do not cost compile time.
    /// </summary>
    public static Block[] Select(Cpu cpu, Block entry, int warm)
    {
        var region = new List<Block> { entry };
        int ops = entry.Ops.Length;
        for (int j = 0; j < region.Count; j++)
        {
            foreach (ulong target in Successors(region[j]))
            {
                if (region.Count == MaxBlocks)
                {
                    return [.. region];
                }
                if (region.Exists(b => b.StartIp == target)
                    || JitRuntime.Cached(cpu, target) is not { } next
                    || (next.Heat >= 0 && next.Heat < warm && next.Compiled is null)
                    || ops + next.Ops.Length > MaxOps)
                {
                    continue;
                }
                region.Add(next);
                ops += next.Ops.Length;
            }
        }
        return [.. region];
    }

    /// <summary>The addresses a block continues at that are known when it is compiled.</summary>
    private static IEnumerable<ulong> Successors(Block block)
    {
        switch (OpShapes.Of(block.Ops[^1]))
        {
            case OpShape.Jcc:
                yield return block.Ops[^1].Imm;
                yield return block.Ops[^1].NextIp;
                break;
            case OpShape.Jmp:
                yield return block.Ops[^1].Imm;
                break;
            case OpShape.Call:
                // The callee, and where its ret most likely comes back to.
                yield return block.Ops[^1].Imm;
                yield return block.Ops[^1].NextIp;
                break;
            case OpShape.JmpR:
            case OpShape.Ret:
                break;
            default:
                yield return block.EndIp;
                break;
        }
    }
}

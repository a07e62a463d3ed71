using HvSim.Cpu.Decode;

namespace HvSim.Cpu.Jit;

/// <summary>
/// A translated region (<see cref="BlockCompiler"/>) on its way to its blocks: the .NET JIT
/// compiles its method at the first call, which <see cref="Prepare"/> can make on another
/// thread, and <see cref="Install"/> gives the method to the region's blocks.
/// </summary>
/// <remarks>
/// When a block starts running compiled changes nothing a guest or the ledger can observe
/// (compiled and interpreted runs are identical), so installing from another thread at any
/// moment is safe; the run loop reads <see cref="Block.Compiled"/> with acquire semantics, after
/// the entry index it goes with was written.
/// </remarks>
internal sealed class CompiledRegion(Block[] blocks, CompiledBlock method)
{
    private static readonly Lock s_install = new();

    public Block[] Blocks { get; } = blocks;

    /// <summary>Marks the region's blocks so that none starts a translation of its own while this one is on its way.</summary>
    public void MarkPending()
    {
        foreach (Block block in Blocks)
        {
            if (block.Compiled is null)
            {
                block.Heat = int.MinValue;
            }
        }
    }

    /// <summary>Gets the method compiled by the .NET JIT (a call that returns at once).</summary>
    public void Prepare() => method(null!, -1, 0, out _);

    /// <summary>Gives the method to every block of the region not compiled yet (each with its entry index); returns how many.</summary>
    public int Install()
    {
        int given = 0;
        lock (s_install)
        {
            for (int k = 0; k < Blocks.Length; k++)
            {
                Block block = Blocks[k];
                if (block.Compiled is null)
                {
                    block.CompiledEntry = k;
                    Volatile.Write(ref block.Compiled, method);
                    given++;
                }
            }
        }
        return given;
    }
}

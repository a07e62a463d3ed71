using Iced.Intel;

namespace HvSim.Cpu.Decode;

/// <summary>
/// A run of decoded instructions from one page, entered only at its first instruction and left
/// by its last (a branch, a system instruction, the end of the page, or a length cap).
/// </summary>
public sealed class Block
{
    public Block(ulong startIp, DecodedOp[] ops, Instruction[] raw, ulong endIp)
    {
        StartIp = startIp;
        Ops = ops;
        Raw = raw;
        EndIp = endIp;
    }

    /// <summary>Virtual address of the first instruction (blocks are keyed by frame and checked against this).</summary>
    public ulong StartIp { get; internal set; }

    /// <summary>Where execution continues when the last op falls through.</summary>
    public ulong EndIp { get; internal set; }

    public DecodedOp[] Ops { get; }

    /// <summary>Iced's instructions behind the ops, for the rare handlers that need all details, and for disassembly.</summary>
    public Instruction[] Raw { get; }

    /// <summary>The block translated to IL (sim/Cpu/Jit), once it has run often enough; dropped with the block.</summary>
    internal Jit.CompiledBlock? Compiled;

    /// <summary>This block's index in the region <see cref="Compiled"/> was compiled for (where that method starts it).</summary>
    internal int CompiledEntry;

    /// <summary>Interpreted runs so far, counting towards compilation (negative: never compile it).</summary>
    internal int Heat;
}

using Iced.Intel;

namespace HvSim.Cpu;

public sealed partial class Cpu
{
    /// <summary>
    /// The instructions of the block the CPU ran last (empty before the first). RIP stays at a
    /// block's start while its ops run, so a write audit that notes a store on the slow path learns
    /// the block from here and the storing instruction among its stores, with no work per
    /// instruction.
    /// </summary>
    public IReadOnlyList<Instruction> LastBlockInstructions => _block is null ? [] : _block.Raw;
}

using HvSim.Cpu.Decode;
using HvSim.Cpu.Jit;
using HvSim.Mmu;

namespace HvSim.Cpu;

public sealed unsafe partial class Cpu
{
    private readonly BlockDecoder _decoder = new();

    /// <summary>The block being run (handlers that need Iced's full instruction read it from here).</summary>
    internal Block? _block;

    /// <summary>Blocks decoded so far (a measure of decode-cache effectiveness).</summary>
    public long BlocksDecoded => _decoder.BlocksDecoded;

    /// <summary>
    /// Runs until something needs the owner, or until <paramref name="maxInstructions"/> more
    /// instructions have retired. The interpreter's main loop: find the block at RIP, run its ops.
    /// </summary>
    public ExitReason Run(long maxInstructions)
    {
        long limit = InstructionsRetired + maxInstructions;
        while (InstructionsRetired < limit)
        {
            Block? block = FindBlock(Rip);
            if (block is null)
            {
                return ExitReason.Exception;
            }
            _block = block;
            DecodedOp[] ops = block.Ops;
            int count = (int)Math.Min(ops.Length, limit - InstructionsRetired);
            int i;
            int status;
            if (block.Compiled is { } compiled && count == ops.Length)
            {
                // Entered only when the budget covers the whole block, so counts stay exact.
                i = compiled(this, ops, limit, out status);
            }
            else
            {
                i = RunOps(ops, count, out status);
                if (Jit && ++block.Heat == JitThreshold)
                {
                    Compile(block);
                }
            }
            if (i == count)
            {
                InstructionsRetired += count;
                Rip = count == ops.Length ? block.EndIp : ops[count].Ip;
                continue;
            }

            ref DecodedOp op = ref ops[i];
            switch (status)
            {
                case Exec.Next:
                    // Code was overwritten: leave the (possibly stale) block after this instruction.
                    InstructionsRetired += i + 1;
                    Rip = op.NextIp;
                    break;
                case Exec.Jump:
                    InstructionsRetired += i + 1;
                    break;
                case Exec.ExitAfter:
                    InstructionsRetired += i + 1;
                    _attention = 0;
                    return _pendingExit;
                default:
                    InstructionsRetired += i;
                    Rip = op.Ip;
                    _attention = 0;
                    return ExitReason.Exception;
            }
            _attention = 0;
        }
        return ExitReason.Budget;
    }

    /// <summary>
    /// Runs up to <paramref name="count"/> ops; returns how many completed before one returned a
    /// non-Next status (or raised attention). A method of its own so that the JIT's tiering
    /// optimises it early: a loop inside the long-running <see cref="Run"/> would wait for OSR.
    /// </summary>
    private int RunOps(DecodedOp[] ops, int count, out int status)
    {
        for (int i = 0; i < count; i++)
        {
            ref DecodedOp op = ref ops[i];
            status = op.Handler(this, ref op);
            if ((status | _attention) != 0)
            {
                return i;
            }
        }
        status = Exec.Next;
        return count;
    }

    /// <summary>
    /// Whether hot blocks are translated to IL (--jit). Translation changes nothing a guest or
    /// the ledger can observe, only host time: the interpreter stays the reference.
    /// </summary>
    public bool Jit { get; set; }

    /// <summary>Interpreted runs of a block before it is translated (tests lower it to reach compiled code sooner).</summary>
    public int JitThreshold { get; set; } = BlockCompiler.Threshold;

    /// <summary>Blocks translated to IL so far.</summary>
    public long BlocksCompiled { get; private set; }

    private void Compile(Block block)
    {
        block.Compiled = TranslationCache.GetOrCompile(block);
        if (block.Compiled is null)
        {
            block.Heat = int.MinValue;
        }
        else
        {
            BlocksCompiled++;
        }
    }

    private Block? FindBlock(ulong rip)
    {
        PhysicalFrame? frame = _tlb.FastExecFrame(rip >> 12);
        if (frame is null)
        {
            frame = Mmu.TranslateToFrame(rip, AccessKind.Execute, user: true, out MemoryFault fault);
            if (frame is null)
            {
                RecordFault(fault);
                return null;
            }
        }
        if (frame.DecodedCode is FrameCode code)
        {
            Block? cached = code.ByOffset[rip & PageMask];
            if (cached is not null && cached.StartIp == rip)
            {
                return cached;
            }
        }
        else
        {
            code = new FrameCode();
            frame.DecodedCode = code;
            // Writes to this frame must now take the slow path, which drops the decoded code.
            Mmu.Tlb.WithdrawFastWrites(frame);
        }
        Block? block = _decoder.Decode(this, rip, frame, out bool cacheable);
        if (block is not null && cacheable)
        {
            code.ByOffset[rip & PageMask] = block;
        }
        return block;
    }
}

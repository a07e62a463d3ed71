using HvSim.Mmu;
using Iced.Intel;

namespace HvSim.Cpu.Decode;

/// <summary>
/// Decodes a block with Iced, once; the ops it produces are what the hot loop runs. A block
/// stops after a control transfer or system instruction, at the end of its page, or after
/// <see cref="MaxOps"/> instructions.
/// </summary>
internal sealed unsafe class BlockDecoder
{
    public const int MaxOps = 64;

    private readonly List<DecodedOp> _ops = new(MaxOps);
    private readonly List<Instruction> _raw = new(MaxOps);

    public long BlocksDecoded { get; private set; }

    /// <summary>
    /// Decodes the block at <paramref name="rip"/> in <paramref name="frame"/>. Returns null with
    /// a fault recorded on the CPU when a page-crossing instruction's second page cannot be
    /// fetched. <paramref name="cacheable"/> is false for a block made of one page-crossing
    /// instruction: its bytes depend on two mappings, so it is decoded each time it runs.
    /// </summary>
    public Block? Decode(Cpu cpu, ulong rip, PhysicalFrame frame, out bool cacheable)
    {
        BlocksDecoded++;
        _ops.Clear();
        _raw.Clear();
        cacheable = true;
        int offset = (int)(rip & 0xFFF);
        var reader = new PointerCodeReader(frame.Pointer + offset, 4096 - offset);
        var decoder = Decoder.Create(64, reader, rip, DecoderOptions.None);
        ulong endIp = rip;
        while (_ops.Count < MaxOps)
        {
            decoder.Decode(out Instruction instruction);
            if (decoder.LastError == DecoderError.NoMoreBytes)
            {
                if (_ops.Count > 0)
                {
                    break; // the next instruction crosses the page: it starts a block of its own
                }
                cacheable = false;
                return DecodeCrossing(cpu, rip, frame);
            }
            bool ends = Append(instruction, cpu.Identity.Features);
            endIp = instruction.NextIP;
            if (ends || reader.Position >= 4096 - offset)
            {
                break;
            }
        }
        return new Block(rip, _ops.ToArray(), _raw.ToArray(), endIp);
    }

    /// <summary>One instruction whose bytes run into the next page, fetched through the MMU.</summary>
    private Block? DecodeCrossing(Cpu cpu, ulong rip, PhysicalFrame frame)
    {
        int head = 4096 - (int)(rip & 0xFFF);
        byte* bytes = stackalloc byte[16];
        new ReadOnlySpan<byte>(frame.Pointer + (rip & 0xFFF), head).CopyTo(new Span<byte>(bytes, 16));
        ulong nextPage = (rip & ~0xFFFUL) + 4096;
        byte* tail = cpu.Mmu.Translate(nextPage, AccessKind.Execute, user: true, out MemoryFault fault);
        if (tail is null)
        {
            cpu.RecordFault(fault);
            return null;
        }
        new ReadOnlySpan<byte>(tail, 15 - head).CopyTo(new Span<byte>(bytes + head, 15 - head));
        var decoder = Decoder.Create(64, new PointerCodeReader(bytes, 15), rip, DecoderOptions.None);
        decoder.Decode(out Instruction instruction);
        Append(instruction, cpu.Identity.Features);
        return new Block(rip, _ops.ToArray(), _raw.ToArray(), instruction.NextIP);
    }

    /// <summary>Translates and appends one instruction; true when it must end the block.</summary>
    private bool Append(in Instruction instruction, CpuFeatures available)
    {
        var op = new DecodedOp { Slot = (ushort)_ops.Count };
        bool ends = Translator.Translate(instruction, ref op, available);
        _ops.Add(op);
        _raw.Add(instruction);
        return ends;
    }
}

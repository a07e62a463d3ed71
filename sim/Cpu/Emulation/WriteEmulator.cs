using HvSim.Core;
using HvSim.Cpu.Decode;
using HvSim.Mmu;
using Iced.Intel;

namespace HvSim.Cpu.Emulation;

/// <summary>
/// Emulates exactly one instruction against an <see cref="IEmulationView"/> (Xen's x86_emulate
/// with its x86_emulate_ops): the engine Emul and Emulxen share. It is not a second
/// implementation of x86: the instruction is translated and run by the interpreter's own
/// translator and handler, on a private scratch <see cref="Cpu"/> loaded from the
/// <see cref="CpuState"/>, so results and flags are the interpreter's by construction.
/// </summary>
/// <remarks>
/// The scratch CPU's TLB is never filled, so every access leaves the fast path for its
/// <see cref="StagingBus"/>: reads and write checks go to the view, writes are staged. Only when
/// the handler completes are the staged writes committed, all at once, and only when the view
/// accepts them does the new register state reach the caller; any fault, refusal or exception
/// leaves the caller's state and memory as they were. Rep string instructions run one element
/// per call (the scratch CPU is elementwise), leaving RIP on the instruction while RCX is not
/// zero, as hardware does when it is interrupted between elements. An instruction that wrote
/// nothing (rep stos with RCX = 0, a load) does not call Commit. One engine serves one caller
/// at a time (it is not thread-safe).
/// </remarks>
public sealed unsafe class WriteEmulator
{
    private readonly StagingBus _bus = new();
    private readonly DecodeCache _decoded = new();
    private readonly Block _block = new(0, new DecodedOp[1], new Instruction[1], 0);
    private readonly Cpu _cpu;

    public WriteEmulator(CpuIdentity? identity = null)
    {
        // The scratch CPU's own MMU only satisfies the constructor: its TLB stays empty (nothing
        // translates through it), so its fast path never hits and every access reaches the bus.
        var mmu = new Mmu.Mmu(new PhysicalMemory(PageGeometry.PageSize));
        _cpu = new Cpu(mmu, _bus, elementwise: true, identity);
    }

    /// <summary>True when the engine emulates instructions of <paramref name="mnemonic"/> (see <see cref="EmulatedInstructions"/>).</summary>
    public static bool Supports(Mnemonic mnemonic) => EmulatedInstructions.Supports(mnemonic);

    /// <summary>
    /// Emulates the instruction at <paramref name="state"/>.Rip (one element of a rep string
    /// instruction). On <see cref="EmulationStatus.Emulated"/> the view has performed the writes and
    /// <paramref name="state"/> holds the registers, flags and RIP after the instruction; otherwise
    /// neither memory nor <paramref name="state"/> changed.
    /// </summary>
    public EmulationResult Emulate(CpuState state, IEmulationView view)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(view);
        if (!InstructionFetch.TryDecode(view, state.Rip, _cpu.Identity.Features, _decoded, out Instruction instruction, out DecodedOp op, out MemoryFault fetchFault))
        {
            return new EmulationResult(EmulationStatus.Fault, fetchFault, "(instruction not readable)", 0);
        }
        if (instruction.IsInvalid || !Supports(instruction.Mnemonic))
        {
            return Unsupported(instruction);
        }
        // A form the interpreter does not implement translates to its #UD handler, which the
        // run below reports as Unsupported like any other exception. The op is a copy: a handler
        // may write to its op, never to the cache's.
        // One block of one instruction, reused: an emulation per simulated fault allocates nothing.
        Block block = _block;
        block.Ops[0] = op;
        block.Raw[0] = instruction;
        block.StartIp = instruction.IP;
        block.EndIp = instruction.NextIP;

        _bus.Begin(view);
        try
        {
            return Run(state, view, block, instruction);
        }
        finally
        {
            _bus.End();
        }
    }

    private EmulationResult Run(CpuState state, IEmulationView view, Block block, in Instruction instruction)
    {
        CpuStateTransfer.Load(state, _cpu);
        _cpu._block = block;
        ref DecodedOp op = ref block.Ops[0];
        int status = op.Handler(_cpu, ref op);
        _cpu._block = null;
        switch (status)
        {
            case Exec.Next:
                _cpu.Rip = op.NextIp;
                break;
            case Exec.Jump:
                break; // the handler set RIP (a call's target, or a rep instruction itself)
            case Exec.ExitFault when _bus.Faulted:
                return new EmulationResult(EmulationStatus.Fault, _bus.Fault, instruction, 0);
            default:
                return Unsupported(instruction); // an exception of its own (#GP, #UD, #DE) or an exit to the owner
        }
        ReadOnlySpan<StagedWrite> writes = _bus.Staged;
        if (writes.Length > 0 && !view.Commit(writes))
        {
            return Unsupported(instruction);
        }
        CpuStateTransfer.Store(_cpu, state);
        return new EmulationResult(EmulationStatus.Emulated, default, instruction, writes.Length);
    }

    // The disassembly is formatted from the instruction only when a caller reads it.
    private static EmulationResult Unsupported(in Instruction instruction) => new(EmulationStatus.Unsupported, default, instruction, 0);
}

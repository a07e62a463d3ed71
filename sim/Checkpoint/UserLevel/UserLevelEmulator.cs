using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using HvSim.Core;
using HvSim.Cpu.Emulation;
using HvSim.Cpu.X87;
using HvSim.Cpu.State;
using HvSim.Hypervisor;
using HvSim.Hypervisor.Techniques;
using HvSim.Mmu;

namespace HvSim.Checkpoint.UserLevel;

/// <summary>
/// The Emul library's decoder and emulator, reached from the guest's SIGSEGV handler through the
/// EMULATE escape: it reads the faulting instruction's registers from the ucontext, emulates it
/// with the shared write-emulation engine through <see cref="AliasView"/>, and writes the result
/// back into the ucontext, so the handler's return (rt_sigreturn) resumes after the instruction.
/// Host-implemented user code: every access goes through the process's page tables with user
/// privilege, and its work is counted at the user layer.
/// </summary>
public sealed class UserLevelEmulator
{
    /// <summary>EMULATE's results (docs/checkpoint-abi.md).</summary>
    public const ulong Emulated = 0, CannotEmulate = 1;

    private readonly UserModeAccess _access;
    private readonly EventLedger _ledger;
    private readonly HvSim.Cpu.Cpu _cpu;
    private readonly WriteEmulator _engine;
    private readonly CpuState _state = new();
    private readonly GuestReader _read; // made once: a method group would allocate a delegate per emulation
    private readonly AliasView _view;
    private readonly X87State _x87Before = new(); // the FPU state before an emulation, reused

    public UserLevelEmulator(Machine machine, IPlatform platform)
    {
        _access = new UserModeAccess(machine.Mmu, platform);
        _ledger = machine.Ledger;
        _cpu = machine.Cpu;
        _engine = new WriteEmulator(machine.Cpu.Identity); // the guest's CPU: the same extensions emulate
        _read = Read;
        _view = new AliasView(_access, _ledger);
    }

    /// <summary>Emulations that fell back to page tracking, by reason (for the run's summary).</summary>
    public long Fallbacks { get; private set; }

    /// <summary>The instruction of the last fallback, disassembled.</summary>
    public string? LastFallback { get; private set; }

    public ulong Emulate(ulong ucontext, ulong record, ulong aliasDelta, ulong cda, ulong length)
    {
        // One state, one view and the frame images are reused from fault to fault: an Emul
        // fault allocates nothing on the host (issue 15).
        CpuState state = _state;
        state.Clear();
        state.FsBase = _cpu.FsBase;
        state.GsBase = _cpu.GsBase;
        state.Mxcsr = _cpu.Mxcsr;
        bool ymmInFrame = false;
        Span<byte> gregs = stackalloc byte[SignalContext.GregsLength];
        Span<byte> header = stackalloc byte[RecordLayout.HeaderBytes];
        GuestReader read = _read;
        if (!Read(ucontext + SignalContext.GregsOffset, gregs)
            || !SignalContext.TryRead(read, gregs, state, out ulong fpstate)
            || (fpstate != 0 && !SignalContext.TryReadYmmHigh(read, fpstate, state, out ymmInFrame))
            || !Read(record, header))
        {
            return Fallback("the signal frame or the record is not readable");
        }
        // The frame must take the result before anything is written: an emulated write whose
        // registers could not be stored would run again when the handler returns.
        if (!_access.CanWrite(ucontext + SignalContext.GregsOffset, SignalContext.GregsLength, out _)
            || (fpstate != 0 && !_access.CanWrite(fpstate, SignalContext.FpuLength, out _))
            || (ymmInFrame && !_access.CanWrite(fpstate + XsaveArea.XstateBvOffset, XsaveArea.YmmHighOffset + XsaveArea.YmmHighSize - XsaveArea.XstateBvOffset, out _)))
        {
            return Fallback("the signal frame is not writable");
        }
        _ledger.Add(EventKind.InstructionDecode, Layer.User, !_ledger.IsTracing ? null
            : new TraceData("Emul: decoding the instruction at {rip} from the signal frame") { Rip = state.Rip });
        ulong pageCap = BinaryPrimitives.ReadUInt64LittleEndian(header[RecordLayout.PageCap..]);
        ulong wordCap = BinaryPrimitives.ReadUInt64LittleEndian(header[RecordLayout.WordCap..]);
        ulong nwords = BinaryPrimitives.ReadUInt64LittleEndian(header[RecordLayout.NWords..]);
        AliasView view = _view;
        view.Reset(cda, length, aliasDelta, record, pageCap, wordCap, nwords);
        Span<byte> newGregs = stackalloc byte[SignalContext.GregsLength];
        // The FPU state before, as registers (its image is made only if they change).
        X87State x87Before = _x87Before;
        state.X87.CopyTo(x87Before);
        uint mxcsrBefore = state.Mxcsr;
        Span<Vector128<byte>> xmmBefore = stackalloc Vector128<byte>[16];
        state.Xmm.CopyTo(xmmBefore);
        Span<Vector128<byte>> ymmHighBefore = stackalloc Vector128<byte>[16];
        state.YmmHigh.CopyTo(ymmHighBefore);
        EmulationResult result = _engine.Emulate(state, view);
        if (result.Status != EmulationStatus.Emulated)
        {
            return Fallback(result.Disassembly);
        }
        SignalContext.GregsImage(gregs, state, newGregs);
        _access.Write(ucontext + SignalContext.GregsOffset, newGregs, out _);
        // The FPU image goes back only when the instruction changed the x87 or SSE state (an x87
        // store pops, a movq to a register...) so that its image differs; most emulated stores
        // leave the registers as they were, and then the image is the same without making it
        // (the frame was checked writable above).
        if (fpstate != 0 && (state.Mxcsr != mxcsrBefore || !xmmBefore.SequenceEqual(state.Xmm) || !x87Before.SameAs(state.X87)))
        {
            Span<byte> fpuBefore = stackalloc byte[SignalContext.FpuLength];
            Span<byte> fpu = stackalloc byte[SignalContext.FpuLength];
            SignalContext.FpuImage(x87Before, mxcsrBefore, xmmBefore, fpuBefore);
            SignalContext.FpuImage(state.X87, state.Mxcsr, state.Xmm, fpu);
            if (!fpuBefore.SequenceEqual(fpu))
            {
                _access.Write(fpstate, fpu, out _);
            }
        }
        // Likewise bits 255:128 (a VEX load of a listed mnemonic); XSTATE_BV then marks the AVX
        // component saved, or rt_sigreturn would put it back to its initial state.
        if (ymmInFrame && !ymmHighBefore.SequenceEqual(state.YmmHigh))
        {
            _access.Write(fpstate + XsaveArea.YmmHighOffset, SignalContext.YmmHighImage(state), out _);
            Span<byte> xstateBv = stackalloc byte[8];
            if (Read(fpstate + XsaveArea.XstateBvOffset, xstateBv))
            {
                BinaryPrimitives.WriteUInt64LittleEndian(xstateBv, BinaryPrimitives.ReadUInt64LittleEndian(xstateBv) | XsaveArea.Avx);
                _access.Write(fpstate + XsaveArea.XstateBvOffset, xstateBv, out _);
            }
        }
        return Emulated;
    }

    private bool Read(ulong address, Span<byte> destination) => _access.Read(address, destination, AccessKind.Read, out _);

    private ulong Fallback(string why)
    {
        Fallbacks++;
        LastFallback = why;
        return CannotEmulate;
    }
}

using HvSim.Core;
using HvSim.Cpu.Emulation;
using HvSim.Mmu;

namespace HvSim.Hypervisor.Techniques;

/// <summary>
/// Emulxen (paper Section IV.C): write emulation in the hypervisor's page-fault handler. CDA pages
/// stay read-only for the whole run; a write to one is decoded and performed by the shared
/// write-emulation engine through <see cref="HypervisorFrameView"/>, which writes the frame
/// directly and logs (address, size, value) in the application's record; the CPU resumes after
/// the instruction and the guest kernel never runs. An instruction the engine does not emulate
/// (or a full word log) falls back to page tracking for that page in this cycle: a write is never
/// lost. CycleBegin re-protects last cycle's fallback pages (every CDA page at the first).
/// </summary>
public sealed class EmulXen
{
    private readonly Machine _machine;
    private readonly GuestVirtualMemory _memory;
    private readonly ICdaPageTables _tables;
    private readonly RecordBuffer _record;
    private readonly PageTracking _tracking;
    private readonly WriteEmulator _engine;
    private readonly CpuState _state = new();
    private HypervisorFrameView? _view;

    internal EmulXen(Machine machine, GuestVirtualMemory memory, ICdaPageTables tables, RecordBuffer record, PageTracking tracking)
    {
        _machine = machine;
        _engine = new WriteEmulator(machine.Cpu.Identity); // the guest's CPU: the same extensions emulate
        _memory = memory;
        _tables = tables;
        _record = record;
        _tracking = tracking;
    }

    /// <summary>Instructions emulated so far.</summary>
    public long Emulated { get; private set; }

    /// <summary>Writes tracked as whole pages instead (engine refusals, full logs, kernel copies).</summary>
    public long Fallbacks { get; private set; }

    /// <summary>The last instruction that fell back, disassembled (for reports).</summary>
    public string? LastFallback { get; private set; }

    private EventLedger Ledger => _machine.Ledger;

    /// <summary>
    /// A user-mode write fault on a protected CDA page. Events: InstructionDecode, then either
    /// DirtyLogAppend and WriteEmulated per write and FaultHandled (emulated), or the page-tracking
    /// events and FaultHandled with subkind emulxen-fallback (all hypervisor); or nothing more when
    /// the emulation met a #PF that is the guest's to fix (the caller reflects it).
    /// </summary>
    internal FaultDecision OnWriteFault(FaultClaim claim)
    {
        ulong rip = _machine.Cpu.Rip;
        Ledger.Add(EventKind.InstructionDecode, Layer.Hypervisor,
            !Ledger.IsTracing ? null : new TraceData("Emulxen: decoding the instruction at {rip}") { Rip = rip, Page = claim.Page });
        // The state and the view are reused from fault to fault (issue 15: no allocation per fault).
        CpuState state = _state;
        CpuStateTransfer.Capture(_machine.Cpu, state);
        HypervisorFrameView view = _view ??= new HypervisorFrameView(_memory, _tables, _record, Ledger, claim.Process, claim.Registration);
        view.Bind(claim.Process, claim.Registration);
        EmulationResult result = _engine.Emulate(state, view);
        switch (result.Status)
        {
            case EmulationStatus.Emulated:
                CpuStateTransfer.Load(state, _machine.Cpu);
                Emulated++;
                Ledger.Add(EventKind.FaultHandled, Layer.Hypervisor, !Ledger.IsTracing ? null
                    : new TraceData(result.Writes == 1 ? "Emulxen: {instruction} emulated ({count} write logged), RIP := {next_rip}" : "Emulxen: {instruction} emulated ({count} writes logged), RIP := {next_rip}")
                    {
                        Rip = rip,
                        Instruction = result.Disassembly,
                        Page = claim.Page,
                        Count = result.Writes,
                        NextRip = state.Rip,
                    });
                return FaultDecision.Returned;
            case EmulationStatus.Fault when result.Fault.Kind == FaultKind.PageFault:
                // The instruction needs a page the guest has not mapped (or forbids): the guest
                // kernel's business, as the fault would be if the CPU had met it first.
                return new FaultDecision(FaultResolution.Inject, result.Fault);
            default:
                // Unsupported, or an exception of its own the CPU will raise when it runs the
                // instruction on a writable page: either way the page is tracked whole.
                Fallback(claim, result.Disassembly, instruction: true);
                return FaultDecision.Returned;
        }
    }

    /// <summary>
    /// A write the engine cannot see as an instruction (the guest kernel's copy_to_user, or
    /// host-implemented user code): tracked as a whole page, counted as a fallback.
    /// </summary>
    internal void OnAccessFault(FaultClaim claim) => Fallback(claim, claim.User ? "a user-mode access outside an instruction" : "a guest-kernel copy to user memory", instruction: false);

    internal long CycleBegin(HvProcess process, Registration registration) => _tracking.Reprotect(process, registration);

    /// <param name="instruction">Whether <paramref name="what"/> is the instruction's disassembly (a field of the step, never part of its wording).</param>
    private void Fallback(FaultClaim claim, string what, bool instruction)
    {
        bool listed = _tracking.Track(claim, fallback: true);
        Fallbacks++;
        LastFallback = what;
        Ledger.AddSubkind(EventKind.FaultHandled, Layer.Hypervisor, listed ? "emulxen-fallback" : "emulxen-lost", !Ledger.IsTracing ? null
            : new TraceData((instruction ? "Emulxen: cannot emulate {instruction}" : "Emulxen: cannot emulate " + what)
                + (listed ? ": page {page} tracked whole for this cycle" : ": page {page} tracked whole for this cycle (record marked lost)"))
            {
                Page = claim.Page,
                Instruction = instruction ? what : null,
            });
    }
}

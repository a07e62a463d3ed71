using HvSim.Core;
using HvSim.Mmu;

namespace HvSim.Hypervisor;

/// <summary>
/// The guest kernel's paging operations under shadow paging: it writes its own tables with
/// plain stores, which trap (the hypervisor write-protects them) and are emulated and propagated
/// to the shadows; invlpg and CR3 loads trap too.
/// </summary>
public sealed class ShadowPaging : IPagingOps
{
    private readonly Machine _machine;
    private readonly XenHypervisor _hypervisor;
    private readonly ShadowPager _shadow;
    private readonly PageTableWriteEmulator _emulator;

    public ShadowPaging(Machine machine, XenHypervisor hypervisor, ShadowPager shadow)
    {
        _machine = machine;
        _hypervisor = hypervisor;
        _shadow = shadow;
        _emulator = new PageTableWriteEmulator(machine);
    }

    private EventLedger Ledger => _machine.Ledger;

    public void WritePte(GuestPhysical entryAddress, ulong value, ulong virtualAddress)
    {
        // The store raises #PF like any write to a read-only page (as under xen-pv's trapped
        // writes): the MMU's fault is counted before the hypervisor takes it.
        Ledger.Add(EventKind.PageFault, Layer.Kernel, Ledger.IsTracing ? PageTableStoreTrace.Fault(entryAddress, virtualAddress) : null);
        _hypervisor.TrapEntry(Ledger.IsTracing ? PageTableStoreTrace.Trap(entryAddress, virtualAddress) : null);
        _emulator.EmulateStore(entryAddress, value, virtualAddress);
        _shadow.OnGuestEntryWritten(entryAddress, value);
    }

    public void InvalidatePage(ulong virtualAddress)
    {
        _hypervisor.TrapEntry(!Ledger.IsTracing ? null : new TraceData("invlpg {page} traps") { Entry = TraceEntry.Invlpg, Page = virtualAddress });
        _shadow.Invalidate(virtualAddress);
        Ledger.Add(EventKind.TlbFlushPage, Layer.Hypervisor, !Ledger.IsTracing ? null
            : new TraceData("TLB entry for {page} dropped (the shadow entry is already in sync)") { Page = virtualAddress });
    }

    public void FlushTlb()
    {
        _hypervisor.TrapEntry(!Ledger.IsTracing ? null : new TraceData("mov cr3 (reload) traps") { Entry = TraceEntry.MovCr3 });
        _machine.Mmu.FlushTlb();
        Ledger.Add(EventKind.TlbFlush, Layer.Hypervisor, !Ledger.IsTracing ? null : new TraceData("whole TLB flushed"));
    }

    public void LoadCr3(ulong cr3)
    {
        _hypervisor.TrapEntry(!Ledger.IsTracing ? null : new TraceData("mov cr3, {cr3} traps") { Entry = TraceEntry.MovCr3, Cr3 = cr3 });
        HvProcess process = _hypervisor.Processes.OnCr3Load(cr3);
        _shadow.SwitchTo(cr3);
        Ledger.Add(EventKind.TlbFlush, Layer.Hypervisor, !Ledger.IsTracing ? null
            : new TraceData("shadow root for process {pid} loaded, TLB flushed") { Pid = process.Id });
    }

    public void BeginBatch()
    {
    }

    public void EndBatch()
    {
    }

    public void ReleaseAddressSpace(ulong cr3)
    {
        _hypervisor.Hypercall(HypercallNumber.mmuext_op, "MMUEXT_UNPIN_TABLE");
        _shadow.Release(cr3);
        _hypervisor.Processes.OnRelease(cr3);
    }
}

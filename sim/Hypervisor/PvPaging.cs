using HvSim.Core;
using HvSim.Mmu;

namespace HvSim.Hypervisor;

/// <summary>
/// Direct paging for a paravirtualised guest (Xen PV): the guest's tables are the ones the MMU
/// walks, but they are read-only to the guest kernel. It changes an entry through an mmu_update
/// hypercall that the hypervisor validates — one hypercall per batch when Linux's lazy MMU mode
/// batches an mprotect range — or by a plain store that traps and is emulated (ptwr). TLB
/// invalidations and CR3 loads are mmuext_op hypercalls.
/// </summary>
public sealed class PvPaging : IPagingOps
{
    private readonly Machine _machine;
    private readonly XenHypervisor _hypervisor;
    private readonly PageTableWriteEmulator _emulator;
    private readonly PteUpdateMode _mode;
    private readonly List<(HypercallNumber Call, EventKind Kind, TraceData? Step)> _queued = new();
    private int _batchDepth;

    public PvPaging(Machine machine, XenHypervisor hypervisor, PteUpdateMode mode)
    {
        _machine = machine;
        _hypervisor = hypervisor;
        _mode = mode;
        _emulator = new PageTableWriteEmulator(machine);
    }

    private EventLedger Ledger => _machine.Ledger;

    public void WritePte(GuestPhysical entryAddress, ulong value, ulong virtualAddress)
    {
        // Validation may take write permission away from a CDA page a technique protects.
        value = _hypervisor.Techniques.FilterPvEntry(entryAddress, value, virtualAddress);
        if (_mode == PteUpdateMode.TrappedWrite)
        {
            Ledger.Add(EventKind.PageFault, Layer.Kernel, Ledger.IsTracing ? PageTableStoreTrace.Fault(entryAddress, virtualAddress) : null);
            _hypervisor.TrapEntry(Ledger.IsTracing ? PageTableStoreTrace.Trap(entryAddress, virtualAddress) : null);
            Validate(value);
            _emulator.EmulateStore(entryAddress, value, virtualAddress);
            return;
        }
        Validate(value);
        ulong? before = Ledger.IsTracing ? _machine.Memory.ReadU64(entryAddress) : null;
        _machine.Memory.WriteU64(entryAddress, value);
        Issue(HypercallNumber.mmu_update, EventKind.PteUpdate, !Ledger.IsTracing ? null
            : new TraceData("validated and written: PTE for {page} := {pte_after}") { Page = virtualAddress, PteAddress = entryAddress.Value, PteBefore = before, PteAfter = value });
    }

    public void InvalidatePage(ulong virtualAddress)
    {
        _machine.Mmu.InvalidatePage(virtualAddress);
        Issue(HypercallNumber.mmuext_op, EventKind.TlbFlushPage, !Ledger.IsTracing ? null
            : new TraceData("{operation} {page}") { Operation = "MMUEXT_INVLPG_LOCAL", Page = virtualAddress });
    }

    public void FlushTlb()
    {
        _machine.Mmu.FlushTlb();
        Issue(HypercallNumber.mmuext_op, EventKind.TlbFlush, !Ledger.IsTracing ? null
            : new TraceData("{operation}: whole TLB flushed") { Operation = "MMUEXT_TLB_FLUSH_LOCAL" });
    }

    public void LoadCr3(ulong cr3)
    {
        HvProcess process = _hypervisor.Processes.OnCr3Load(cr3);
        _machine.Mmu.LoadCr3(cr3);
        Issue(HypercallNumber.mmuext_op, EventKind.TlbFlush, !Ledger.IsTracing ? null
            : new TraceData("{operation}: cr3 := {cr3} (process {pid}), TLB flushed") { Operation = "MMUEXT_NEW_BASEPTR", Cr3 = cr3, Pid = process.Id });
    }

    /// <summary>Linux's lazy MMU mode: updates and flushes queue up and go to Xen in one hypercall each.</summary>
    public void BeginBatch()
    {
        _batchDepth++;
    }

    public void EndBatch()
    {
        if (_batchDepth == 0 || --_batchDepth > 0)
        {
            return;
        }
        // Every mprotect ends a batch: walk the queue in place (no per-batch arrays or lists).
        Flush(HypercallNumber.mmu_update);
        Flush(HypercallNumber.mmuext_op);
        _queued.Clear();
    }

    /// <summary>The batch's one hypercall of a kind, then its operations in the order they were queued.</summary>
    private void Flush(HypercallNumber call)
    {
        int count = 0;
        foreach ((HypercallNumber queued, _, _) in _queued)
        {
            count += queued == call ? 1 : 0;
        }
        if (count == 0)
        {
            return;
        }
        _hypervisor.Hypercall(call, operations: count, batched: true);
        foreach ((HypercallNumber queued, EventKind kind, TraceData? step) in _queued)
        {
            if (queued == call)
            {
                Ledger.Add(kind, Layer.Hypervisor, step);
            }
        }
    }

    public void ReleaseAddressSpace(ulong cr3)
    {
        _hypervisor.Hypercall(HypercallNumber.mmuext_op, "MMUEXT_UNPIN_TABLE");
        _hypervisor.Processes.OnRelease(cr3);
    }

    /// <summary>
    /// One operation of a hypercall: issued at once outside a batch; inside one it takes effect
    /// at once too (no user code runs before the batch ends, so nothing can tell), but is
    /// recorded with its batch's single hypercall at <see cref="EndBatch"/>, in the order Xen sees it.
    /// </summary>
    private void Issue(HypercallNumber call, EventKind kind, TraceData? step)
    {
        if (_batchDepth > 0)
        {
            _queued.Add((call, kind, step));
            return;
        }
        _hypervisor.Hypercall(call, operations: 1);
        Ledger.Add(kind, Layer.Hypervisor, step);
    }

    /// <summary>Xen refuses an entry that maps a frame the guest does not own.</summary>
    private void Validate(ulong value)
    {
        if (PteFormat.Has(value, Pte.P) && !_machine.GuestFrames.Owns(new Frame(PteFormat.Address(value) >> PageGeometry.PageShift)))
        {
            throw new InvalidOperationException($"mmu_update: entry {PteFormat.Describe(value)} maps a frame the guest does not own");
        }
    }
}

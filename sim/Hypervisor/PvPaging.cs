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
    private int _batchDepth;
    private bool _batchUpdateIssued;
    private bool _batchFlushIssued;

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
        if (_mode == PteUpdateMode.TrappedWrite)
        {
            Ledger.Add(EventKind.PageFault, Layer.Kernel,
                Ledger.IsTracing ? $"kernel store to read-only page-table page {entryAddress} (PTE for {virtualAddress:x})" : "");
            _hypervisor.TrapEntry("#PF from the guest kernel on a page-table page");
            Validate(value);
            _emulator.EmulateStore(entryAddress, value, virtualAddress);
            return;
        }
        if (_batchDepth == 0 || !_batchUpdateIssued)
        {
            _hypervisor.Hypercall(HypercallNumber.mmu_update, _batchDepth == 0 ? "HYPERVISOR_mmu_update (1 entry)" : "HYPERVISOR_mmu_update (batched entries)");
            _batchUpdateIssued = _batchDepth > 0;
        }
        Validate(value);
        _machine.Memory.WriteU64(entryAddress, value);
        Ledger.Add(EventKind.PteUpdate, Layer.Hypervisor,
            Ledger.IsTracing ? $"validated and written: PTE for {virtualAddress:x} := {PteFormat.Describe(value)}" : "");
    }

    public void InvalidatePage(ulong virtualAddress)
    {
        if (_batchDepth == 0 || !_batchFlushIssued)
        {
            _hypervisor.Hypercall(HypercallNumber.mmuext_op, "HYPERVISOR_mmuext_op(MMUEXT_INVLPG_LOCAL)");
            _batchFlushIssued = _batchDepth > 0;
        }
        _machine.Mmu.InvalidatePage(virtualAddress);
        Ledger.Add(EventKind.TlbFlushPage, Layer.Hypervisor, Ledger.IsTracing ? $"invlpg {virtualAddress:x}" : "");
    }

    public void FlushTlb()
    {
        _hypervisor.Hypercall(HypercallNumber.mmuext_op, "HYPERVISOR_mmuext_op(MMUEXT_TLB_FLUSH_LOCAL)");
        _machine.Mmu.FlushTlb();
        Ledger.Add(EventKind.TlbFlush, Layer.Hypervisor, "whole TLB flushed");
    }

    public void LoadCr3(ulong cr3)
    {
        _hypervisor.Hypercall(HypercallNumber.mmuext_op, "HYPERVISOR_mmuext_op(MMUEXT_NEW_BASEPTR)");
        HvProcess process = _hypervisor.Processes.OnCr3Load(cr3);
        _machine.Mmu.LoadCr3(cr3);
        Ledger.Add(EventKind.TlbFlush, Layer.Hypervisor, Ledger.IsTracing ? $"cr3 := {cr3:x} (process {process.Id}), TLB flushed" : "");
    }

    public void BeginBatch()
    {
        if (_batchDepth++ == 0)
        {
            _batchUpdateIssued = false;
            _batchFlushIssued = false;
        }
    }

    public void EndBatch()
    {
        _batchDepth = Math.Max(0, _batchDepth - 1);
    }

    public void ReleaseAddressSpace(ulong cr3)
    {
        _hypervisor.Hypercall(HypercallNumber.mmuext_op, "HYPERVISOR_mmuext_op(MMUEXT_UNPIN_TABLE)");
        _hypervisor.Processes.OnRelease(cr3);
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

using HvSim.Core;
using HvSim.Mmu;

namespace HvSim.Hypervisor;

/// <summary>Native paging: the kernel writes its own PTEs and runs invlpg and mov cr3 itself.</summary>
public sealed class NativePaging : IPagingOps
{
    private readonly HvSim.Mmu.Mmu _mmu;
    private readonly EventLedger _ledger;

    private readonly bool _omitInvalidations;

    public NativePaging(HvSim.Mmu.Mmu mmu, EventLedger ledger, bool omitInvalidations = false)
    {
        _mmu = mmu;
        _ledger = ledger;
        _omitInvalidations = omitInvalidations;
    }

    public void WritePte(GuestPhysical entryAddress, ulong value, ulong virtualAddress)
    {
        ulong? before = _ledger.IsTracing ? _mmu.Memory.ReadU64(entryAddress) : null;
        _mmu.Memory.WriteU64(entryAddress, value);
        _ledger.Add(EventKind.PteUpdate, Layer.Kernel, !_ledger.IsTracing ? null
            : new TraceData("PTE for {page} := {pte_after}") { Page = virtualAddress, PteAddress = entryAddress.Value, PteBefore = before, PteAfter = value });
    }

    public void InvalidatePage(ulong virtualAddress)
    {
        if (_omitInvalidations)
        {
            return;
        }
        _mmu.InvalidatePage(virtualAddress);
        _ledger.Add(EventKind.TlbFlushPage, Layer.Kernel, !_ledger.IsTracing ? null : new TraceData("invlpg {page}") { Page = virtualAddress });
    }

    public void FlushTlb()
    {
        if (_omitInvalidations)
        {
            return;
        }
        _mmu.FlushTlb();
        _ledger.Add(EventKind.TlbFlush, Layer.Kernel, !_ledger.IsTracing ? null : new TraceData("mov cr3, cr3: whole TLB flushed"));
    }

    public void LoadCr3(ulong cr3)
    {
        _mmu.LoadCr3(cr3);
        _ledger.Add(EventKind.TlbFlush, Layer.Kernel, !_ledger.IsTracing ? null : new TraceData("mov cr3, {cr3}: new address space, TLB flushed") { Cr3 = cr3 });
    }

    public void BeginBatch()
    {
    }

    public void EndBatch()
    {
    }

    public void ReleaseAddressSpace(ulong cr3)
    {
    }
}

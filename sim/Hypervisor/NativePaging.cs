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
        _mmu.Memory.WriteU64(entryAddress, value);
        if (_ledger.IsTracing)
        {
            _ledger.Add(EventKind.PteUpdate, Layer.Kernel, $"PTE for {virtualAddress:x} := {PteFormat.Describe(value)}");
        }
        else
        {
            _ledger.Add(EventKind.PteUpdate, Layer.Kernel);
        }
    }

    public void InvalidatePage(ulong virtualAddress)
    {
        if (_omitInvalidations)
        {
            return;
        }
        _mmu.InvalidatePage(virtualAddress);
        _ledger.Add(EventKind.TlbFlushPage, Layer.Kernel, _ledger.IsTracing ? $"invlpg {virtualAddress:x}" : "");
    }

    public void FlushTlb()
    {
        if (_omitInvalidations)
        {
            return;
        }
        _mmu.FlushTlb();
        _ledger.Add(EventKind.TlbFlush, Layer.Kernel, "mov cr3, cr3: whole TLB flushed");
    }

    public void LoadCr3(ulong cr3)
    {
        _mmu.LoadCr3(cr3);
        _ledger.Add(EventKind.TlbFlush, Layer.Kernel, _ledger.IsTracing ? $"mov cr3, {cr3:x}: new address space, TLB flushed" : "");
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

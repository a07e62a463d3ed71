using HvSim.Core;
using HvSim.Mmu;

namespace HvSim.Hypervisor;

/// <summary>
/// The hardware: physical memory, one CPU with its MMU, and the event ledger every layer writes
/// to. Physical memory is split between the guest (the low seven eighths) and the hypervisor
/// (the top eighth, for its own structures such as shadow page tables) — on native hardware the
/// hypervisor's part is simply unused.
/// </summary>
public sealed class Machine
{
    public Machine(ulong physicalBytes, TlbGeometry tlb, HvSim.Cpu.CpuIdentity? cpu = null)
    {
        Ledger = new EventLedger();
        Memory = new PhysicalMemory(physicalBytes);
        ulong split = Memory.FrameCount - (Memory.FrameCount / 8);
        GuestFrames = new FrameAllocator(Memory, firstFrame: 1, endFrame: split);
        HypervisorFrames = new FrameAllocator(Memory, firstFrame: split);
        HypervisorFrameCount = (long)(Memory.FrameCount - split);
        Mmu = new HvSim.Mmu.Mmu(Memory, tlb, Ledger);
        Cpu = new HvSim.Cpu.Cpu(Mmu, cpu);
    }

    public EventLedger Ledger { get; }
    public PhysicalMemory Memory { get; }
    public FrameAllocator GuestFrames { get; }
    public FrameAllocator HypervisorFrames { get; }

    /// <summary>How many frames the hypervisor's share holds (the most <see cref="HypervisorFrames"/> can hand out).</summary>
    public long HypervisorFrameCount { get; }
    public HvSim.Mmu.Mmu Mmu { get; }
    public HvSim.Cpu.Cpu Cpu { get; }
}

using System.Runtime.InteropServices;
using HvSim.Mmu;

namespace HvSim.Cpu.Emulation;

/// <summary>
/// The scratch CPU's memory bus: reads and permission checks go to the emulation view; writes are
/// checked with the view and then staged, never performed, so that an instruction that faults
/// halfway leaves memory untouched and a whole instruction's writes reach the view in one
/// <see cref="IEmulationView.Commit"/>. Reads see the instruction's own earlier staged writes
/// (movs from a byte it has just written, cmpxchg16b's halves), as they would in memory.
/// </summary>
internal sealed class StagingBus : IMemoryBus
{
    private readonly List<StagedWrite> _staged = new(4);
    private IEmulationView? _view;

    /// <summary>True once an access failed in the view during this instruction.</summary>
    public bool Faulted { get; private set; }

    /// <summary>The view's fault behind <see cref="Faulted"/>.</summary>
    public MemoryFault Fault { get; private set; }

    /// <summary>The staged writes in program order, each within one page and 1..16 bytes.</summary>
    public ReadOnlySpan<StagedWrite> Staged => CollectionsMarshal.AsSpan(_staged);

    /// <summary>Starts an instruction against <paramref name="view"/>: no writes staged, no fault.</summary>
    public void Begin(IEmulationView view)
    {
        _view = view;
        _staged.Clear();
        Faulted = false;
        Fault = default;
    }

    /// <summary>Drops the view and the staged writes (so neither outlives the call that supplied them).</summary>
    public void End()
    {
        _view = null;
        _staged.Clear();
    }

    public bool TryRead(ulong va, Span<byte> destination, bool user, out MemoryFault fault)
    {
        if (!View.Read(va, destination, out fault))
        {
            return Failed(fault);
        }
        foreach (StagedWrite write in _staged)
        {
            StagedWrites.Overlay(write, va, destination);
        }
        return true;
    }

    public bool TryWrite(ulong va, ReadOnlySpan<byte> source, bool user, out MemoryFault fault)
    {
        if (!View.CheckWrite(va, source.Length, out fault))
        {
            return Failed(fault);
        }
        StagedWrites.Split(va, source, _staged);
        return true;
    }

    public bool CheckWrite(ulong va, int length, bool user, out MemoryFault fault)
    {
        return View.CheckWrite(va, length, out fault) || Failed(fault);
    }

    private IEmulationView View => _view ?? throw new InvalidOperationException("the staging bus is used outside an emulation");

    private bool Failed(MemoryFault fault)
    {
        Faulted = true;
        Fault = fault;
        return false;
    }
}

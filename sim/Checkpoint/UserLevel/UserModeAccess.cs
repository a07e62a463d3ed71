using HvSim.Hypervisor;
using HvSim.Mmu;

namespace HvSim.Checkpoint.UserLevel;

/// <summary>
/// Memory accesses of the host-implemented user-level library (Emul's decoder and emulator): they
/// go through the process's own page tables with user privilege, exactly as the library's code
/// would on hardware. Under shadow paging a missing shadow entry is filled by the hypervisor and
/// the access retried; any other fault is returned to the caller, which falls back to page
/// tracking rather than lose a write.
/// </summary>
internal sealed class UserModeAccess
{
    private readonly HvSim.Mmu.Mmu _mmu;
    private readonly IPlatform _platform;

    public UserModeAccess(HvSim.Mmu.Mmu mmu, IPlatform platform)
    {
        _mmu = mmu;
        _platform = platform;
    }

    public bool Read(ulong va, Span<byte> destination, AccessKind access, out MemoryFault fault)
    {
        for (int attempt = 0; attempt < 4; attempt++)
        {
            if (_mmu.TryRead(va, destination, user: true, out fault))
            {
                if (access == AccessKind.Execute && !CanExecute(va, destination.Length, out fault))
                {
                    return false;
                }
                return true;
            }
            if (!_platform.TryFixKernelFault(fault, AccessKind.Read))
            {
                return false;
            }
        }
        return _mmu.TryRead(va, destination, user: true, out fault);
    }

    public bool CanWrite(ulong va, int length, out MemoryFault fault)
    {
        ulong last = va + (ulong)length - 1;
        return Probe(va, out fault) && ((last >> 12) == (va >> 12) || Probe(last & ~0xFFFUL, out fault));
    }

    public bool Write(ulong va, ReadOnlySpan<byte> source, out MemoryFault fault)
    {
        for (int attempt = 0; attempt < 4; attempt++)
        {
            if (_mmu.TryWrite(va, source, user: true, out fault))
            {
                return true;
            }
            if (!_platform.TryFixKernelFault(fault, AccessKind.Write))
            {
                return false;
            }
        }
        return _mmu.TryWrite(va, source, user: true, out fault);
    }

    private unsafe bool Probe(ulong va, out MemoryFault fault)
    {
        fault = default;
        for (int attempt = 0; attempt < 4; attempt++)
        {
            if (_mmu.Translate(va, AccessKind.Write, user: true, out fault) != null)
            {
                return true;
            }
            if (!_platform.TryFixKernelFault(fault, AccessKind.Write))
            {
                return false;
            }
        }
        return false;
    }

    private unsafe bool CanExecute(ulong va, int length, out MemoryFault fault)
    {
        ulong last = va + (ulong)length - 1;
        return _mmu.Translate(va, AccessKind.Execute, user: true, out fault) != null
            && ((last >> 12) == (va >> 12) || _mmu.Translate(last & ~0xFFFUL, AccessKind.Execute, user: true, out fault) != null);
    }
}

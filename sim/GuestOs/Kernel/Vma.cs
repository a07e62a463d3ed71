using HvSim.Core;
using HvSim.GuestOs.Linux;

namespace HvSim.GuestOs.Kernel;

/// <summary>
/// A virtual memory area: a page-aligned range with one protection, like Linux's vm_area_struct.
/// Pages inside it are populated on first touch by the page-fault handler. A VMA belongs to its
/// address space, which changes it in place (mprotect, splits and merges: no allocation per PT
/// fault, issue 15) and reuses the ones merges drop: read what you need from one before the space
/// changes again, as the kernel reads a vm_area_struct under its mmap lock.
/// </summary>
public sealed record Vma(ulong Start, ulong End, MemoryProtection Protection, bool Shared, string Name)
{
    /// <summary>First byte.</summary>
    public ulong Start { get; internal set; } = Start;

    /// <summary>First byte past the end.</summary>
    public ulong End { get; internal set; } = End;

    public MemoryProtection Protection { get; internal set; } = Protection;

    public bool Shared { get; internal set; } = Shared;

    public string Name { get; internal set; } = Name;

    /// <summary>
    /// VM_SOFTDIRTY: every page of the VMA reads as soft-dirty in /proc/PID/pagemap whatever its
    /// PTE says. Set on a new or grown mapping (mm/vma.c __mmap_complete, mm/mmap.c do_brk_flags),
    /// cleared by clear_refs 4 (fs/proc/task_mmu.c clear_refs_write); kept by splits and, since
    /// Linux's "sticky" VMA flags (mm: make VM_SOFTDIRTY a sticky VMA flag, Nov 2025), by merges
    /// (either part's flag survives: before it, whichever VMA was the merge target won).
    /// </summary>
    public bool SoftDirty { get; internal set; } = true;

    /// <summary>
    /// VM_UFFD_WP with its vm_userfaultfd_ctx: the userfaultfd this VMA is registered with in
    /// write-protect mode (UFFDIO_REGISTER_MODE_WP), or null. Registration splits a VMA at the range's
    /// edges and VMAs of different contexts never merge (fs/userfaultfd.c userfaultfd_register,
    /// mm/vma.c is_mergeable_vma's is_mergeable_vm_userfaultfd_ctx); a split keeps it. mremap must
    /// drop it (with the PTEs' uffd-wp bits) unless the context asked for UFFD_FEATURE_EVENT_REMAP,
    /// which this kernel does not offer (mm/mremap.c move_ptes, fs/userfaultfd.c mremap_userfaultfd_prep).
    /// </summary>
    public UserfaultfdContext? UffdWp { get; internal set; }

    /// <summary>The shared object a MAP_SHARED VMA maps (null for private memory).</summary>
    public SharedMemoryObject? Backing { get; internal set; }

    /// <summary>Byte offset of <see cref="Start"/> within <see cref="Backing"/>.</summary>
    public ulong BackingOffset { get; internal set; }

    /// <summary>The page index within <see cref="Backing"/> of an address in this VMA.</summary>
    public ulong BackingPage(ulong address) => (BackingOffset + (address - Start)) >> 12;

    public ulong Length => End - Start;

    public bool Contains(ulong address) => address >= Start && address < End;

    public bool CanRead => (Protection & MemoryProtection.PROT_READ) != 0;

    public bool CanWrite => (Protection & MemoryProtection.PROT_WRITE) != 0;

    public bool CanExecute => (Protection & MemoryProtection.PROT_EXEC) != 0;

    /// <summary>"r-x" style, as /proc/PID/maps writes it.</summary>
    public string ProtectionText => $"{(CanRead ? 'r' : '-')}{(CanWrite ? 'w' : '-')}{(CanExecute ? 'x' : '-')}";

    public override string ToString() => $"{Start:x}-{End:x} {ProtectionText} {Name}";

    /// <summary><paramref name="step"/> with this VMA's range, protection and name as its typed fields.</summary>
    public TraceData InTrace(TraceData step) => step with
    {
        VmaStart = Start,
        VmaEnd = End,
        Protection = ProtectionText,
        VmaName = Name,
    };
}

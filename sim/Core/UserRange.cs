namespace HvSim.Core;

/// <summary>
/// Linux's rules for a user address range, in one place for every call that takes one (mmap,
/// munmap, mprotect, mremap, brk, and the hypervisor's check of a registered CDA or record buffer): the user half ends at TASK_SIZE, lengths are page-aligned
/// without wrapping (PAGE_ALIGN of a length near 2^64 is 0, which each call refuses), and nothing
/// may be mapped below mmap_min_addr.
/// </summary>
public static class UserRange
{
    /// <summary>x86-64's TASK_SIZE_MAX with 4-level paging: 2^47 less one page (arch/x86/include/asm/page_64_types.h).</summary>
    public const ulong TaskSize = (1UL << 47) - PageGeometry.PageSize;

    /// <summary>vm.mmap_min_addr's default (mm/Kconfig DEFAULT_MMAP_MIN_ADDR on x86: 65536); the guest is not privileged.</summary>
    public const ulong MmapMinAddr = 0x1_0000;

    /// <summary>PAGE_ALIGN(length): false when it wraps past 2^64 (Linux then sees 0).</summary>
    public static bool TryPageAlign(ulong length, out ulong aligned)
    {
        aligned = PageGeometry.RoundUp(length);
        return aligned >= length;
    }

    /// <summary>[start, start + length) lies in the user half: length &lt;= TASK_SIZE and start &lt;= TASK_SIZE - length (no wrap possible).</summary>
    public static bool Fits(ulong start, ulong length) => length <= TaskSize && start <= TaskSize - length;

    /// <summary>
    /// A buffer a process may hand to its kernel or the hypervisor (access_ok): nothing below
    /// mmap_min_addr, where no user page can be, and all of it in the user half.
    /// </summary>
    public static bool IsUserBuffer(ulong start, ulong length) => start >= MmapMinAddr && Fits(start, length);

    public static bool IsPageAligned(ulong address) => (address & PageGeometry.PageMask) == 0;
}

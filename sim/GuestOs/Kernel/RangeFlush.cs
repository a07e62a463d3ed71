using HvSim.Hypervisor;

namespace HvSim.GuestOs.Kernel;

/// <summary>
/// How the guest kernel invalidates the TLB after changing the protection of a range (mprotect).
/// Which one applies is a property of the kernel build the platform stands for.
/// </summary>
public enum RangeFlush
{
    /// <summary>
    /// Modern Linux (x86 flush_tlb_mm_range): one invlpg per changed page up to
    /// tlb_single_page_flush_ceiling (33), one full flush beyond; flushes go into the lazy-MMU batch.
    /// </summary>
    PerPageUpToCeiling,

    /// <summary>
    /// Linux 2.6.18-xen, i386 (the paper's 32-bit PV guest): change_protection ends with
    /// flush_tlb_range, which the mach-xen tlbflush.h maps to a flush of the whole mm — one
    /// MMUEXT_TLB_FLUSH_LOCAL hypercall for every VMA whose protection changed, after that VMA's
    /// PTEs went to Xen (xen_change_pte_range), whether or not a PTE changed.
    /// </summary>
    FullFlushPerChangedVma,
}

/// <summary>The one place that says which kernel build a platform runs.</summary>
public static class RangeFlushRule
{
    /// <summary>
    /// The 32-bit PV flavours (compat and trap-gate) are 2.6.18-xen i386 on either Xen platform;
    /// native hardware, hvm (an unmodified modern kernel) and the 64-bit PV flavour keep the modern rule.
    /// </summary>
    public static RangeFlush For(PlatformOptions platform) =>
        platform.Platform is Platform.XenPv or Platform.XenShadow && SyscallPathNames.Is32BitGuest(platform.SyscallPath)
            ? RangeFlush.FullFlushPerChangedVma
            : RangeFlush.PerPageUpToCeiling;
}

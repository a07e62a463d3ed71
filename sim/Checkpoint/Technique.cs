using HvSim.Hypervisor;

namespace HvSim.Checkpoint;

/// <summary>
/// The paper's checkpoint techniques (Sections II.B and IV). The numbers are the ones the guest
/// library's QUERY escape returns and int 0x84 Register takes as its mode (docs/checkpoint-abi.md).
/// </summary>
public enum Technique
{
    None = 0,
    /// <summary>User-level page tracking: mprotect and a SIGSEGV handler.</summary>
    Pt = 1,
    /// <summary>User-level write emulation: the handler decodes, emulates through an alias and logs words.</summary>
    Emul = 2,
    /// <summary>Page tracking in the hypervisor's page-fault handler.</summary>
    PtXen = 3,
    /// <summary>Write emulation in the hypervisor's page-fault handler.</summary>
    EmulXen = 4,
    /// <summary>The hypervisor scans the CDA's shadow PTEs for D bits at each cycle's end.</summary>
    ScanXen = 5,
    // 6 and 7 are free (issue 17's userfaultfd technique may take one).
    /// <summary>hvm: the CDA's EPT entries write-protected at cycle begin, one EPT violation per first write to a page.</summary>
    EptWp = 8,
    /// <summary>hvm: the CDA's EPT D bits scanned and cleared at cycle end.</summary>
    EptScan = 9,
    /// <summary>hvm: Intel PML, the logged guest-physical pages mapped back to the CDA (SPML).</summary>
    Pml = 10,
    /// <summary>hvm: OoH's EPML, guest-virtual pages logged into the process's record.</summary>
    Epml = 11,
    /// <summary>hvm: Intel SPP, 128-byte sub-page write protection, only dirty sub-pages copied.</summary>
    Spp = 12,
    /// <summary>
    /// Beyond the paper (issue 17): Linux's soft-dirty bits, through /proc/self/clear_refs and
    /// /proc/self/pagemap only (the guest library's ckpt_softdirty.c). 16, clear of the numbers
    /// the hypervisor techniques take (int 0x84 Register's modes).
    /// </summary>
    SoftDirty = 16,
    /// <summary>
    /// Beyond the paper (issue 17): userfaultfd's asynchronous write-protection (UFFD_FEATURE_WP_ASYNC,
    /// Linux 6.7) with the PAGEMAP_SCAN ioctl, which returns the pages written and write-protects them
    /// again in one call (the guest library's ckpt_uffdwp.c).
    /// </summary>
    UffdWp = 17,
}

/// <summary>Names and platform support of the techniques.</summary>
public static class Techniques
{
    /// <summary>The paper's techniques that track writes, in the paper's order.</summary>
    public static readonly Technique[] Tracking = [Technique.Pt, Technique.Emul, Technique.PtXen, Technique.EmulXen, Technique.ScanXen];

    /// <summary>The hypervisor-level techniques of platform hvm (issue 16), hardware's order: EPT, then its dirty-logging features.</summary>
    public static readonly Technique[] Hvm = [Technique.EptWp, Technique.EptScan, Technique.Pml, Technique.Epml, Technique.Spp];

    /// <summary>Every tracking technique: the paper's five, then the guest kernel's (soft-dirty, uffd-wp), then hvm's (micro --technique all, compare).</summary>
    public static readonly Technique[] All = [.. Tracking, Technique.SoftDirty, Technique.UffdWp, .. Hvm];

    public static string Name(Technique technique) => technique switch
    {
        Technique.None => "none",
        Technique.Pt => "pt",
        Technique.Emul => "emul",
        Technique.PtXen => "ptxen",
        Technique.EmulXen => "emulxen",
        Technique.ScanXen => "scanxen",
        Technique.EptWp => "eptwp",
        Technique.EptScan => "eptscan",
        Technique.Pml => "pml",
        Technique.Epml => "epml",
        Technique.Spp => "spp",
        Technique.SoftDirty => "softdirty",
        Technique.UffdWp => "uffdwp",
        _ => technique.ToString().ToLowerInvariant(),
    };

    /// <summary>The paper's spelling (PT, Emul, PTxen, Emulxen, Scanxen): figure legends and reports.</summary>
    public static string PaperName(Technique technique) => technique switch
    {
        Technique.Pt => "PT",
        Technique.Emul => "Emul",
        Technique.PtXen => "PTxen",
        Technique.EmulXen => "Emulxen",
        Technique.ScanXen => "Scanxen",
        Technique.EptWp => "EPT-WP",
        Technique.EptScan => "EPT-scan",
        Technique.Pml => "PML",
        Technique.Epml => "EPML",
        Technique.Spp => "SPP",
        _ => Name(technique),
    };

    public static bool TryParse(string text, out Technique technique)
    {
        foreach (Technique candidate in Enum.GetValues<Technique>())
        {
            if (Name(candidate) == text)
            {
                technique = candidate;
                return true;
            }
        }
        technique = Technique.None;
        return false;
    }

    /// <summary>
    /// Whether <paramref name="platform"/> can run the technique: the user-level ones run anywhere;
    /// the hypervisor-assisted ones need the hypervisor; Scanxen needs shadow page tables, whose D
    /// bits only the hypervisor owns.
    /// </summary>
    public static bool SupportedOn(Technique technique, Platform platform) => technique switch
    {
        Technique.PtXen or Technique.EmulXen => platform is Platform.XenPv or Platform.XenShadow,
        Technique.ScanXen => platform == Platform.XenShadow,
        Technique.EptWp or Technique.EptScan or Technique.Pml or Technique.Epml or Technique.Spp => platform == Platform.Hvm,
        _ => true,
    };

    /// <summary>Why a platform cannot run a technique, for a one-line error.</summary>
    public static string WhyUnsupported(Technique technique, Platform platform) => technique switch
    {
        Technique.ScanXen => $"technique scanxen needs shadow page tables (--platform xen-shadow), not {PlatformNames.Name(platform)}",
        Technique.EptWp or Technique.EptScan or Technique.Pml or Technique.Epml or Technique.Spp =>
            $"technique {Name(technique)} runs on VT-x with EPT: use --platform hvm, not {PlatformNames.Name(platform)}",
        _ => $"technique {Name(technique)} runs in the hypervisor: use --platform xen-pv or xen-shadow, not {PlatformNames.Name(platform)}",
    };

    /// <summary>Whether the technique is served by the hypervisor (int 0x84, or vmcall on hvm).</summary>
    public static bool InHypervisor(Technique technique) => technique is Technique.PtXen or Technique.EmulXen or Technique.ScanXen
        or Technique.EptWp or Technique.EptScan or Technique.Pml or Technique.Epml or Technique.Spp;

    /// <summary>Whether the guest library lists the record's pages itself (user-level code): PT, Emul's fallbacks, soft-dirty, uffd-wp.</summary>
    public static bool ListedByLibrary(Technique technique) => technique is Technique.Pt or Technique.Emul or Technique.SoftDirty or Technique.UffdWp;
}

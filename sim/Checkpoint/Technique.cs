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
    /// <summary>
    /// Beyond the paper (issue 17): Linux's soft-dirty bits, through /proc/self/clear_refs and
    /// /proc/self/pagemap only (the guest library's ckpt_softdirty.c). 16, clear of the numbers
    /// the hypervisor techniques take (int 0x84 Register's modes).
    /// </summary>
    SoftDirty = 16,
}

/// <summary>Names and platform support of the techniques.</summary>
public static class Techniques
{
    /// <summary>Every technique that tracks writes, in the paper's order.</summary>
    public static readonly Technique[] Tracking = [Technique.Pt, Technique.Emul, Technique.PtXen, Technique.EmulXen, Technique.ScanXen];

    /// <summary>Every tracking technique: the paper's five, then the newer ones (micro --technique all, compare).</summary>
    public static readonly Technique[] All = [.. Tracking, Technique.SoftDirty];

    public static string Name(Technique technique) => technique switch
    {
        Technique.None => "none",
        Technique.Pt => "pt",
        Technique.Emul => "emul",
        Technique.PtXen => "ptxen",
        Technique.EmulXen => "emulxen",
        Technique.ScanXen => "scanxen",
        _ => "softdirty",
    };

    /// <summary>The paper's spelling (PT, Emul, PTxen, Emulxen, Scanxen): figure legends and reports.</summary>
    public static string PaperName(Technique technique) => technique switch
    {
        Technique.Pt => "PT",
        Technique.Emul => "Emul",
        Technique.PtXen => "PTxen",
        Technique.EmulXen => "Emulxen",
        Technique.ScanXen => "Scanxen",
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
        Technique.PtXen or Technique.EmulXen => platform != Platform.Native,
        Technique.ScanXen => platform == Platform.XenShadow,
        _ => true,
    };

    /// <summary>Why a platform cannot run a technique, for a one-line error.</summary>
    public static string WhyUnsupported(Technique technique, Platform platform) => technique == Technique.ScanXen
        ? $"technique scanxen needs shadow page tables (--platform xen-shadow), not {PlatformNames.Name(platform)}"
        : $"technique {Name(technique)} runs in the hypervisor: use --platform xen-pv or xen-shadow, not {PlatformNames.Name(platform)}";

    /// <summary>Whether the technique is served by the hypervisor (int 0x84).</summary>
    public static bool InHypervisor(Technique technique) => technique is Technique.PtXen or Technique.EmulXen or Technique.ScanXen;

    /// <summary>Whether the guest library lists the record's pages itself (user-level code): PT, Emul's fallbacks, soft-dirty.</summary>
    public static bool ListedByLibrary(Technique technique) => technique is Technique.Pt or Technique.Emul or Technique.SoftDirty;
}

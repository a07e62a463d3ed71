using HvSim.Checkpoint;
using HvSim.Cli.CommandLine;
using HvSim.Hypervisor;

namespace HvSim.Cli;

/// <summary>--technique: parsed, and refused with one line when the platform cannot run it.</summary>
internal static class TechniqueOption
{
    public const string Names = "none|pt|emul|ptxen|emulxen|scanxen|softdirty|uffdwp|eptwp|eptscan|pml|epml|spp";

    private const string Description =
        "the checkpoint technique: none, pt (user-level page protection), emul (user-level write emulation), " +
        "ptxen, emulxen or scanxen (the paper's hypervisor-level techniques), softdirty (Linux's soft-dirty bits: clear_refs and pagemap), " +
        "uffdwp (userfaultfd's asynchronous write-protection and PAGEMAP_SCAN), " +
        "eptwp, eptscan, pml, epml or spp (hypervisor-level on hvm: EPT write protection, EPT D-bit scan, PML, OoH's EPML, sub-page protection)";

    /// <summary>One technique; <paramref name="fallback"/> when absent (none shown when <paramref name="required"/>).</summary>
    public static CliOption<Technique> Create(Technique fallback, bool required = false)
    {
        CliOption<Technique> option = CliOptions.Value("--technique", Names, Description, Parse, fallback, required ? null : Techniques.Name(fallback));
        option.Option.Required = required;
        return option;
    }

    /// <summary>One technique or all (null); all when absent.</summary>
    public static CliOption<Technique?> CreateOrAll(Technique? fallback) =>
        CliOptions.Value<Technique?>("--technique", Names + "|all", Description + "; all runs each the platform supports",
            text => text == "all" ? null : Parse(text), fallback, fallback is Technique t ? Techniques.Name(t) : "all");

    public static Technique Parse(string value)
    {
        if (!Techniques.TryParse(value, out Technique technique))
        {
            throw new UsageException($"--technique {value}: expected one of {Names.Replace('|', ' ')}");
        }
        return technique;
    }

    /// <summary>Refuses a technique the platform cannot support (e.g. PTxen on native hardware).</summary>
    public static void CheckSupported(Technique technique, Platform platform)
    {
        if (!Techniques.SupportedOn(technique, platform))
        {
            throw new UsageException(Techniques.WhyUnsupported(technique, platform));
        }
    }
}

using System.CommandLine;
using HvSim.Cli.CommandLine;
using HvSim.Hypervisor;

namespace HvSim.Cli;

/// <summary>
/// The platform options of every command that runs a guest: --platform, --syscall-path and
/// --pte-updates. With <c>allowAll</c>, --platform all runs every platform (micro, workload).
/// </summary>
internal sealed class PlatformOption : IOptionGroup
{
    private readonly CliOption<Platform?> _platform;
    private readonly CliOption<SyscallPath> _syscallPath;
    private readonly CliOption<PteUpdateMode> _pteUpdates;

    public PlatformOption(bool allowAll = false, bool required = false)
    {
        string choices = allowAll ? "native, xen-pv, xen-shadow, hvm or all" : "native, xen-pv, xen-shadow or hvm";
        _platform = CliOptions.Value<Platform?>("--platform", allowAll ? "native|xen-pv|xen-shadow|hvm|all" : "native|xen-pv|xen-shadow|hvm",
            "the simulated machine: native hardware, Xen paravirtualized (direct paging), Xen with shadow paging, or hardware virtualization (VT-x with EPT)" + (allowAll ? "; all runs each" : ""),
            text => text == "all" && allowAll ? null
                : PlatformNames.TryParse(text, out Platform platform) ? platform
                : throw new UsageException($"--platform {text}: expected {choices}"),
            Platform.Native, required ? null : "native");
        _platform.Option.Required = required;
        _syscallPath = CliOptions.Value("--syscall-path", "compat|trap-gate|hypervisor",
            "how a PV guest's system calls reach its kernel (xen-pv, xen-shadow): compat (32-bit PV on 64-bit Xen, the paper's), trap-gate (32-bit PV on 32-bit Xen) or hypervisor (64-bit PV)",
            text => SyscallPathNames.TryParse(text, out SyscallPath path) ? path
                : throw new UsageException($"--syscall-path {text}: expected compat (32-bit PV on 64-bit Xen, the paper's), trap-gate (32-bit PV on 32-bit Xen) or hypervisor (64-bit PV)"),
            SyscallPath.Compat, "compat");
        _pteUpdates = CliOptions.Value("--pte-updates", "hypercall|trapped-write",
            "how the xen-pv kernel changes its PTEs: hypercall (mmu_update) or trapped-write (ptwr, Xen emulates the write)",
            text => text switch
            {
                "hypercall" => PteUpdateMode.Hypercall,
                "trapped-write" => PteUpdateMode.TrappedWrite,
                _ => throw new UsageException($"--pte-updates {text}: expected hypercall (mmu_update) or trapped-write (ptwr)"),
            },
            PteUpdateMode.Hypercall, "hypercall");
    }

    public IEnumerable<Option> Options => [_platform.Option, _syscallPath.Option, _pteUpdates.Option];

    /// <summary>--platform all.</summary>
    public bool All(ParseResult result) => _platform.Given(result) && _platform.Read(result) is null;

    public bool Given(ParseResult result) => _platform.Given(result) || _syscallPath.Given(result) || _pteUpdates.Given(result);

    /// <summary>
    /// The chosen platform (native under --platform all: each run then sets its own). A platform
    /// option the chosen platform would ignore is refused (a silently ignored option misleads):
    /// --syscall-path shapes a PV guest's system calls (xen-pv, xen-shadow), --pte-updates how the
    /// PV kernel changes its PTEs (xen-pv only: under shadow paging its PTE writes always trap).
    /// With --platform all each applies where it can.
    /// </summary>
    public PlatformOptions Read(ParseResult result)
    {
        var chosen = new PlatformOptions
        {
            Platform = _platform.Read(result) ?? Platform.Native,
            SyscallPath = _syscallPath.Read(result),
            PteUpdates = _pteUpdates.Read(result),
        };
        if (All(result))
        {
            return chosen;
        }

        string name = PlatformNames.Name(chosen.Platform);
        if (_syscallPath.Given(result) && chosen.Platform is Platform.Native or Platform.Hvm)
        {
            throw new UsageException($"--syscall-path applies to xen-pv and xen-shadow (a PV guest's system calls), not {name}");
        }

        if (_pteUpdates.Given(result) && chosen.Platform != Platform.XenPv)
        {
            throw new UsageException($"--pte-updates applies to xen-pv (how its PV kernel changes PTEs), not {name}");
        }
        return chosen;
    }
}

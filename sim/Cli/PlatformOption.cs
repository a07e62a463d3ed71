using HvSim.Hypervisor;

namespace HvSim.Cli;

/// <summary>The platform options every command takes: --platform, --syscall-path, --pte-updates.</summary>
public static class PlatformOption
{
    /// <summary>
    /// Refuses a platform option the chosen platform would ignore (a silently ignored option
    /// misleads): --syscall-path shapes a PV guest's system calls (xen-pv, xen-shadow), --pte-updates
    /// how the PV kernel changes its PTEs (xen-pv only: under shadow paging its PTE writes always trap).
    /// With --platform all each applies where it can.
    /// </summary>
    public static void CheckRelevant(PlatformOptions chosen, OptionReader options, bool everyPlatform = false)
    {
        if (everyPlatform)
        {
            return;
        }

        string name = PlatformNames.Name(chosen.Platform);
        if (options.Given("--syscall-path") && chosen.Platform == Platform.Native)
        {
            throw new UsageException($"--syscall-path applies to xen-pv and xen-shadow (a PV guest's system calls), not {name}");
        }

        if (options.Given("--pte-updates") && chosen.Platform != Platform.XenPv)
        {
            throw new UsageException($"--pte-updates applies to xen-pv (how its PV kernel changes PTEs), not {name}");
        }
    }

    public static PlatformOptions Apply(PlatformOptions current, string option, string value)
    {
        switch (option)
        {
            case "--platform":
                if (!PlatformNames.TryParse(value, out Platform platform))
                {
                    throw new UsageException($"--platform {value}: expected native, xen-pv or xen-shadow");
                }
                return current with { Platform = platform };
            case "--syscall-path":
                return SyscallPathNames.TryParse(value, out SyscallPath path)
                    ? current with { SyscallPath = path }
                    : throw new UsageException($"--syscall-path {value}: expected compat (32-bit PV on 64-bit Xen, the paper's), trap-gate (32-bit PV on 32-bit Xen) or hypervisor (64-bit PV)");
            default:
                return current with
                {
                    PteUpdates = value switch
                    {
                        "hypercall" => PteUpdateMode.Hypercall,
                        "trapped-write" => PteUpdateMode.TrappedWrite,
                        _ => throw new UsageException($"--pte-updates {value}: expected hypercall (mmu_update) or trapped-write (ptwr)"),
                    },
                };
        }
    }
}

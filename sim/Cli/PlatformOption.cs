using HvSim.Hypervisor;

namespace HvSim.Cli;

/// <summary>The platform options every command takes: --platform, --syscall-path, --pte-updates.</summary>
public static class PlatformOption
{
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

using HvSim.Hypervisor;

namespace HvSim.Cli;

/// <summary>The platform options every command takes: --platform, --syscall-path, --pte-updates.</summary>
public static class PlatformOption
{
    public const string Help =
        "--platform native|xen-pv|xen-shadow  --syscall-path trap-gate|hypervisor  --pte-updates hypercall|trapped-write";

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
                return current with
                {
                    SyscallPath = value switch
                    {
                        "trap-gate" => SyscallPath.TrapGate,
                        "hypervisor" => SyscallPath.ThroughHypervisor,
                        _ => throw new UsageException($"--syscall-path {value}: expected trap-gate (32-bit PV, the paper's) or hypervisor (64-bit PV)"),
                    },
                };
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

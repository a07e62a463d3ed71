namespace HvSim.Tests.Hvm;

using HvSim.Core;
using HvSim.Hypervisor;
using HvSim.Hypervisor.Hvm;
using HvSim.Tests.FaultPath;

/// <summary>
/// The vmcall interface of platform hvm mirrors int 0x84's (docs/checkpoint-abi.md): only the
/// allow-listed calls, a token Dom0 issued for the technique asked for, cycle calls only from a
/// registered process (tracked by CR3); a refused call changes nothing. Natively vmcall is #UD.
/// </summary>
public sealed class VmcallTests
{
    private const long EPERM = 1, EBUSY = 16, EINVAL = 22;
    private const ulong EptWp = 8, Pml = 10;

    /// <summary>The guest of <see cref="UserCallGuest"/> with a two-page record, making its calls with vmcall.</summary>
    private static byte[] Guest(params UserCall[] calls) => UserCallGuest.Build(calls, (a, _) => a.vmcall(), recordPages: 2);

    [Fact]
    public void Forged_and_foreign_vmcalls_are_refused_and_change_nothing()
    {
        var run = new PlatformRun(PlatformRun.Options("hvm"));
        var platform = (HvmPlatform)run.Kernel.Platform;
        ulong token = platform.Vmm.Dom0.Allow("vmcall test", EptWp);
        ulong forged = token + 1;
        Assert.Null(platform.Vmm.Dom0.ApplicationOf(forged));
        UserCall[] calls =
        [
            new(UserHypercall.Version),                                                   // 0: 2
            new(UserHypercall.CycleBegin),                                                // 1: -EPERM, not registered
            new(UserHypercall.Register, forged, null, 4096, null, 8192, EptWp),           // 2: -EPERM, a forged token
            new(UserHypercall.Register, token, null, 4096, null, 8192, Pml),              // 3: -EPERM, not the technique Dom0 granted
            new((UserHypercall)99, token, null, 4096),                                    // 4: -EINVAL, not on the allow-list
            new(UserHypercall.Register, token, null, 4096, null, 8192, 3),                // 5: -EPERM: ptxen is not granted (nor served on hvm)
            new(UserHypercall.CycleEnd),                                                  // 6: -EPERM, still not registered
            new(UserHypercall.Register, token, null, 4096, null, 8192, EptWp),            // 7: 0
            new(UserHypercall.Register, token, null, 4096, null, 8192, EptWp),            // 8: -EBUSY
            new(UserHypercall.CycleBegin),                                                // 9: 0
            new(UserHypercall.CycleEnd),                                                  // 10: 0
        ];
        HvSim.GuestOs.Kernel.Process process = run.Run(Guest(calls));
        Assert.True(process.ExitStatus == 0, $"status {process.ExitStatus} ({process.FatalReport})");
        Assert.Equal([HvmHypervisor.Version, -EPERM, -EPERM, -EPERM, -EINVAL, -EPERM, -EPERM, 0, -EBUSY, 0, 0], run.LastWords(calls.Length));
        // Each vmcall is one VM exit served by the hypervisor; the guest kernel never sees them.
        // (One more when the process's address space, which holds the registration, is released.)
        Assert.Equal(calls.Length + 1, run.Ledger.Subkinds.GetValueOrDefault("VmExit.vmcall"));
        Assert.Equal(0, run.Ledger.Count(EventKind.SignalDelivery));
        Assert.Equal(0, run.Ledger.Count(EventKind.TrapToHypervisor));
    }

    [Theory]
    [InlineData("native")]
    [InlineData("xen-pv")]
    public void Vmcall_outside_VMX_operation_is_an_invalid_opcode(string platform)
    {
        var run = new PlatformRun(PlatformRun.Options(platform));
        HvSim.GuestOs.Kernel.Process process = run.Run(Guest(new UserCall(UserHypercall.Version)));
        Assert.True(process.ExitStatus == 128 + 4, $"vmcall is #UD outside VMX operation: SIGILL (status {process.ExitStatus}, {process.FatalReport})");
    }
}

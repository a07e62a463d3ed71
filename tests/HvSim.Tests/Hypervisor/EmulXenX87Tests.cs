namespace HvSim.Tests.Hypervisor;

using HvSim.Core;
using HvSim.Hypervisor.Techniques;
using HvSim.Tests.FaultPath;
using static Iced.Intel.AssemblerRegisters;

/// <summary>
/// x87 stores into the read-only CDA under Emulxen: the hypervisor emulates them with the x87 state it
/// captured from the trapped CPU and hands the changed state back (the pops happen), so the program
/// continues as if the stores had run natively and no page falls back.
/// </summary>
public sealed class EmulXenX87Tests
{
    [Theory]
    [InlineData("xen-pv")]
    [InlineData("xen-shadow")]
    public void X87_stores_are_emulated_and_their_pops_reach_the_cpu(string platform)
    {
        var run = new TechniqueRun(platform);
        run.Execute(new TechniqueGuest(2)
            .Register(run.Token, (ulong)CheckpointMode.EmulXen).Begin().Marker()   // marker 0
            .Code(a =>
            {
                a.fninit();
                a.fldpi();
                a.fld1();
                a.fstp(__tword_ptr[r12 + 16]);          // 1.0, popped
                a.fistp(__dword_ptr[r12 + 4096 + 8]);   // pi rounds to 3, popped
                a.fnstsw(__word_ptr[r12 + 32]);         // TOP back to 0
            })
            .Marker()                                                              // marker 1
            .End());

        LedgerSnapshot window = run.Between(0, 1);
        string trace = run.TraceBetween(0, 1);
        Assert.True(window.Count(EventKind.WriteEmulated, Layer.Hypervisor) == 3, trace);
        Assert.Equal(0UL, run.Markers[1].Record.Fallbacks);
        Assert.Empty(run.Markers[1].Record.Pages);
        Assert.Equal(0x8000_0000_0000_0000UL, run.Markers[1].CdaU64(16));
        Assert.Equal(0x3FFFUL, run.Markers[1].CdaU64(24) & 0xFFFF);
        Assert.Equal(3UL, run.Markers[1].CdaU64(4096 + 8) & 0xFFFF_FFFF);
        Assert.Equal(0UL, run.Markers[1].CdaU64(32) & 0x3800);
        Assert.Equal(0, run.Kernel.Cpu.X87.Valid);
    }
}

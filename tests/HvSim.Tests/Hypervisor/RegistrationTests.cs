namespace HvSim.Tests.Hypervisor;

using HvSim.Hypervisor;
using HvSim.Hypervisor.Techniques;

/// <summary>
/// int 0x84 Register with a technique (docs/checkpoint-abi.md): RDI token, RSI cda, RDX length,
/// R10 record buffer, R8 its length, R9 mode. A call that breaks a rule gets an error and leaves
/// no registration behind; a good one stores the CDA, the buffer and the mode.
/// </summary>
public sealed class RegistrationTests
{
    private const long EPERM = 1, EFAULT = 14, EBUSY = 16, EINVAL = 22;

    [Theory]
    [InlineData("xen-pv")]
    [InlineData("xen-shadow")]
    public void Register_checks_the_mode_and_the_record_buffer_before_anything_else(string platform)
    {
        var run = new TechniqueRun(platform);
        const int pages = 4;
        ulong minimum = 64 + (8 * pages);
        var guest = new TechniqueGuest(pages);
        run.Execute(guest
            .Begin()                                                                    // 0: not registered
            .Register(run.Token, 7)                                                     // 1: no such mode
            .Register(run.Token, 1)                                                     // 2: pt is not the hypervisor's
            .Register(run.Token, (ulong)CheckpointMode.ScanXen, recordLength: 0)        // 3: bad length (xen-pv: no scanxen at all)
            .Register(run.Token, (ulong)CheckpointMode.PtXen, recordOffsetFromCda: 4096) // 4: the record overlaps the CDA
            .Register(run.Token, (ulong)CheckpointMode.PtXen, recordLength: minimum - 8) // 5: no room for a page entry per CDA page
            .Register(run.Token, (ulong)CheckpointMode.PtXen, record: 0x7FFF_FFFF_F000, recordLength: 8192) // 6: past user space
            .Register(run.Token + 1, (ulong)CheckpointMode.PtXen)                       // 7: bad token
            .Begin()                                                                    // 8: still not registered
            .Register(run.Token, (ulong)CheckpointMode.PtXen, recordLength: minimum)    // 9: just enough
            .Marker()
            .Register(run.Token, (ulong)CheckpointMode.PtXen)                           // 10: registered already
            .Begin()                                                                    // 11
            .End());                                                                    // 12
        Assert.Equal(
            [-EPERM, -EINVAL, -EINVAL, -EINVAL, -EINVAL, -EINVAL, -EFAULT, -EPERM, -EPERM, 0, -EBUSY, 0, 0],
            run.Results(13));

        Registration? registration = run.Markers[0].Ledger.CurrentRegistration;
        Assert.NotNull(registration);
        Assert.Equal(CheckpointMode.PtXen, registration.Mode);
        Assert.Equal(run.Markers[0].Cda, registration.CdaStart);
        Assert.Equal(guest.CdaBytes, registration.CdaLength);
        Assert.Equal(minimum, registration.RecordLength);
        Assert.Equal(run.Markers[0].RecordAddress, registration.RecordBuffer);
        Assert.Equal(pages, registration.CdaPages);
    }

    [Theory]
    [InlineData("xen-pv", -EINVAL)]
    [InlineData("xen-shadow", 0)]
    public void Scanxen_needs_shadow_page_tables(string platform, long expected)
    {
        var run = new TechniqueRun(platform);
        run.Execute(new TechniqueGuest(2).Register(run.Token, (ulong)CheckpointMode.ScanXen).Begin().End());
        Assert.Equal([expected, expected == 0 ? 0 : -EPERM, expected == 0 ? 0 : -EPERM], run.Results(3));
    }
}

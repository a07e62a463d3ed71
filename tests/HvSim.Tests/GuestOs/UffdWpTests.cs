using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
using HvSim.Tests.Guests;

namespace HvSim.Tests.GuestOs;

/// <summary>
/// userfaultfd write-protection and PAGEMAP_SCAN (issue 17): guests/glibc/uffdwp.c uses them as
/// CRIU does (WP_ASYNC, register, PAGEMAP_SCAN with PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC and
/// PAGE_IS_WRITTEN, max_pages and vec_len limits with walk_end, a scan without WP_MATCHING, an
/// inverted and an any-of mask, never-populated pages, shmem, the argument checks, unregister and
/// close). Its output under hvsim, on every platform, is compared line for line with the host's
/// (Linux 6.18 on the development machine, where uffd-wp works), but for the lines where an empty
/// PTE inside a page table is reported.
/// </summary>
public sealed class UffdWpTests
{
    /// <summary>
    /// The lines where an empty PTE in an existing page table is scanned with the general loop of
    /// pagemap_scan_pmd_entry. The 6.7 source gives it no category (pagemap_page_category: neither
    /// pte_present nor is_swap_pte), so hvsim reports only the VMA's (PAGE_IS_WPALLOWED, 0x1, or
    /// nothing); the development machine's 6.18 kernel reports PAGE_IS_WRITTEN (0x2) for it. Pinned
    /// to the source here; the host's line is not compared.
    /// </summary>
    private static readonly Dictionary<string, string> s_emptyPteLines = new()
    {
        ["registered"] = "registered ret=3 walk_end=16 [0,8)=0xb [8,9)=0x2b [9,16)=0x1",
        ["unregistered-plain"] = "unregistered-plain ret=2 walk_end=4 [0,1)=0xa [1,4)=0",
        ["unprotected"] = "unprotected ret=7 walk_end=16 [0,8)=0xb [8,9)=0x2b [9,10)=0x1 [10,11)=0xb [11,12)=0x1 [12,13)=0xb [13,16)=0x1",
        ["closed"] = "closed ret=2 walk_end=4 [0,3)=0xe [3,4)=0",
    };

    /// <summary>What CRIU's scan must see, whatever the host: the written pages, then none; the limits stop where Linux stops.</summary>
    private static readonly string[] s_criuLines =
    [
        "criu-scan ret=3 walk_end=16 [1,2)=0x2 [3,4)=0x2 [10,11)=0x2",
        "criu-scan-again ret=0 walk_end=16",
        "max-pages-2 ret=1 walk_end=4 [2,4)=0x2",
        "max-pages-rest ret=1 walk_end=16 [4,6)=0x2",
        "vec-len-2 ret=2 walk_end=4 [0,1)=0x2 [2,3)=0x2",
        "vec-len-rest ret=1 walk_end=16 [4,5)=0x2",
    ];

    [Theory]
    [InlineData(Platform.Native)]
    [InlineData(Platform.XenPv)]
    [InlineData(Platform.XenShadow)]
    [InlineData(Platform.Hvm)]
    public void Userfaultfd_and_pagemap_scan_answer_as_Linux_does(Platform platform)
    {
        string path = RepositoryPaths.Guest("glibc-uffdwp");
        string[] simulated = GuestRun.ProbeLines(path, platform);
        foreach (string line in s_criuLines)
        {
            Assert.Contains(line, simulated);
        }
        foreach ((string name, string expected) in s_emptyPteLines)
        {
            Assert.Equal(expected, simulated.Single(l => l.StartsWith(name + " ", StringComparison.Ordinal)));
        }
        if (!GuestRun.HostCanRunGuests)
        {
            return; // no host to compare with: the pinned lines above are all that is checked
        }
        string[] host = GuestRun.Native(path, [], []).StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(!host[0].StartsWith("userfaultfd: errno", StringComparison.Ordinal), $"the host refuses userfaultfd ({host[0]}): nothing to compare");
        Assert.Equal(host.Where(Compared), simulated.Where(Compared));
    }

    private static bool Compared(string line) => !s_emptyPteLines.ContainsKey(line.Split(' ')[0]);
}

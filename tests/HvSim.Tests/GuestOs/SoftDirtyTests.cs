using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
using HvSim.Tests.Guests;

namespace HvSim.Tests.GuestOs;

/// <summary>
/// Soft-dirty (issue 17): guests/glibc/softdirty.c uses clear_refs and pagemap as CRIU does. Its
/// output under hvsim, on every platform, is compared with the host's: line for line where the
/// host's kernel has soft-dirty; where it has not (this machine's Linux 6.18 reads bit 55 as 0
/// always), every bit but soft-dirty, and the soft-dirty column is pinned to Linux's rules.
/// </summary>
public sealed class SoftDirtyTests
{
    /// <summary>
    /// The soft-dirty column by Linux's rules (fs/proc/task_mmu.c, mm/memory.c, mm/mprotect.c):
    /// the probe's clear_refs already cleared the mapping's VM_SOFTDIRTY; a write sets the PTE's
    /// bit (the zero page mapped by a read does not); clear_refs clears every bit; a write after
    /// it faults in the kernel and sets the bit; mprotect neither sets the VMA's flag again nor
    /// makes a clean PTE writable.
    /// </summary>
    private static readonly string[] s_softDirty =
    [
        "fresh p0 0", "touched p0 1", "touched p1 0", "touched p2 0", "cleared p0 0", "cleared p1 0", "cleared p2 0",
        "rewritten p0 1", "rewritten p1 0", "rewritten p2 1", "split-merged p3 0", "split-merged p4 1", "reprotected p0 1", "reprotected p2 0",
    ];

    [Theory]
    [InlineData(Platform.Native)]
    [InlineData(Platform.XenPv)]
    [InlineData(Platform.XenShadow)]
    public void Clear_refs_and_pagemap_answer_as_Linux_does(Platform platform)
    {
        string path = RepositoryPaths.Guest("glibc-softdirty");
        string[] simulated = GuestRun.ProbeLines(path, platform);
        Assert.Equal("softdirty=functional", simulated[0]);
        string[] softDirty = simulated.Where(l => l.Contains(" sd=", StringComparison.Ordinal))
            .Select(l => $"{l.Split(' ')[0]} {l.Split(' ')[1]} {l.Split(" sd=")[1][0]}").ToArray();
        Assert.Equal(s_softDirty, softDirty);

        if (!GuestRun.HostCanRunGuests)
        {
            return; // no host to compare with: the soft-dirty column above is all that is checked
        }
        string[] host = GuestRun.Native(path, [], []).StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (host[0] == "softdirty=functional")
        {
            Assert.Equal(host, simulated);
        }
        else
        {
            // The host's kernel lacks soft-dirty: compare every other bit and every error code.
            Assert.Equal(host.Skip(1).Select(WithoutSoftDirty), simulated.Skip(1).Select(WithoutSoftDirty));
        }
    }

    private static string WithoutSoftDirty(string line) => System.Text.RegularExpressions.Regex.Replace(line, " sd=[01]", "");
}

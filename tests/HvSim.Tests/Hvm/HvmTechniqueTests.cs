namespace HvSim.Tests.Hvm;

using System.Text;
using HvSim.Checkpoint;
using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
using HvSim.Tests.Guests;
using HvSim.Validation;

/// <summary>
/// Each hypervisor-level technique of platform hvm runs its own mechanism (issue 16's "done
/// when"): the paper's microbenchmark under each ends with the backup equal to the CDA, no
/// signal and no trap of the Xen kind, and the VM exits its mechanism implies.
/// </summary>
public sealed class HvmTechniqueTests
{
    private sealed record Micro(CheckpointedResult Result, string Stdout)
    {
        public EventLedger Ledger => Result.Kernel.Ledger;

        public long Exits(string reason) => Ledger.Subkinds.GetValueOrDefault("VmExit." + reason);

        public CheckpointStats Stats => Result.Session.Stats;
    }

    private static Micro Run(Technique technique, int cdaKib, string wpp, string ppt, int tcount)
    {
        string path = RepositoryPaths.Guest("micro");
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        CheckpointedResult result = CheckpointedRun.Run(File.ReadAllBytes(path), path, [path, cdaKib.ToString(), wpp, ppt, tcount.ToString(), "3"], [],
            new KernelOptions { Platform = new PlatformOptions { Platform = Platform.Hvm } }, new CheckpointOptions { Technique = technique, VerifyEveryCommit = true },
            Stream.Null, stdout, stderr);
        Assert.True(result.ExitStatus == 0 && result.Session.Failure is null && result.Check.Equal,
            $"{Techniques.Name(technique)} on hvm: status {result.ExitStatus} {result.Process.FatalReport}; {result.Session.Failure ?? result.Check.Detail}; {Encoding.UTF8.GetString(stderr.ToArray())}");
        var micro = new Micro(result, Encoding.UTF8.GetString(stdout.ToArray()));
        Assert.Equal(0, micro.Ledger.Count(EventKind.SignalDelivery));
        Assert.Equal(0, micro.Ledger.Count(EventKind.TrapToHypervisor));
        Assert.True(micro.Exits("vmcall") == 1 + (2 * tcount) + 1, $"one vmcall to register, two per cycle and one at exit ({micro.Exits("vmcall")})");
        return micro;
    }

    [Fact]
    public void Eptwp_exits_once_per_dirty_page_per_transaction()
    {
        Micro m = Run(Technique.EptWp, 64, "4", "5", 12);
        Assert.Equal(12 * 5, m.Stats.DirtyPages);
        Assert.True(m.Exits("ept_violation") == m.Stats.DirtyPages, $"{m.Exits("ept_violation")} EPT violations for {m.Stats.DirtyPages} dirty pages");
        Assert.True(m.Ledger.Count(EventKind.Invept) >= 12, "each CycleBegin that protected pages ends with invept");
    }

    [Fact]
    public void Spp_exits_once_per_dirty_sub_page_and_copies_only_dirty_128_byte_blocks()
    {
        Micro m = Run(Technique.Spp, 64, "4", "5", 12);
        long initial = 64 * 1024;
        long blockBytes = m.Stats.CopiedBytes - initial;
        Assert.True(blockBytes % 128 == 0, $"copied {blockBytes} bytes after the initial checkpoint: not whole 128-byte blocks");
        Assert.True(blockBytes / 128 == m.Exits("ept_violation"), $"{blockBytes / 128} blocks copied, {m.Exits("ept_violation")} sub-page exits: one per first write to a sub-page");
        Assert.True(blockBytes <= m.Stats.DirtyPages * 4096L && blockBytes < 12 * 5 * 4096L, "at most the dirty pages' bytes");
        Assert.Equal(12 * 5, m.Stats.DirtyPages);
    }

    [Fact]
    public void Pml_exits_once_per_512_newly_dirtied_pages_and_epml_not_at_all_below_its_buffer()
    {
        // 600 CDA pages newly dirtied per cycle: one log-full exit per cycle.
        Micro pml = Run(Technique.Pml, 4096, "1", "600", 3);
        Assert.Equal(0, pml.Exits("ept_violation"));
        Assert.True(pml.Exits("pml_full") == 3, $"{pml.Exits("pml_full")} PML-full exits for 3 cycles of 600 newly dirtied pages");
        Assert.Equal(3 * 600, pml.Stats.DirtyPages);

        Micro epml = Run(Technique.Epml, 4096, "1", "600", 3);
        Assert.Equal(0, epml.Exits("ept_violation"));
        Assert.Equal(0, epml.Exits("epml_full"));
        Assert.Equal(3 * 600, epml.Stats.DirtyPages);
        Assert.True(epml.Ledger.Count(EventKind.DirtyLogAppend, Layer.User) >= 3 * 600, "the CPU logged each newly dirtied CDA page");
    }

    [Fact]
    public void Eptscan_scans_every_CDA_entry_each_cycle_and_takes_no_fault_exit()
    {
        Micro m = Run(Technique.EptScan, 64, "4", "5", 12);
        Assert.Equal(0, m.Exits("ept_violation"));
        Assert.True(m.Ledger.Count(EventKind.PteScan, Layer.Hypervisor) >= (12 + 1) * 16, "every CDA page's entries examined at each cycle end (and at registration)");
        Assert.Equal(12 * 5, m.Stats.DirtyPages);
    }

    /// <summary>A data structure of the textbook suite (deletes, five per transaction) under each hvm technique: invariants, backup, and the output of the plain run.</summary>
    [Theory]
    [InlineData(Technique.EptWp)]
    [InlineData(Technique.EptScan)]
    [InlineData(Technique.Pml)]
    [InlineData(Technique.Epml)]
    [InlineData(Technique.Spp)]
    public void A_workload_keeps_its_invariants_and_its_backup_under_each_hvm_technique(Technique technique)
    {
        var spec = new WorkloadSpec(DataStructures.Find("aa")!, DsOperation.Delete, Opt: 5, Ops: 100, Seed: 7, CdaKib: 256) { Suite = WorkloadSuite.Textbook };
        string guest = RepositoryPaths.Guest(spec.GuestName);
        WorkloadResult run = WorkloadRunner.Run(guest, spec, technique, new PlatformOptions { Platform = Platform.Hvm });
        WorkloadResult plain = WorkloadRunner.Run(guest, spec, Technique.None, new PlatformOptions());
        Assert.True(run.Ok, $"{spec} under {Techniques.Name(technique)} on hvm: {run.Failure}");
        Assert.Equal(plain.GuestOutput, run.GuestOutput);
        Assert.Equal(spec.Transactions, run.Run.Session.Stats.Commits);
    }

    [Theory]
    [InlineData(Technique.Pt)]
    [InlineData(Technique.Emul)]
    public void The_papers_user_level_techniques_run_unchanged_on_hvm(Technique technique)
    {
        string path = RepositoryPaths.Guest("micro");
        CheckpointedResult result = CheckpointedRun.Run(File.ReadAllBytes(path), path, [path, "64", "4", "5", "6", "3"], [],
            new KernelOptions { Platform = new PlatformOptions { Platform = Platform.Hvm } }, new CheckpointOptions { Technique = technique },
            Stream.Null, new MemoryStream(), new MemoryStream());
        Assert.True(result.ExitStatus == 0 && result.Check.Equal, $"{result.Process.FatalReport}; {result.Session.Failure ?? result.Check.Detail}");
        Assert.True(result.Kernel.Ledger.Count(EventKind.SignalDelivery) >= 6 * 5, "the user-level handler ran for each dirty page");
        Assert.Equal(0, result.Kernel.Ledger.Count(EventKind.VmExit));
    }
}

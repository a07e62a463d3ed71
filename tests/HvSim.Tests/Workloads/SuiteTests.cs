using HvSim.Checkpoint;
using HvSim.Hypervisor;
using HvSim.Tests.Guests;
using HvSim.Validation;

namespace HvSim.Tests.Workloads;

/// <summary>
/// The data-structure suite under every technique on every platform that supports it: each
/// structure keeps its invariants (the guest checks them and exits 0), the backup equals the
/// primary at exit, and the technique changes nothing the program computes (its summary line,
/// with the structure's digest, is the one of the run without checkpointing).
/// </summary>
public sealed class SuiteTests
{
    /// <summary>Small runs: 200 operations, and a 512 KiB CDA (enough for any structure at this size; registering costs per CDA page).</summary>
    internal const long Ops = 200;
    internal const long CdaKib = 512;

    internal static string Guest(DataStructure structure) => RepositoryPaths.Guest(structure.GuestName);

    public static TheoryData<string, string> TechniquesOnPlatforms()
    {
        var data = new TheoryData<string, string>();
        foreach (Platform platform in Enum.GetValues<Platform>())
        {
            foreach (Technique technique in Techniques.Tracking.Where(t => Techniques.SupportedOn(t, platform)))
            {
                data.Add(Techniques.Name(technique), PlatformNames.Name(platform));
            }
        }
        return data;
    }

    [Fact]
    public void TheMatrixIsEveryTechniqueOnEveryPlatformThatSupportsIt()
    {
        // pt and emul everywhere (3 + 3), ptxen and emulxen on the two Xen platforms (2 + 2), scanxen on shadow paging.
        Assert.Equal(11, TechniquesOnPlatforms().Count());
    }

    [Theory]
    [MemberData(nameof(TechniquesOnPlatforms))]
    public void EveryStructureKeepsItsInvariantsAndItsBackup(string technique, string platform)
    {
        Assert.True(Techniques.TryParse(technique, out Technique t));
        Assert.True(PlatformNames.TryParse(platform, out Platform p));
        // Inserts in transactions of one operation, deletes in transactions of five.
        WorkloadSpec[] specs = DataStructures.Suite
            .Select(pair => new WorkloadSpec(pair.Structure, pair.Operation, pair.Operation == DsOperation.Insert ? 1 : 5, Ops, Seed: 7, CdaKib))
            .ToArray();
        WorkloadResult[] runs = ParallelRuns.Map(specs, spec => WorkloadRunner.Run(Guest(spec.Structure), spec, t, new PlatformOptions { Platform = p }));
        foreach (WorkloadResult run in runs)
        {
            Assert.True(run.Ok, $"{run.Spec} under {technique} on {platform}: {run.Failure}");
            Assert.Equal(run.Spec.Transactions, run.Run.Session.Stats.Commits);
            WorkloadResult plain = WorkloadRunner.Run(Guest(run.Spec.Structure), run.Spec, Technique.None, new PlatformOptions());
            Assert.Equal(plain.GuestOutput, run.GuestOutput);
        }
    }

    [Fact]
    public void TheCatalogueIsTable2sRowsAndTheGuestsAgree()
    {
        Assert.Equal(PaperTable2.Rows.Select(r => (r.Structure, r.Operation)), DataStructures.Suite.Select(p => (p.Structure.Name, p.Operation)));
        Assert.Equal(13, DataStructures.All.Count);
        foreach (DataStructure structure in DataStructures.All.Where(s => !s.SupportsDelete))
        {
            // A structure without delete refuses it: the catalogue says what the guest says.
            WorkloadResult run = WorkloadRunner.Run(Guest(structure), new WorkloadSpec(structure, DsOperation.Delete, Ops: 10), Technique.None, new PlatformOptions());
            Assert.Equal(2, run.Run.ExitStatus);
            Assert.Contains("delete is not one of this structure's operations", run.GuestOutput);
        }
    }

    [Fact]
    public void ACdaTooSmallForTheStructureIsAFailedRunNotABrokenBackup()
    {
        DataStructure hashquad = DataStructures.Find("hashquad")!; // its table alone is 160 KB
        WorkloadResult run = WorkloadRunner.Run(Guest(hashquad), new WorkloadSpec(hashquad, DsOperation.Insert, Ops: 10, CdaKib: 64), Technique.Pt, new PlatformOptions());
        Assert.False(run.Ok);
        Assert.Equal(2, run.Run.ExitStatus);
        Assert.Contains("CDA full (65536 bytes)", run.Failure);
    }
}

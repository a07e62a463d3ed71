using HvSim.Checkpoint;
using HvSim.Hypervisor;
using HvSim.Tests.Guests;
using HvSim.Validation;

namespace HvSim.Tests.Workloads;

/// <summary>
/// Both data-structure suites (textbook and ours) under every technique on every platform that
/// supports it: each structure keeps its invariants (the guest checks them and exits 0), the
/// backup equals the primary at exit, and the technique changes nothing the program computes (its
/// summary line, with the structure's digest and, for the textbook suite, a hash of its whole
/// heap, is the one of the run without checkpointing).
/// </summary>
public sealed class SuiteTests
{
    /// <summary>Small runs: 200 operations, and a 512 KiB CDA (enough for any structure at this size; registering costs per CDA page).</summary>
    internal const long Ops = 200;
    internal const long CdaKib = 512;

    internal static string Guest(WorkloadSpec spec) => RepositoryPaths.Guest(spec.GuestName);

    /// <summary>The runs without checkpointing the matrix compares against, made once per spec.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<WorkloadSpec, Lazy<WorkloadResult>> s_plain = new();

    public static TheoryData<string, string> TechniquesOnPlatforms()
    {
        var data = new TheoryData<string, string>();
        foreach ((Technique technique, Platform platform) in Matrix())
        {
            data.Add(Techniques.Name(technique), PlatformNames.Name(platform));
        }
        return data;
    }

    public static TheoryData<string, string, string> SuitesTechniquesOnPlatforms()
    {
        var data = new TheoryData<string, string, string>();
        foreach (WorkloadSuite suite in WorkloadSuites.All)
        {
            foreach ((Technique technique, Platform platform) in Matrix())
            {
                data.Add(WorkloadSuites.Name(suite), Techniques.Name(technique), PlatformNames.Name(platform));
            }
        }
        return data;
    }

    // The paper's platforms: hvm's techniques run the workloads in Hvm.HvmTechniqueTests (one structure each, for the suite's time).
    private static IEnumerable<(Technique, Platform)> Matrix() =>
        Enum.GetValues<Platform>().Where(p => p != Platform.Hvm).SelectMany(p => Techniques.Tracking.Where(t => Techniques.SupportedOn(t, p)).Select(t => (t, p)));

    [Fact]
    public void TheMatrixIsEveryTechniqueOnEveryPlatformThatSupportsIt()
    {
        // pt and emul everywhere (3 + 3), ptxen and emulxen on the two Xen platforms (2 + 2), scanxen on shadow paging.
        Assert.Equal(11, TechniquesOnPlatforms().Count());
    }

    [Theory]
    [MemberData(nameof(SuitesTechniquesOnPlatforms))]
    public void EveryStructureKeepsItsInvariantsAndItsBackup(string suite, string technique, string platform)
    {
        Assert.True(WorkloadSuites.TryParse(suite, out WorkloadSuite s));
        Assert.True(Techniques.TryParse(technique, out Technique t));
        Assert.True(PlatformNames.TryParse(platform, out Platform p));
        // Inserts in transactions of one operation, deletes in transactions of five.
        WorkloadSpec[] specs = DataStructures.Suite
            .Select(pair => new WorkloadSpec(pair.Structure, pair.Operation, pair.Operation == DsOperation.Insert ? 1 : 5, Ops, Seed: 7, CdaKib) { Suite = s })
            .ToArray();
        WorkloadResult[] runs = ParallelRuns.Map(specs, spec => WorkloadRunner.Run(Guest(spec), spec, t, new PlatformOptions { Platform = p }));
        foreach (WorkloadResult run in runs)
        {
            Assert.True(run.Ok, $"{run.Spec} under {technique} on {platform}: {run.Failure}");
            Assert.Equal(run.Spec.Transactions, run.Run.Session.Stats.Commits);
            WorkloadResult plain = s_plain.GetOrAdd(run.Spec, spec => new Lazy<WorkloadResult>(
                () => WorkloadRunner.Run(Guest(spec), spec, Technique.None, new PlatformOptions()))).Value;
            Assert.True(plain.Ok, $"{run.Spec} without a technique: {plain.Failure}");
            Assert.Equal(plain.GuestOutput, run.GuestOutput);
        }
    }

    [Theory]
    [InlineData("textbook")]
    [InlineData("ours")]
    public void TheCatalogueIsTable2sRowsAndTheGuestsAgree(string suite)
    {
        Assert.True(WorkloadSuites.TryParse(suite, out WorkloadSuite s));
        Assert.Equal(PaperTable2.Rows.Select(r => (r.Structure, r.Operation)), DataStructures.Suite.Select(p => (p.Structure.Name, p.Operation)));
        Assert.Equal(13, DataStructures.All.Count);
        foreach (DataStructure structure in DataStructures.All.Where(s => !s.SupportsDelete))
        {
            // A structure without delete refuses it: the catalogue says what the guest says.
            var spec = new WorkloadSpec(structure, DsOperation.Delete, Ops: 10) { Suite = s };
            WorkloadResult run = WorkloadRunner.Run(Guest(spec), spec, Technique.None, new PlatformOptions());
            Assert.Equal(2, run.Run.ExitStatus);
            Assert.Contains("delete is not one of this structure's operations", run.GuestOutput);
        }
    }

    [Theory]
    [InlineData("ours", "hashquad", 10, 64, "CDA full (65536 bytes)")] // its table alone is 160 KB
    [InlineData("textbook", "bin", 200, 4, "CDA full (4096 bytes)")] // each insert allocates a node and a one-item queue: 80 bytes
    public void ACdaTooSmallForTheStructureIsAFailedRunNotABrokenBackup(string suite, string structure, long ops, long cdaKib, string message)
    {
        Assert.True(WorkloadSuites.TryParse(suite, out WorkloadSuite s));
        var spec = new WorkloadSpec(DataStructures.Find(structure)!, DsOperation.Insert, Ops: ops, CdaKib: cdaKib) { Suite = s };
        WorkloadResult run = WorkloadRunner.Run(Guest(spec), spec, Technique.Pt, new PlatformOptions());
        Assert.False(run.Ok);
        Assert.Equal(2, run.Run.ExitStatus);
        Assert.Contains(message, run.Failure);
    }
}

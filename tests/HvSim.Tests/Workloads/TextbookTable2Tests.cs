using HvSim.Checkpoint;
using HvSim.Hypervisor;
using HvSim.Validation;

namespace HvSim.Tests.Workloads;

/// <summary>
/// The textbook suite's Table 2 counts: what the book's statements store on the 32-bit layout,
/// checked against hand counts and against validation/paper/weiss_model.py, an independent replay
/// of the same algorithms in Python (200 operations, so the runs stay small).
/// </summary>
public sealed class TextbookTable2Tests
{
    private static Table2Entry Measure(string structure, DsOperation operation, long opt, long ops = SuiteTests.Ops) =>
        Table2Tests.Measure(structure, operation, opt, ops, WorkloadSuite.Textbook);

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void ListAndQueueWriteWhatTheBooksStatementsStore(long opt)
    {
        // list.c Insert: TmpCell->Element, TmpCell->Next, P->Next, and malloc's size word: 4.
        // Delete of the first cell (ascending order): P->Next only, free stores nothing: 1.
        // queue.c Enqueue: Size, Rear, Array[Rear]: 3; Dequeue: Size, Front: 2.
        Assert.Equal(4.0 * opt, Measure("list", DsOperation.Insert, opt).Writes);
        Assert.Equal(1.0 * opt, Measure("list", DsOperation.Delete, opt).Writes);
        Assert.Equal(3.0 * opt, Measure("queue", DsOperation.Insert, opt).Writes);
        Assert.Equal(2.0 * opt, Measure("queue", DsOperation.Delete, opt).Writes);
    }

    public static TheoryData<string, string, long, double, double> Replayed() => new()
    {
        // python3 validation/paper/weiss_model.py's functions at N = 200: weiss_tree_insert,
        // weiss_tree_delete (ascending), avl_run(weiss=True), weiss_splay (two Find passes).
        { "tree", "insert", 1, 20.76, 1.0 },
        { "tree", "insert", 5, 103.8, 1.0 },
        { "tree", "delete", 1, 1.695, 0.85 },
        { "avl", "insert", 1, 19.225, 1.15 },
        { "avl", "insert", 5, 96.125, 1.15 },
        { "splay", "delete", 1, 7.485, 1.0 },
        { "splay", "delete", 5, 37.425, 1.0 },
    };

    [Theory]
    [MemberData(nameof(Replayed))]
    public void TheCountsAreTheReplaysOfTheBooksCode(string structure, string operation, long opt, double writes, double pages)
    {
        Assert.True(DataStructures.TryParse(operation, out DsOperation op));
        Table2Entry e = Measure(structure, op, opt);
        Assert.True(e.Run.Ok, e.Run.Failure);
        Assert.Equal(writes, e.Writes, 9);
        Assert.Equal(pages, e.Pages, 9);
    }

    [Fact]
    public void TheTreesRecursiveInsertWritesALinkPerLevelOfItsPath()
    {
        // Keys (j + 7) % N build seven interleaved sorted runs: the path, and so the writes beyond
        // the new node's three fields and malloc's size word, grow in proportion to N (the
        // paper's 720.7 at N = 10000; the replay: 13.6 at N = 100, 35.92 at N = 400). An
        // iterative insert would write the same few words at any N.
        double small = Measure("tree", DsOperation.Insert, 1, ops: 100).Writes - 4;
        double large = Measure("tree", DsOperation.Insert, 1, ops: 400).Writes - 4;
        Assert.True(large > 3 * small, $"tree insert: {small} path writes per insert at N = 100, {large} at N = 400");
    }

    [Fact]
    public void EveryStoreIsFourBytesAsOnThePapers32BitGuest()
    {
        // Keys, counts, links (32-bit arena offsets) and malloc's size word are all 4 bytes; the
        // volatile accesses keep gcc from merging two into one 8- or 16-byte store.
        foreach ((string structure, DsOperation operation) in DataStructures.Suite.Select(p => (p.Structure.Name, p.Operation)))
        {
            Table2Entry e = Measure(structure, operation, 1, ops: 100);
            Assert.True(e.Counts.Writes > 0, $"{structure} {operation}: no writes");
            Assert.Equal(4 * e.Counts.Writes, e.Counts.WrittenBytes);
        }
    }

    [Fact]
    public void AnOperationCountTheKeyOrderWouldRepeatIsRefused()
    {
        // (j + 7) % 700 visits only 100 keys: the driver says so and exits 2 rather than run a
        // workload of duplicates.
        var spec = new WorkloadSpec(DataStructures.Find("tree")!, DsOperation.Insert, Ops: 700) { Suite = WorkloadSuite.Textbook };
        WorkloadResult run = WorkloadRunner.Run(SuiteTests.Guest(spec), spec, Technique.None, new PlatformOptions());
        Assert.Equal(2, run.Run.ExitStatus);
        Assert.Contains("must not be a multiple of 7", run.GuestOutput);
        Assert.False(WorkloadSuites.AcceptsOps(WorkloadSuite.Textbook, 700));
        Assert.False(WorkloadSuites.AcceptsOps(WorkloadSuite.Textbook, 71 * 3));
        Assert.True(WorkloadSuites.AcceptsOps(WorkloadSuite.Ours, 700));
    }
}

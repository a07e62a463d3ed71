using System.Globalization;
using System.Text.RegularExpressions;
using HvSim.Checkpoint;
using HvSim.Cli;
using HvSim.Core;
using HvSim.Hypervisor;
using HvSim.Validation;

namespace HvSim.Tests.Workloads;

/// <summary>
/// Table 2 as the simulator counts it (emulxen's logged words), for our suite: deterministic,
/// consistent with the hypervisor's own event counts and with PTxen's dirty pages, and equal to
/// what the C code of the structures we can count by hand must write (TextbookTable2Tests: the
/// textbook suite).
/// </summary>
public sealed partial class Table2Tests
{
    internal static Table2Entry Measure(string structure, DsOperation operation, long opt, long ops = SuiteTests.Ops, WorkloadSuite suite = WorkloadSuite.Ours)
    {
        var spec = new WorkloadSpec(DataStructures.Find(structure)!, operation, opt, ops, Seed: 1, SuiteTests.CdaKib) { Suite = suite };
        return Table2.Measure(SuiteTests.Guest(spec), spec);
    }

    [Theory]
    [InlineData(WorkloadSuite.Ours)]
    [InlineData(WorkloadSuite.Textbook)]
    public void TwoRunsOfTheTableGiveTheSameJson(WorkloadSuite suite)
    {
        string first = Table2Output.Json(Table2.MeasureAll(SuiteTests.Guest, SuiteTests.Ops, seed: 3, SuiteTests.CdaKib, suite: suite));
        string second = Table2Output.Json(Table2.MeasureAll(SuiteTests.Guest, SuiteTests.Ops, seed: 3, SuiteTests.CdaKib, parallelism: 1, suite: suite));
        Assert.Equal(first, second);
        Assert.Equal(40, Regex.Count(first, "\"structure\""));
        Assert.Equal(40, Regex.Count(first, $"\"suite\":\"{WorkloadSuites.Name(suite)}\""));
    }

    [Theory]
    [InlineData(WorkloadSuite.Ours)]
    [InlineData(WorkloadSuite.Textbook)]
    public void EveryStoreIsLoggedAndNoneFallsBack(WorkloadSuite suite)
    {
        IReadOnlyList<Table2Entry> entries = Table2.MeasureAll(SuiteTests.Guest, SuiteTests.Ops, seed: 5, SuiteTests.CdaKib, suite: suite);
        foreach (Table2Entry e in entries)
        {
            Assert.True(e.Run.Ok, $"{e.Spec}: {e.Run.Failure}");
            Assert.Equal(0, e.Counts.Fallbacks);
            Assert.Equal(0, e.Counts.WholePages);
            Assert.Equal(e.Spec.Transactions, e.Counts.Transactions);
            // Every write the hypervisor emulated is a word of some committed record, and back.
            Assert.Equal(e.Run.Run.Kernel.Ledger.Count(EventKind.WriteEmulated), e.Counts.Writes);
            Assert.Equal(e.Run.Run.Session.Stats.LoggedWords, e.Counts.Writes);
        }
    }

    public static TheoryData<string, string, long> SomeRows() => new()
    {
        { "tree", "insert", 1 },
        { "splay", "delete", 5 },
        { "hashquad", "insert", 5 },
        { "heap", "delete", 1 },
        { "leftheap", "delete", 5 },
        { "list", "delete", 1 },
    };

    [Theory]
    [MemberData(nameof(SomeRows))]
    public void ThePagesAreTheOnesPtxenFindsDirty(string structure, string operation, long opt)
    {
        Assert.True(DataStructures.TryParse(operation, out DsOperation op));
        Table2Entry emulxen = Measure(structure, op, opt);
        var counts = new TransactionWrites();
        WorkloadResult ptxen = WorkloadRunner.Run(SuiteTests.Guest(emulxen.Spec), emulxen.Spec, Technique.PtXen,
            new PlatformOptions { Platform = Platform.XenPv }, counts);
        Assert.True(ptxen.Ok, ptxen.Failure);
        // Page tracking lists each page once per cycle at its first write fault: the same set,
        // transaction by transaction, as the distinct pages of the logged words.
        Assert.Equal(emulxen.Counts.Pages, ptxen.Run.Session.Stats.DirtyPages);
        Assert.Equal(emulxen.Counts.Pages, counts.Pages);
        Assert.Equal(0, counts.Writes);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void ListAndQueueInsertsWriteFourWordsEach(long opt)
    {
        // list: the node's key and next, the head, the count. queue: the node's key, the old
        // rear's next (or the front when empty), the rear, the count (the new node's next is
        // already zero: the bump allocator hands out zeroed .bss).
        Assert.Equal(4.0 * opt, Measure("list", DsOperation.Insert, opt).Writes);
        Assert.Equal(4.0 * opt, Measure("queue", DsOperation.Insert, opt).Writes);
    }

    [Fact]
    public void QueueDeletesWriteThreeWordsEach()
    {
        // Dequeue: the front, the count, and the freed node's free-list link. 200 dequeues after
        // 400 enqueues: the queue never empties, so the rear is never cleared.
        Table2Entry e = Measure("queue", DsOperation.Delete, 1);
        Assert.Equal(3 * SuiteTests.Ops, e.Counts.Writes);
        Assert.Equal(3.0, e.Writes);
    }

    [Fact]
    public void ListDeletesWriteThreeWordsPerKeyRemoved()
    {
        // Unlink (the predecessor's next or the head), the count, the freed node's free-list link.
        // Every delete finds its key (distinct keys of the warm-up, in random order), as the
        // guest's "removed" count shows; no transaction is empty.
        Table2Entry e = Measure("list", DsOperation.Delete, 1);
        long removed = long.Parse(RemovedPattern().Match(e.Run.GuestOutput).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(SuiteTests.Ops, removed);
        Assert.Equal(3 * removed, e.Counts.Writes);
        Assert.Equal(0, e.Counts.EmptyTransactions);
    }

    [Fact]
    public void TreeInsertsWriteTheNewNodesKeyItsLinkAndTheCount()
    {
        // Iterative insert: only the one link that changes is written (the paper's recursive
        // insert rewrote every link on the path: validation/TABLE2.md).
        Table2Entry e = Measure("tree", DsOperation.Insert, 1);
        Assert.Equal(3.0, e.Writes);
    }

    [GeneratedRegex(@"removed=(\d+)")]
    private static partial Regex RemovedPattern();
}

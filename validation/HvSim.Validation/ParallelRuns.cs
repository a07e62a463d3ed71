using System.Collections.Concurrent;

namespace HvSim.Validation;

/// <summary>Independent simulated runs on every core, results in input order whatever the schedule.</summary>
public static class ParallelRuns
{
    /// <summary>
    /// Runs <paramref name="run"/> on every item in parallel; <paramref name="done"/> (called from
    /// worker threads, so it must be thread-safe) sees each result as it finishes. Every run owns
    /// its own simulated machine, so the results do not depend on the order or the core count.
    /// </summary>
    /// <param name="startOrder">The indices of <paramref name="items"/> in the order to start them (null: input order); results stay in input order.</param>
    public static TResult[] Map<TItem, TResult>(IReadOnlyList<TItem> items, Func<TItem, TResult> run, Action<TResult>? done = null,
        int? parallelism = null, IReadOnlyList<int>? startOrder = null)
    {
        var results = new TResult[items.Count];
        // Items are handed out one at a time in input order (no chunks): a run can take a
        // thousand times longer than its neighbour (the textbook tree insert under Emul: 7.2
        // million emulated writes), and a chunk holding two such runs would leave the other cores
        // idle at the end. Callers start their longest runs first.
        var indices = Partitioner.Create(startOrder ?? Enumerable.Range(0, items.Count), EnumerablePartitionerOptions.NoBuffering);
        Parallel.ForEach(indices, new ParallelOptions { MaxDegreeOfParallelism = parallelism ?? Environment.ProcessorCount }, i =>
        {
            results[i] = run(items[i]);
            done?.Invoke(results[i]);
        });
        return results;
    }
}

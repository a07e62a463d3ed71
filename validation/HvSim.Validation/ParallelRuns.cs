namespace HvSim.Validation;

/// <summary>Independent simulated runs on every core, results in input order whatever the schedule.</summary>
public static class ParallelRuns
{
    /// <summary>
    /// Runs <paramref name="run"/> on every item in parallel; <paramref name="done"/> (called from
    /// worker threads, so it must be thread-safe) sees each result as it finishes. Every run owns
    /// its own simulated machine, so the results do not depend on the order or the core count.
    /// </summary>
    public static TResult[] Map<TItem, TResult>(IReadOnlyList<TItem> items, Func<TItem, TResult> run, Action<TResult>? done = null,
        int? parallelism = null)
    {
        var results = new TResult[items.Count];
        // Longest first would balance better, but the runs are within a factor of a few of each
        // other; plain index order keeps the progress bar honest.
        Parallel.For(0, items.Count, new ParallelOptions { MaxDegreeOfParallelism = parallelism ?? Environment.ProcessorCount }, i =>
        {
            results[i] = run(items[i]);
            done?.Invoke(results[i]);
        });
        return results;
    }
}

using HvSim.Checkpoint;

namespace HvSim.Validation;

/// <summary>
/// Writes and unique pages per transaction, from the records the checkpoint data path commits.
/// Under Emulxen every guest store into the CDA faults and is emulated and logged by the
/// hypervisor, so a record's words are exactly the transaction's stores: one word per store, a
/// rep-string element counting as one store and a store that straddles a page as two (the engine
/// logs each half on its own page). Its unique pages are the distinct pages of those words plus
/// the pages listed whole (Emulxen lists a page whole only when the engine cannot emulate an
/// instruction: a fallback, expected never to happen here). Under a page-tracking technique the
/// same counter sees only whole pages: its page figure must be the same.
/// </summary>
public sealed class TransactionWrites
{
    private readonly HashSet<ulong> _pages = [];

    /// <summary>Committed transactions seen.</summary>
    public long Transactions { get; private set; }

    /// <summary>Logged words, summed over the transactions.</summary>
    public long Writes { get; private set; }

    /// <summary>Logged bytes of data (the words' sizes), summed over the transactions.</summary>
    public long WrittenBytes { get; private set; }

    /// <summary>Unique pages written per transaction, summed over the transactions.</summary>
    public long Pages { get; private set; }

    /// <summary>Pages listed whole in the records, summed over the transactions.</summary>
    public long WholePages { get; private set; }

    /// <summary>Writes the emulation engine could not emulate (tracked as whole pages instead).</summary>
    public long Fallbacks { get; private set; }

    /// <summary>Transactions that wrote nothing (e.g. a delete of a key no longer present).</summary>
    public long EmptyTransactions { get; private set; }

    /// <summary>The largest number of writes in one transaction.</summary>
    public long MaxWrites { get; private set; }

    /// <summary>Average writes per transaction (0 without transactions).</summary>
    public double WritesPerTransaction => Transactions == 0 ? 0 : (double)Writes / Transactions;

    /// <summary>Average unique pages per transaction (0 without transactions).</summary>
    public double PagesPerTransaction => Transactions == 0 ? 0 : (double)Pages / Transactions;

    /// <summary>The totals as another process counted them (a sharded sweep's results, read back).</summary>
    public static TransactionWrites Of(long transactions, long writes, long writtenBytes, long pages, long wholePages, long fallbacks,
        long emptyTransactions, long maxWrites) => new()
    {
        Transactions = transactions, Writes = writes, WrittenBytes = writtenBytes, Pages = pages, WholePages = wholePages,
        Fallbacks = fallbacks, EmptyTransactions = emptyTransactions, MaxWrites = maxWrites,
    };

    /// <summary>Counts one committed transaction.</summary>
    public void Add(CheckpointRecord record)
    {
        _pages.Clear();
        foreach (ulong page in record.Pages)
        {
            _pages.Add(page);
        }
        foreach (LoggedWord word in record.Words)
        {
            _pages.Add(word.Address & ~0xFFFUL);
            WrittenBytes += word.Size;
        }
        Transactions++;
        EmptyTransactions += _pages.Count == 0 ? 1 : 0;
        Writes += record.Words.Count;
        MaxWrites = Math.Max(MaxWrites, record.Words.Count);
        Pages += _pages.Count;
        WholePages += record.Pages.Count;
        Fallbacks += (long)record.Fallbacks;
    }
}

using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor.Techniques;
using HvSim.Mmu;

namespace HvSim.Checkpoint.Audit;

/// <summary>
/// The ground truth of a checkpointed run (issue 17): every store into a frame that backs a page
/// of the CDA, whoever makes it, between one commit and the next. It watches those frames
/// (<see cref="IWriteAudit"/>): their fast-write tags are withdrawn, so each store reaches a
/// writer that reports it here, and no instruction pays anything when no audit is installed.
/// A frame is watched from registration (every CDA page then present), and whenever the MMU
/// fills a TLB entry, or the hypervisor writes through a guest address, for a CDA page of the registered process (a page populated, copied on write
/// or moved in later). A watched frame that no longer backs its page (it was moved out with
/// mremap) is let go at its next write; a frame freed and reused is let go when it is zeroed.
/// At each commit <see cref="EndCycle"/> compares the truth with the record.
/// </summary>
public sealed class WriteAudit : IWriteAudit
{
    public const int BlockBytes = 128;
    private const int BlocksPerPage = 4096 / BlockBytes;

    private readonly GuestKernel _kernel;
    private readonly Process _process;
    private readonly ulong _cda;
    private readonly ulong _length;
    private readonly Dictionary<PhysicalFrame, ulong> _pageOf = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<ulong, StoreSite> _written = new();   // CDA page -> first writer this cycle
    private readonly HashSet<ulong> _blocks = new();                  // page | block index (low 5 bits)

    private WriteAudit(GuestKernel kernel, Process process, ulong cda, ulong length)
    {
        _kernel = kernel;
        _process = process;
        _cda = cda;
        _length = length;
    }

    public AuditTotals Totals { get; } = new();

    /// <summary>Starts auditing the CDA of <paramref name="process"/> (at registration: the first cycle starts now).</summary>
    public static WriteAudit Start(GuestKernel kernel, Process process, ulong cda, ulong length)
    {
        var audit = new WriteAudit(kernel, process, cda, length);
        for (ulong page = cda; page - cda < length; page += 4096)
        {
            GuestLeaf leaf = GuestPageWalk.Inspect(kernel.Memory, process.Space.Cr3, page);
            if (leaf.Present && kernel.Memory.TryGet(new Frame(leaf.PhysicalPage >> 12)) is PhysicalFrame frame)
            {
                audit.Watch(frame, page, withdraw: false);
            }
        }
        kernel.Mmu.WriteAudit = audit; // withdraws the fast-write tags of the frames just watched, in one pass
        return audit;
    }

    /// <summary>Stops watching (the process is gone): frames are let go and the MMU consults no audit.</summary>
    public void Stop()
    {
        foreach (PhysicalFrame frame in _pageOf.Keys)
        {
            if (ReferenceEquals(frame.WriteWatch, this))
            {
                frame.WriteWatch = null;
            }
        }
        _pageOf.Clear();
        if (ReferenceEquals(_kernel.Mmu.WriteAudit, this))
        {
            _kernel.Mmu.WriteAudit = null;
        }
    }

    public void Reaching(ulong va, PhysicalFrame frame)
    {
        ulong page = va & ~0xFFFUL;
        if (page - _cda >= _length || !ReferenceEquals(_kernel.CurrentProcess, _process) || !Backs(frame, page))
        {
            return;
        }
        Watch(frame, page, withdraw: true);
    }

    public void Written(PhysicalFrame frame, int offset, int length, bool user)
    {
        if (!_pageOf.TryGetValue(frame, out ulong page))
        {
            return;
        }
        if (!Backs(frame, page))
        {
            // Moved out of the CDA (mremap) since it was watched: its stores are no longer CDA stores.
            frame.WriteWatch = null;
            _pageOf.Remove(frame);
            return;
        }
        if (!_written.ContainsKey(page))
        {
            _written[page] = StoreSite.Capture(_kernel.Cpu, page + (ulong)offset, user);
        }
        int first = offset / BlockBytes, last = (offset + Math.Max(length, 1) - 1) / BlockBytes;
        for (int b = first; b <= last && b < BlocksPerPage; b++)
        {
            _blocks.Add(page | (uint)b);
        }
    }

    /// <summary>
    /// Compares the cycle's truth with the record the technique handed to the checkpoint, adds the
    /// differences to <see cref="Totals"/> and starts the next cycle. Returns the first miss of this
    /// cycle in words (the run fails on it), or null.
    /// </summary>
    public string? EndCycle(CheckpointRecord record)
    {
        Totals.Cycles++;
        var recorded = new HashSet<ulong>(record.Pages);
        var wordBlocks = new HashSet<ulong>(); // blocks recorded one by one (words, spp's blocks), as page | block index
        foreach (LoggedWord word in record.Words)
        {
            ulong page = word.Address & ~0xFFFUL;
            recorded.Add(page);
            int offset = (int)(word.Address & 0xFFF);
            for (int b = offset / BlockBytes; b <= (offset + word.Size - 1) / BlockBytes; b++)
            {
                wordBlocks.Add(page | (uint)b);
            }
        }
        // spp's dirty 128-byte blocks (hvm): each records its block, and its page as written.
        foreach (ulong block in record.Blocks)
        {
            ulong page = block & ~0xFFFUL;
            recorded.Add(page);
            wordBlocks.Add(page | (uint)((block & 0xFFF) / BlockBytes));
        }
        string? miss = null;
        foreach ((ulong page, StoreSite site) in _written)
        {
            if (!recorded.Contains(page))
            {
                Totals.MissedPages++;
                miss ??= $"audit: cycle {Totals.Cycles} missed CDA page 0x{page:x} (written at 0x{site.Address:x} by {site.Describe()})";
            }
        }
        foreach (ulong page in recorded)
        {
            if (!_written.ContainsKey(page))
            {
                Totals.ExtraPages++;
            }
        }
        var wholePages = new HashSet<ulong>(record.Pages);
        foreach (ulong block in _blocks)
        {
            if (!wholePages.Contains(block & ~0xFFFUL) && !wordBlocks.Contains(block))
            {
                Totals.MissedBlocks++;
            }
        }
        Totals.WrittenPages += _written.Count;
        Totals.WrittenBlocks += _blocks.Count;
        Totals.FirstMiss ??= miss;
        _written.Clear();
        _blocks.Clear();
        return miss;
    }

    private void Watch(PhysicalFrame frame, ulong page, bool withdraw)
    {
        frame.WriteWatch = this;
        _pageOf[frame] = page;
        // The entry being filled gets no fast-write tag; another virtual page that maps the frame
        // (Emul's alias, a shared mapping) may already cache one. A frame mapped once has none.
        if (withdraw && _kernel.Machine.GuestFrames.MapCount(frame.Number) > 1)
        {
            _kernel.Mmu.Tlb.WithdrawFastWrites(frame);
        }
    }

    /// <summary>Whether the registered process's own page tables map <paramref name="page"/> to <paramref name="frame"/> now.</summary>
    private bool Backs(PhysicalFrame frame, ulong page)
    {
        GuestLeaf leaf = GuestPageWalk.Inspect(_kernel.Memory, _process.Space.Cr3, page);
        return leaf.Present && leaf.PhysicalPage >> 12 == frame.Number.Number;
    }
}

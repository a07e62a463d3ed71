using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Mmu;
using Xunit.Sdk;

namespace HvSim.Tests.Fuzz;

/// <summary>
/// What every fuzzer of issue 13 shares, in one place: the soak multiplier, the kernel a run gets,
/// and the run itself under a watchdog that turns an exception out of the simulator (an internal
/// error), a hang, a runaway host allocation or a broken isolation invariant into a failure that
/// names the run's seed. Each fuzzer builds its hostile program and its own checks on top.
/// </summary>
internal static class FuzzHarness
{
    /// <summary>
    /// 64 MiB of guest memory per run: a run that touches page after page ends with the guest's
    /// out-of-memory (SIGBUS, ENOMEM), not the host's, and a run costs little host memory.
    /// </summary>
    public const ulong GuestMemoryBytes = 64UL << 20;

    /// <summary>
    /// Host bytes one run may allocate (the guest's frames included, at most 64 MiB of them): far
    /// above what any run needs, far below what a guest-sized host copy (a CDA, a record's word
    /// log, a backup) costs. A run beyond it found a path where the guest chooses the host's cost.
    /// </summary>
    public const long MaxAllocatedBytes = 512L << 20;

    /// <summary>
    /// Wall-clock limit of one run. The instruction limit bounds user code, not the kernel's or the
    /// hypervisor's work in one call (issue 13: a munmap looped forever in one system call), so a
    /// run still going after this is reported as a hang. Runs take milliseconds; the limit is loose
    /// so that a loaded CI machine never trips it.
    /// </summary>
    public static readonly TimeSpan WallLimit = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The soak multiplier: HVSIM_FUZZ_SOAK=N (a positive integer, default 1) multiplies every
    /// fuzzer's run count, with fresh seeds for the runs beyond CI's, for long runs by hand, e.g.
    /// <c>HVSIM_FUZZ_SOAK=50 dotnet test tests/HvSim.Tests -c Release --filter FullyQualifiedName~Fuzz</c>.
    /// CI leaves it unset, so its seeds are the same on every run.
    /// </summary>
    public static int Soak { get; } = ParseSoak(Environment.GetEnvironmentVariable("HVSIM_FUZZ_SOAK"));

    /// <summary>The runs a fuzzer makes: its CI count times the soak multiplier.</summary>
    public static int Runs(int perCiRun) => checked(perCiRun * Soak);

    /// <summary>A soak multiplier from its variable's text: 1 when unset; anything but a positive integer is refused loudly (a typo must not silently run CI's count).</summary>
    internal static int ParseSoak(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return 1;
        }
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int multiplier) || multiplier < 1)
        {
            throw new ArgumentException($"HVSIM_FUZZ_SOAK must be a positive integer, not '{text}'");
        }
        return multiplier;
    }

    public static TheoryData<string> Platforms() => new() { "native", "xen-pv", "xen-shadow" };

    /// <summary>A kernel on <paramref name="platform"/> (a <see cref="FaultPath.PlatformRun.Options"/> name) with the fuzzers' guest memory.</summary>
    public static GuestKernel NewKernel(string platform, long maxInstructions, Stream? stdin = null, ulong seed = 0) =>
        new(new KernelOptions
        {
            Platform = FaultPath.PlatformRun.Options(platform),
            MaxInstructions = maxInstructions,
            PhysicalMemoryBytes = GuestMemoryBytes,
            Seed = seed,
        }, stdin ?? new MemoryStream(new byte[8192]), Stream.Null, Stream.Null);

    /// <summary>
    /// Creates the process with <paramref name="start"/> and runs it to its end or its instruction
    /// limit, on a thread of its own so that a hang is caught, and checks the isolation invariants
    /// when it ends (before its address space is torn down) or stops. An exception from
    /// <paramref name="start"/> that <paramref name="isRefusal"/> accepts is a clean refusal (a bad
    /// ELF); any other exception is an internal error. <paramref name="what"/> names the run (its
    /// seed) in every failure.
    /// </summary>
    public static FuzzResult Run(GuestKernel kernel, Func<Process> start, string what, Func<Exception, bool>? isRefusal = null)
    {
        string? broken = null;
        Action<Process>? exiting = kernel.ProcessExiting;
        kernel.ProcessExiting = p =>
        {
            exiting?.Invoke(p);
            broken ??= Invariants(kernel, p.Space);
        };
        Process? process = null;
        RunOutcome outcome = RunOutcome.Exited;
        Exception? error = null, refusal = null;
        long allocated = 0;
        bool finished = Watchdog.TryRun(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                try
                {
                    process = start();
                }
                catch (Exception e) when (isRefusal?.Invoke(e) == true)
                {
                    refusal = e;
                }
                if (process is not null)
                {
                    outcome = kernel.Run(process);
                }
            }
            catch (Exception e)
            {
                error = e;
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }, WallLimit);
        if (!finished)
        {
            // The worker is left running (a background thread): nothing can stop a hung call.
            throw new XunitException($"hang, {what}: still running after {WallLimit.TotalSeconds} s (rip 0x{kernel.Cpu.Rip:x}, {kernel.Cpu.InstructionsRetired} instructions)");
        }
        if (error is InvariantViolation violation)
        {
            throw new XunitException($"invariant broken, {what}: {violation.Message}");
        }
        if (error is not null)
        {
            throw new XunitException($"internal error, {what}: {error}");
        }
        if (process is not null && outcome == RunOutcome.InstructionLimit)
        {
            broken ??= Invariants(kernel, process.Space);
        }
        if (broken is not null)
        {
            throw new XunitException($"invariant broken, {what}: {broken}");
        }
        if (allocated > MaxAllocatedBytes)
        {
            throw new XunitException($"host memory, {what}: the run allocated {allocated >> 20} MiB (limit {MaxAllocatedBytes >> 20} MiB)");
        }
        return new FuzzResult(process, outcome, refusal, allocated);
    }

    /// <summary>The isolation invariants of one address space (null when they hold).</summary>
    public static string? Invariants(GuestKernel kernel, AddressSpace space)
    {
        ulong previousEnd = 0;
        foreach (Vma vma in space.Vmas)
        {
            if (vma.Start >= vma.End || vma.Start < previousEnd || vma.Start < UserRange.MmapMinAddr || vma.End > UserRange.TaskSize + PageGeometry.PageSize)
            {
                return $"VMA {vma} is inverted, overlaps its neighbour or leaves the user half";
            }
            previousEnd = vma.End;
        }
        // No user-reachable leaf may map a frame that holds a page table, and none may lie outside
        // the user half (the walk sees the whole tree, the kernel half included).
        var tables = new HashSet<ulong>();
        foreach ((ulong va, ulong entry) in UserLeaves(kernel.Memory, space.Cr3, tables))
        {
            if (tables.Contains(PteFormat.Address(entry)))
            {
                return $"user page 0x{va:x} maps page-table frame 0x{PteFormat.Address(entry):x}";
            }
            if (va >= UserRange.TaskSize + PageGeometry.PageSize)
            {
                return $"a user page is mapped at 0x{va:x}, beyond the user half";
            }
        }
        return null;
    }

    /// <summary>
    /// Every present leaf with US set in the tables rooted at <paramref name="cr3"/>, as (virtual
    /// address, entry), read straight from physical memory (no A/D bit changes); the frames of the
    /// tables walked go into <paramref name="tables"/> when given.
    /// </summary>
    public static List<(ulong Va, ulong Entry)> UserLeaves(PhysicalMemory memory, ulong cr3, HashSet<ulong>? tables = null)
    {
        var leaves = new List<(ulong, ulong)>();
        Walk(memory, PteFormat.Address(cr3), 4, 0, tables, leaves);
        return leaves;
    }

    private static void Walk(PhysicalMemory memory, ulong table, int level, ulong vaBase, HashSet<ulong>? tables, List<(ulong, ulong)> leaves)
    {
        tables?.Add(table);
        for (int i = 0; i < 512; i++)
        {
            ulong entry = memory.ReadU64(new GuestPhysical(table + ((ulong)i * 8)));
            if (!PteFormat.Has(entry, Pte.P))
            {
                continue;
            }
            ulong va = vaBase | ((ulong)i << (12 + (9 * (level - 1))));
            if (level == 1)
            {
                if (PteFormat.Has(entry, Pte.US))
                {
                    leaves.Add((va, entry));
                }
            }
            else
            {
                Walk(memory, PteFormat.Address(entry), level - 1, va, tables, leaves);
            }
        }
    }
}

/// <summary>
/// Runs the fuzzers' runs on a worker thread, one per test thread, so that a hung run can be left
/// behind: the caller waits with a time limit, and after a hang the next run gets a new worker.
/// One long-lived worker rather than a thread per run, which cost more than a short run itself.
/// </summary>
internal sealed class Watchdog
{
    [ThreadStatic]
    private static Watchdog? t_worker;

    private readonly System.Collections.Concurrent.BlockingCollection<Action> _work = new();

    private Watchdog()
    {
        new Thread(() =>
        {
            foreach (Action work in _work.GetConsumingEnumerable())
            {
                work();
            }
        })
        { IsBackground = true, Name = "fuzz run" }.Start();
    }

    /// <summary>Runs <paramref name="work"/> (which catches what it throws) on this thread's worker; false when it is still running after <paramref name="limit"/>.</summary>
    public static bool TryRun(Action work, TimeSpan limit)
    {
        Watchdog worker = t_worker ??= new Watchdog();
        var done = new ManualResetEventSlim();
        worker._work.Add(() =>
        {
            try
            {
                work();
            }
            finally
            {
                done.Set();
            }
        });
        if (done.Wait(limit))
        {
            done.Dispose();
            return true;
        }
        // Abandoned with its hung run; the event stays undisposed, since the run may yet set it.
        t_worker = null;
        return false;
    }
}

/// <summary>How one fuzz run ended: its process (null when the ELF was refused), the outcome, the refusal, and what it allocated on the host.</summary>
internal sealed record FuzzResult(Process? Process, RunOutcome Outcome, Exception? Refusal, long AllocatedBytes)
{
    public int? ExitStatus => Process?.ExitStatus;
}

/// <summary>
/// Thrown by a fuzzer's own check (at a marker, in an escape) from inside the run: reported as a
/// broken invariant rather than as an internal error of the simulator.
/// </summary>
internal sealed class InvariantViolation(string message) : Exception(message);

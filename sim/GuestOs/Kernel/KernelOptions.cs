using HvSim.Hypervisor;
using HvSim.Mmu;

namespace HvSim.GuestOs.Kernel;

/// <summary>Parameters of a simulated machine and its kernel.</summary>
public sealed record KernelOptions
{
    /// <summary>Guest physical memory; sparse, so a large value costs nothing until used.</summary>
    public ulong PhysicalMemoryBytes { get; init; } = DefaultPhysicalMemoryBytes;

    /// <summary>The default guest RAM, 4 GiB (what --guest-ram sets).</summary>
    public const ulong DefaultPhysicalMemoryBytes = 4UL << 30;

    public TlbGeometry Tlb { get; init; } = TlbGeometry.Default;

    /// <summary>The CPU's identity: what cpuid reports and which extensions it executes (--cpu).</summary>
    public HvSim.Cpu.CpuIdentity Cpu { get; init; } = HvSim.Cpu.CpuIdentity.Paper;

    /// <summary>
    /// Whether hot guest blocks are translated to IL (--jit). Nothing the guest, the ledger or
    /// the instruction count can observe depends on it; only host time does.
    /// </summary>
    public bool Jit { get; init; } = true;

    /// <summary>
    /// Whether the .NET JIT compiles translated blocks on another thread while the interpreter
    /// goes on (the command line's choice: host time only), or at once (deterministic, for tests).
    /// </summary>
    public bool JitInBackground { get; init; }

    /// <summary>What the kernel runs on: native hardware or the Xen-like hypervisor, and how.</summary>
    public PlatformOptions Platform { get; init; } = new();

    /// <summary>Seed of everything random the guest sees (AT_RANDOM, getrandom).</summary>
    public ulong Seed { get; init; }

    /// <summary>The run stops with <see cref="RunOutcome.InstructionLimit"/> past this many instructions.</summary>
    public long MaxInstructions { get; init; } = long.MaxValue;

    /// <summary>
    /// The run stops with <see cref="RunOutcome.TimeLimit"/> once this much host time has passed
    /// in <see cref="GuestKernel.Run"/> (null: no limit). The clock is read between exits and
    /// every <see cref="WallClockLimit.InstructionsBetweenReads"/> instructions, so a run may
    /// overshoot by that much guest code.
    /// </summary>
    public TimeSpan? MaxWallTime { get; init; }

    /// <summary>Simulated nanoseconds per retired instruction, for clock_gettime (a clock, not a cost model).</summary>
    public ulong ClockNanosecondsPerInstruction { get; init; } = 1;

    /// <summary>
    /// Host directories the guest may reach (--mount), and the only files it can: with none, every
    /// path is ENOENT. See <see cref="HvSim.GuestOs.Files.MountTable"/> for the confinement rules.
    /// </summary>
    public IReadOnlyList<HvSim.GuestOs.Files.MountPoint> Mounts { get; init; } = [];

    /// <summary>
    /// vm.max_map_count: the most VMAs a process may have (mm/mmap.c, mm/vma.c: mmap, mprotect,
    /// munmap and mremap that would pass it fail with ENOMEM). Linux's default, 65,530, unless a
    /// test lowers it to reach the limit with fewer pages.
    /// </summary>
    public int MaxMapCount { get; init; } = AddressSpace.DefaultMaxMapCount;
}

/// <summary>How a run ended.</summary>
public enum RunOutcome
{
    /// <summary>The process exited or was killed; see <see cref="Process.ExitStatus"/>.</summary>
    Exited,
    /// <summary>The instruction limit was reached first.</summary>
    InstructionLimit,
    /// <summary>The wall-clock limit (<see cref="KernelOptions.MaxWallTime"/>) was reached first.</summary>
    TimeLimit,
}

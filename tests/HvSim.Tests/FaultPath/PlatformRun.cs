namespace HvSim.Tests.FaultPath;

using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
using HvSim.Tests.Guests;

/// <summary>
/// A guest run on a chosen platform that keeps its kernel (ledger, hypervisor, CPU) for the test
/// to inspect, and records the trace between the guest's two markers (xchg bx, bx): the first
/// starts the ledger's trace, the second stops it, as hvsim trace brackets the write it traces.
/// </summary>
internal sealed class PlatformRun
{
    private readonly MemoryStream _stdout = new();
    private readonly MemoryStream _stderr = new();

    public PlatformRun(PlatformOptions platform, long maxInstructions = 2_000_000_000, ulong seed = 0, HvSim.Cpu.CpuIdentity? cpu = null)
    {
        Kernel = new GuestKernel(
            new KernelOptions { Platform = platform, MaxInstructions = maxInstructions, Seed = seed, Cpu = cpu ?? HvSim.Cpu.CpuIdentity.Paper },
            new MemoryStream([]), _stdout, _stderr);
        Kernel.MarkerPassed = () =>
        {
            MarkersPassed++;
            Snapshots.Add(LedgerSnapshot.Take(Kernel));
            if (MarkersPassed % 2 == 1)
            {
                Kernel.Ledger.StartTrace();
            }
            else
            {
                Kernel.Ledger.StopTrace();
            }
        };
    }

    public GuestKernel Kernel { get; }

    public EventLedger Ledger => Kernel.Ledger;

    public int MarkersPassed { get; private set; }

    /// <summary>The ledger's counts at each marker, in order.</summary>
    public List<LedgerSnapshot> Snapshots { get; } = [];

    /// <summary>What happened between marker <paramref name="from"/> and marker <paramref name="to"/> (0-based).</summary>
    public LedgerSnapshot Between(int from, int to) => Snapshots[to].Minus(Snapshots[from]);

    public string Stdout => System.Text.Encoding.UTF8.GetString(_stdout.ToArray());

    public byte[] StdoutBytes => _stdout.ToArray();

    public string Stderr => System.Text.Encoding.UTF8.GetString(_stderr.ToArray());

    /// <summary>The platform's hypervisor (null on native).</summary>
    public XenHypervisor? Hypervisor => Kernel.Platform.Hypervisor;

    /// <summary>Creates a process from an ELF image (it becomes current: its CR3 is loaded).</summary>
    public HvSim.GuestOs.Kernel.Process Start(byte[] elf, string path = "/tiny", params string[] args)
    {
        var argv = new List<string> { path };
        argv.AddRange(args);
        return Kernel.CreateProcess(elf, path, argv, ["LANG=C"]);
    }

    /// <summary>Runs a process to its end (asserts it ends within the instruction limit).</summary>
    public HvSim.GuestOs.Kernel.Process RunToEnd(HvSim.GuestOs.Kernel.Process process)
    {
        RunOutcome outcome = Kernel.Run(process);
        Assert.True(outcome == RunOutcome.Exited, $"the guest ran past the instruction limit (rip 0x{Kernel.Cpu.Rip:x})");
        return process;
    }

    /// <summary>Runs an ELF image from start to end.</summary>
    public HvSim.GuestOs.Kernel.Process Run(byte[] elf, string path = "/tiny", params string[] args) => RunToEnd(Start(elf, path, args));

    /// <summary>Runs guests/bin/<paramref name="name"/> from start to end.</summary>
    public HvSim.GuestOs.Kernel.Process RunGuest(string name, params string[] args)
    {
        string path = RepositoryPaths.Guest(name);
        return Run(File.ReadAllBytes(path), path, args);
    }

    /// <summary>The options of each platform under test, by a short name used in test data.</summary>
    public static PlatformOptions Options(string name) => name switch
    {
        "native" => new PlatformOptions { Platform = Platform.Native },
        "xen-pv" => new PlatformOptions { Platform = Platform.XenPv },
        "xen-pv/hypervisor-syscall" => new PlatformOptions { Platform = Platform.XenPv, SyscallPath = SyscallPath.ThroughHypervisor },
        "xen-pv/trap-gate" => new PlatformOptions { Platform = Platform.XenPv, SyscallPath = SyscallPath.TrapGate },
        "xen-pv/trapped-write" => new PlatformOptions { Platform = Platform.XenPv, PteUpdates = PteUpdateMode.TrappedWrite },
        "xen-shadow" => new PlatformOptions { Platform = Platform.XenShadow },
        "xen-shadow/hypervisor-syscall" => new PlatformOptions { Platform = Platform.XenShadow, SyscallPath = SyscallPath.ThroughHypervisor },
        "hvm" => new PlatformOptions { Platform = Platform.Hvm },
        _ => throw new ArgumentException($"unknown platform {name}", nameof(name)),
    };

    /// <summary>Every non-zero ledger count, one "Kind/layer=n" per line (for failure messages).</summary>
    public string LedgerText() => string.Join("\n", Ledger.NonZero().Select(e => $"{e.Kind}/{e.Layer}={e.Count}"));

    /// <summary>The recorded trace, one "layer  Event  detail" per line.</summary>
    public string TraceText() => string.Join("\n", Ledger.Trace.Select(s => $"{s.Layer,-10} {s.Kind,-17} {HvSim.Cli.TraceFields.Detail(s.Data)}"));

    /// <summary>The last <paramref name="count"/> 64-bit words the guest wrote to stdout (a test guest's results, one word per call).</summary>
    public long[] LastWords(int count)
    {
        byte[] bytes = StdoutBytes;
        Assert.True(bytes.Length >= 8 * count, $"the guest wrote its {count} results ({bytes.Length} bytes)");
        byte[] all = bytes[^(8 * count)..];
        return Enumerable.Range(0, count).Select(i => System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(all.AsSpan(8 * i))).ToArray();
    }
}

/// <summary>The ledger's counts at one moment: per (kind, layer), per subkind, and the hypervisor's view of the current process.</summary>
internal sealed record LedgerSnapshot(
    IReadOnlyDictionary<(EventKind, Layer), long> Counts,
    IReadOnlyDictionary<string, long> Subkinds,
    HvProcess? CurrentHvProcess,
    Registration? CurrentRegistration)
{
    public static LedgerSnapshot Take(GuestKernel kernel)
    {
        var counts = kernel.Ledger.NonZero().ToDictionary(e => (e.Kind, e.Layer), e => e.Count);
        var subkinds = kernel.Ledger.Subkinds.ToDictionary(e => e.Key, e => e.Value);
        HvProcess? current = kernel.Platform.Hypervisor?.Processes.Current;
        return new LedgerSnapshot(counts, subkinds, current, current?.Registration);
    }

    public long Count(EventKind kind, Layer layer) => Counts.GetValueOrDefault((kind, layer));

    public long Count(EventKind kind) => Counts.Where(e => e.Key.Item1 == kind).Sum(e => e.Value);

    public long Subkind(string key) => Subkinds.GetValueOrDefault(key);

    /// <summary>The counts of this snapshot less an earlier one's.</summary>
    public LedgerSnapshot Minus(LedgerSnapshot earlier)
    {
        var counts = Counts.Keys.Union(earlier.Counts.Keys)
            .ToDictionary(k => k, k => Counts.GetValueOrDefault(k) - earlier.Counts.GetValueOrDefault(k));
        var subkinds = Subkinds.Keys.Union(earlier.Subkinds.Keys)
            .ToDictionary(k => k, k => Subkinds.GetValueOrDefault(k) - earlier.Subkinds.GetValueOrDefault(k));
        return new LedgerSnapshot(counts, subkinds, CurrentHvProcess, CurrentRegistration);
    }

    public override string ToString() =>
        string.Join(", ", Counts.Where(e => e.Value != 0).Select(e => $"{e.Key.Item1}/{e.Key.Item2}={e.Value}"))
        + " | " + string.Join(", ", Subkinds.Where(e => e.Value != 0).Select(e => $"{e.Key}={e.Value}"));
}

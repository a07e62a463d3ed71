namespace HvSim.Tests.GuestOsTests;

using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Tests.Guests;

/// <summary>
/// A guest run that keeps its kernel, so a test can look at the event ledger, the process and
/// the CPU afterwards (GuestRun.Simulated keeps only what the program printed).
/// </summary>
internal sealed class KernelRun
{
    private KernelRun(GuestKernel kernel, HvSim.GuestOs.Kernel.Process process, RunOutcome outcome, MemoryStream stdout, MemoryStream stderr)
    {
        Kernel = kernel;
        Process = process;
        Outcome = outcome;
        StdoutBytes = stdout.ToArray();
        Stdout = System.Text.Encoding.UTF8.GetString(StdoutBytes);
        Stderr = System.Text.Encoding.UTF8.GetString(stderr.ToArray());
    }

    public GuestKernel Kernel { get; }
    public HvSim.GuestOs.Kernel.Process Process { get; }
    public RunOutcome Outcome { get; }
    public byte[] StdoutBytes { get; }
    public string Stdout { get; }
    public string Stderr { get; }
    public EventLedger Ledger => Kernel.Ledger;
    public int? ExitStatus => Process.ExitStatus;

    /// <summary>Runs guests/bin/<paramref name="name"/> with arguments.</summary>
    public static KernelRun Guest(string name, params string[] args)
    {
        string path = RepositoryPaths.Guest(name);
        return Elf(File.ReadAllBytes(path), path, args);
    }

    /// <summary>Runs an ELF image from memory.</summary>
    public static KernelRun Elf(byte[] elf, string path, IReadOnlyList<string> args, long maxInstructions = 2_000_000_000, byte[]? stdin = null, KernelOptions? options = null)
    {
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var kernel = new GuestKernel((options ?? new KernelOptions()) with { MaxInstructions = maxInstructions }, new MemoryStream(stdin ?? []), stdout, stderr);
        var argv = new List<string> { path };
        argv.AddRange(args);
        HvSim.GuestOs.Kernel.Process process = kernel.CreateProcess(elf, path, argv, ["LANG=C"]);
        RunOutcome outcome = kernel.Run(process);
        return new KernelRun(kernel, process, outcome, stdout, stderr);
    }

    /// <summary>Every non-zero ledger count, one "Kind/layer=n" per line (for failure messages and test output).</summary>
    public string LedgerText() =>
        string.Join("\n", Ledger.NonZero().Select(e => $"{e.Kind}/{e.Layer}={e.Count}"));

    /// <summary>The report a failed assertion should carry: how the run ended and the tail of stdout.</summary>
    public string Describe() =>
        $"outcome {Outcome}, status {ExitStatus}, fatal: {Process.FatalReport}\n--- stdout (tail) ---\n" +
        (Stdout.Length > 1500 ? "..." + Stdout[^1500..] : Stdout);
}

using System.Globalization;
using HvSim.Models.Calibration;
using HvSim.Models.Profiles;
using HvSim.Models.Runs;
using HvSim.Tests.Cli;
using HvSim.Tests.Guests;

namespace HvSim.Tests.Models;

/// <summary>
/// guests/measure/kvm/ (kvm-measure, issue 16): the committed kvm_pvm run's CSV has the shape
/// hvsim calibrate reads and shows the structure the write-protection techniques assume (one exit
/// per first write per page per cycle; re-arming linear in the dirty pages), which hvsim's shadow
/// path shares; calibrate fits hvm prices from it with --fit-platform hvm; and the program itself
/// builds, runs in quick mode where /dev/kvm exists, and skips cleanly (status 77) where it does
/// not. Its figures are a nested
/// software hypervisor's: the tests compare them with each other, never with hvm's prices.
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed class KvmMeasureTests
{
    private static readonly string s_csvPath = Path.Combine(RepositoryPaths.Root, "models", "measurements", "kvm-pvm.csv");
    private static readonly string s_source = Path.Combine(RepositoryPaths.Root, "guests", "measure", "kvm");

    [Fact]
    public void TheCommittedCsvNamesTheMachineAndTheModule()
    {
        string[] lines = File.ReadAllLines(s_csvPath);
        Assert.Contains(lines, l => l.StartsWith("# machine: cpu ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("# module: kvm_pvm ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("# date: ", StringComparison.Ordinal) && l.Contains("repetitions 7", StringComparison.Ordinal));
        CheckShape(lines, MeasurementsCsv.Load(s_csvPath), ["1mib", "16mib", "256mib"]);
    }

    [Fact]
    public void OneExitPerFirstWritePerPage()
    {
        // Without PML every first write to a page after re-arming takes one write-protection exit,
        // with the bitmap and with the ring: the vCPU's own exits statistic, counted around the
        // armed pass less the writable one, says so (not 0: the store did exit; not 2).
        foreach (string write in new[] { "exits_per_first_write", "exits_per_ring_first_write" })
        {
            Assert.InRange(Count(write), 0.95, 1.1);
        }
        // The exits the in-kernel rows stand for are single exits too (kvm_pvm answers vmmcall at
        // CPL 3 without one, so its io row carries the fit: see the rows' weights).
        Assert.InRange(Count("exits_per_io"), 0.95, 1.1);
        Assert.InRange(Count("exits_per_user_exit"), 0.95, 1.1);
        double exit = Raw("exit_kernel_io");
        // A first write costs an exit's order, far above a store: tens of µs on this machine.
        Assert.True(Raw("first_write") > exit / 10, $"first write {Raw("first_write")} ns against an exit of {exit} ns");
        // Re-arming is per dirty page: tens of ns per page, whatever the slot's size, by GET or by CLEAR.
        foreach (string quantity in new[] { "get_per_page", "clear_per_page" })
        {
            double[] perPage = [Raw($"{quantity}_1mib"), Raw($"{quantity}_16mib"), Raw($"{quantity}_256mib")];
            Assert.True(perPage.Max() / perPage.Min() < 4, $"{quantity}: {string.Join(", ", perPage)} ns per page across slot sizes");
            Assert.All(perPage, ns => Assert.True(ns < exit / 100, $"{quantity}: {ns} ns per page is not far below an exit"));
        }
    }

    [Fact]
    public void TheShadowModelTakesOneHypervisorFaultPerFirstWritePerPageAsKvmPvmDoes()
    {
        // kvm_pvm (shadow paging, no PML) exits once per first write per page per cycle; hvsim's
        // xen-shadow path for a hypervisor-level page tracker (PTxen) has the same structure: in the
        // steady state (the difference of two run lengths) each dirty page of a transaction costs
        // one user #PF into the hypervisor, one fault decision and one log append there.
        double measured = Math.Round(Count("exits_per_first_write"));
        (long Pages, Dictionary<string, long> Counts) Run(int tcount)
        {
            (int status, string stdout, string stderr) = HvsimConsole.Run("micro", "--technique", "ptxen", "--platform", "xen-shadow",
                "--cda-kib", "64", "--wpp", "4", "--ppt", "4", "--tcount", $"{tcount}", "--json");
            Assert.True(status == 0, stderr);
            RunRecord run = Assert.Single(RunJsonReader.Parse(stdout, "micro").Runs);
            long pages = run.Json["dirty_pages"]!.GetValue<long>();
            return (pages, run.Counts.Where(c => c.Subkind is null).ToDictionary(c => $"{c.Kind}@{LayerNames.Name(c.Layer)}", c => c.Count));
        }
        (long pages1, Dictionary<string, long> a) = Run(20);
        (long pages2, Dictionary<string, long> b) = Run(60);
        double PerPage(string key) => (double)(b.GetValueOrDefault(key) - a.GetValueOrDefault(key)) / (pages2 - pages1);
        Assert.Equal(160, pages2 - pages1);
        foreach (string key in new[] { "PageFault@user", "FaultHandled@hypervisor", "DirtyLogAppend@hypervisor" })
        {
            Assert.True(Math.Abs(PerPage(key) - measured) < 0.01, $"{key}: {PerPage(key)} per dirty page per transaction; kvm_pvm {measured} exit");
        }
    }

    [Fact]
    public void CalibrateFitsHvmPricesFromIt()
    {
        string output = Path.Combine(Path.GetTempPath(), $"hvsim-kvm-pvm-{Guid.NewGuid():N}.json");
        try
        {
            // Prior weight 0: the rows determine every price they name, and a prior 45 times below a nested
            // hypervisor's exit would otherwise pull the fit off the rows (the README's command).
            (int status, string stdout, string stderr) = HvsimConsole.Run("calibrate", "--measurements", s_csvPath, "--prior", "xen-4.1-pv",
                "--prior-weight", "0", "--fit-platform", "hvm", "--out", output, "--name", "kvm-pvm-structure");
            Assert.True(status == 0, stdout + stderr);
            CostProfile fitted = ProfileJson.Load(output);
            CostProfile prior = BundledProfiles.Load("xen-4.1-pv");
            MeasurementSet rows = MeasurementsCsv.Load(s_csvPath);
            foreach (string key in new[] { "VmExit.vmcall@hypervisor@hvm", "VmExit.ept_violation@hypervisor@hvm", "PteUpdate@hypervisor@hvm" })
            {
                Price price = Assert.Single(fitted.Prices, p => p.Key.ToString() == key);
                Assert.Equal(ProvenanceBasis.Fitted, price.Provenance.Basis);
                Assert.True(price.Provenance.Determined == true, $"{key}: {price.Provenance.Note}");
                Assert.StartsWith("kvm-pvm.csv: ", price.Provenance.Source, StringComparison.Ordinal);
            }
            // The first-write rows determine the EPT-violation exit on top of the harvest's PteUpdate
            // and the sourced DirtyLogAppend, which stays fixed: "*" prices are not the platform's own.
            Assert.Contains("first-write", Find(fitted, "VmExit.ept_violation@hypervisor@hvm").Provenance.Source, StringComparison.Ordinal);
            Assert.Equal(Find(prior, "DirtyLogAppend@hypervisor@*"), Find(fitted, "DirtyLogAppend@hypervisor@*"));
            // Every price no row involves is the prior's, unchanged (pml_full, invept, the 2D walk, every other platform's).
            HashSet<PriceKey> involved = rows.Keys.ToHashSet();
            Assert.All(prior.Prices.Where(p => !involved.Contains(p.Key)), p => Assert.Equal(p, Find(fitted, p.Key.ToString())));
            // The fitted exit is the in-kernel exit row that carries weight: within its own spread.
            MeasuredTarget exitRow = Assert.Single(rows.Targets.OfType<MeasuredTarget>(), t => t.Name.StartsWith("exit-kernel-", StringComparison.Ordinal) && t.Weight > 0);
            Assert.InRange(Find(fitted, "VmExit.vmcall@hypervisor@hvm").Ns, Raw(RawName(exitRow.Name), 2), Raw(RawName(exitRow.Name), 3));
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public void WithoutFitPlatformTheSourcedHvmPricesAreHeldAndNothingIsLeft()
    {
        string output = Path.Combine(Path.GetTempPath(), $"hvsim-kvm-pvm-{Guid.NewGuid():N}.json");
        (int status, _, string stderr) = HvsimConsole.Run("calibrate", "--measurements", s_csvPath, "--prior", "xen-4.1-pv", "--out", output);
        Assert.Equal(2, status);
        Assert.Contains("nothing is left to fit", stderr, StringComparison.Ordinal);
        Assert.Contains("--fit-platform", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        (status, _, stderr) = HvsimConsole.Run("calibrate", "--measurements", s_csvPath, "--prior", "xen-4.1-pv", "--fit-platform", "kvm", "--out", output);
        Assert.Equal(2, status);
        Assert.Contains("unknown platform 'kvm'", stderr, StringComparison.Ordinal);
    }

    [GccFact]
    public void WithoutTheDeviceItSkipsWithStatus77()
    {
        WithBuiltProgram((program, directory) =>
        {
            string csv = Path.Combine(directory, "never.csv");
            ToolRun run = HostTools.Run(program, ["--quick", "--device", Path.Combine(directory, "no-kvm"), "--out", csv], directory, TimeSpan.FromMinutes(1));
            Assert.Equal(77, run.ExitCode);
            Assert.StartsWith("kvm-measure: skipped: cannot open ", run.Stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(csv));
        });
    }

    [KvmFact]
    public void AQuickRunWritesACsvCalibrateReads()
    {
        WithBuiltProgram((program, directory) =>
        {
            string csv = Path.Combine(directory, "quick.csv");
            ToolRun run = HostTools.Run(program, ["--quick", "--out", csv], directory, TimeSpan.FromMinutes(2));
            Assert.True(run.ExitCode == 0, $"kvm-measure exited with {run.ExitCode}:\n{run.Stderr}");
            string[] lines = File.ReadAllLines(csv);
            Assert.Contains(lines, l => l.StartsWith("# module: kvm_", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("# date: ", StringComparison.Ordinal) && l.Contains("repetitions 3", StringComparison.Ordinal));
            CheckShape(lines, MeasurementsCsv.Load(csv), ["1mib", "4mib"]);
        });
    }

    /// <summary>
    /// Every quantity has its raw line (a figure with min ≤ median ≤ max, or unavailable with a
    /// reason); every row calibrate reads is named after one and counts hvm events only.
    /// </summary>
    private static void CheckShape(string[] lines, MeasurementSet set, string[] slots)
    {
        string[][] raw = lines.Where(l => l.StartsWith("# raw,", StringComparison.Ordinal) && !l.StartsWith("# raw,quantity,", StringComparison.Ordinal))
            .Select(l => l["# raw,".Length..].Split(',', 6)).ToArray();
        string[] expected = ["exit_user", "exit_kernel_hcall", "exit_kernel_io", "exit_user_cpl0", "exit_kernel_hcall_cpl0", "exit_kernel_io_cpl0", "first_write",
            .. slots.SelectMany(s => new[] { "get_empty", "get_per_page", "manual_get_empty", "manual_get_per_page", "clear_empty", "clear_per_page" }.Select(q => $"{q}_{s}")),
            "ring_first_write", "ring_reset"];
        Assert.Equal(expected, raw.Select(r => r[0]));
        string[][] counts = lines.Where(l => l.StartsWith("# count,", StringComparison.Ordinal) && !l.StartsWith("# count,quantity,", StringComparison.Ordinal))
            .Select(l => l["# count,".Length..].Split(',', 6)).ToArray();
        Assert.Equal(["exits_per_user_exit", "exits_per_hcall", "exits_per_io", "exits_per_first_write", "exits_per_ring_first_write"], counts.Select(r => r[0]));
        foreach (string[] r in raw.Concat(counts))
        {
            Assert.Equal(6, r.Length);
            if (r[1] == "unavailable")
            {
                Assert.Equal("0", r[4]);
                Assert.Contains(": ", r[5], StringComparison.Ordinal);
                continue;
            }
            double median = Ns(r[1]), low = Ns(r[2]), high = Ns(r[3]);
            Assert.True(low <= median && median <= high, $"{r[0]}: {low} <= {median} <= {high}");
            Assert.InRange(int.Parse(r[4], CultureInfo.InvariantCulture), 1, 64);
        }
        Assert.Contains(set.Targets, t => t.Name == "first-write");
        Assert.Contains(set.Targets, t => t.Name == $"get-per-page-{slots[0]}");
        Assert.All(set.Experiments, e => Assert.All(e.Counts.Keys, k => Assert.Equal(Platforms.Hvm, k.Platform)));
        Assert.All(set.Targets.OfType<MeasuredTarget>(), t => Assert.Contains(raw, r => r[0] == RawName(t.Name)));
    }

    /// <summary>The raw quantity a row reports: first-write is first_write, get-per-page-1mib is get_per_page_1mib, exit-kernel-hcall is exit_kernel_hcall.</summary>
    private static string RawName(string row) => row.Replace('-', '_');

    private static double Raw(string quantity, int column = 1) => Column("raw", quantity, column);

    private static double Count(string quantity) => Column("count", quantity, 1);

    private static double Column(string kind, string quantity, int column)
    {
        string line = File.ReadLines(s_csvPath).Single(l => l.StartsWith($"# {kind},{quantity},", StringComparison.Ordinal));
        return Ns(line[$"# {kind},".Length..].Split(',')[column]);
    }

    private static double Ns(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static Price Find(CostProfile profile, string key) => Assert.Single(profile.Prices, p => p.Key.ToString() == key);

    private static void WithBuiltProgram(Action<string, string> test)
    {
        string directory = Path.Combine(Path.GetTempPath(), $"hvsim-kvm-measure-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            string program = Path.Combine(directory, "kvm-measure");
            // The flags of guests/Makefile's kvm-measure target.
            ToolRun compile = HostTools.Run(HostTools.Find("gcc")!, ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-o", program,
                Path.Combine(s_source, "kvm-measure.c"), Path.Combine(s_source, "kvm-vm.c")], directory, TimeSpan.FromMinutes(2));
            Assert.True(compile.ExitCode == 0, $"gcc failed on kvm-measure:\n{compile.Stderr}");
            test(program, directory);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

/// <summary>Skipped where gcc is missing (kvm-measure is compiled by the test).</summary>
public sealed class GccFactAttribute : FactAttribute
{
    public GccFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || HostTools.Find("gcc") is null)
        {
            Skip = "kvm-measure needs Linux and gcc on PATH";
        }
    }
}

/// <summary>Skipped where gcc is missing or /dev/kvm cannot be opened for reading and writing.</summary>
public sealed class KvmFactAttribute : FactAttribute
{
    public KvmFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || HostTools.Find("gcc") is null)
        {
            Skip = "kvm-measure needs Linux and gcc on PATH";
            return;
        }
        try
        {
            using FileStream device = new("/dev/kvm", FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1, FileOptions.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            Skip = $"kvm-measure's run needs /dev/kvm ({e.Message})";
        }
    }
}

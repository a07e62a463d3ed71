using System.Globalization;
using System.Text;
using HvSim.Checkpoint;
using HvSim.Core;
using HvSim.Models.Profiles;

namespace HvSim.Validation.Claims;

/// <summary>
/// The measurements CSV (models/README.md) that fits the default profile models/profiles/xen-4.1-pv.json:
/// the calibration claims only (holdouts are never rows), as relations and times over the
/// experiments' counts, plus the [M] rows of ../shared/calibration/sources.md for the absolute scale.
/// </summary>
public static class ClaimsCalibration
{
    /// <summary>
    /// The [M] rows of sources.md (a virtualized AMD EPYC, Linux 6.18; mid-range of each interval) with
    /// the events one occurrence takes natively on the simulated path (hvsim trace), as in
    /// tests/HvSim.Tests/Models/Data/sources-native.csv; the 1-page mprotect's events are traced here.
    /// </summary>
    private static readonly (string Name, double Ns, double Weight, string Events, string Note)[] Measured =
    [
        ("m-null-syscall", 168.5, 1, "SyscallEntry@kernel=1 SyscallExit@kernel=1 ReturnToUser@kernel=1", "[M] null syscall (getppid) 167-170 ns"),
        ("m-mprotect-16384-pages", 1340000, 1, "SyscallEntry@kernel=1 VmaChange@kernel=1 PteUpdate@kernel=16384 TlbFlush@kernel=1 SyscallExit@kernel=1 ReturnToUser@kernel=1", "[M] mprotect(64 MiB = 16384 pages, RO) 1.08-1.60 ms"),
        ("m-kill-sigusr1", 2520, 1, "SyscallEntry@kernel=2 SyscallExit@kernel=2 SignalDelivery@kernel=1 SigReturn@kernel=1 ReturnToUser@kernel=2 Instruction@user=10", "[M] kill(self, SIGUSR1) with an empty handler 2.50-2.54 us"),
        ("m-emul-cycle", 2705, 1, "PageFault@user=1 FaultHandled@kernel=1 SignalDelivery@kernel=1 ReturnToUser@kernel=2 Instruction@user=12 InstructionDecode@user=1 WriteEmulated@user=1 DirtyLogAppend@user=1 SyscallEntry@kernel=1 SigReturn@kernel=1 SyscallExit@kernel=1", "[M] Emul (user-level) cycle 2.61-2.80 us/write"),
        ("m-pt-cycle", 4590, 0, "PageFault@user=1 FaultHandled@kernel=1 SignalDelivery@kernel=1 ReturnToUser@kernel=3 Instruction@user=25 SyscallEntry@kernel=2 VmaChange@kernel=1 PteUpdate@kernel=1 TlbFlushPage@kernel=1 SyscallExit@kernel=2 SigReturn@kernel=1", "[M] PT fault cycle 4.43-4.75 us/page; weight 0 (predicted, not fitted): on the simulated path it exceeds an Emul cycle plus a 1-page mprotect by about 1.3 us, which the other [M] rows contradict (models/README.md)"),
    ];

    /// <summary>
    /// The price key an experiment's count goes to: a platform's own key where the prior has one, else
    /// "*". The guest kernel's events share one price on every platform — it is the same kernel code;
    /// what Xen adds to it is in events of its own (traps, bounces, hypercalls). Pricing them apart on
    /// xen-pv (as the first fit did) let the paper's ratios price the Xen guest's signal path at 0 ns.
    /// </summary>
    public static PriceKey Key(EventKind kind, Layer layer, string platform, CostProfile prior, string? subkind = null)
    {
        if (subkind is not null)
        {
            var ownSub = new PriceKey(kind, layer, platform, subkind);
            var commonSub = new PriceKey(kind, layer, "*", subkind);
            if (prior.FindExact(ownSub) is not null)
            {
                return ownSub;
            }
            if (prior.FindExact(commonSub) is not null)
            {
                return commonSub;
            }
        }
        var own = new PriceKey(kind, layer, platform);
        return prior.FindExact(own) is not null ? own : new PriceKey(kind, layer, "*");
    }

    /// <summary>
    /// Soft anchors for the hypervisor's entry, bounce and exit (a row each, weight 0.1). The ratios see
    /// these prices only in sums shared by both sides of C2, C4 and C6, and C6 alone would drive them to
    /// 0 ns (a trap into Xen and back for free); the anchors keep them near the prior's assumed values
    /// (a PV exception entry and exit are ring transitions plus Xen's entry code, cheaper than the
    /// 1.3-2k-cycle hardware VM exit of sources.md [V]), while the weight lets the claims move them.
    /// </summary>
    private static readonly (string Name, double Ns, string Key, string Note)[] Anchors =
    [
        ("anchor-trap", 300, "TrapToHypervisor@hypervisor@*", "a guest exception entering Xen (prior 300 ns, assumed)"),
        ("anchor-bounce", 350, "BounceToGuest@hypervisor@*", "Xen's bounce frame to the guest kernel (prior 350 ns, assumed)"),
        ("anchor-return", 250, "ReturnToUser@hypervisor@*", "Xen's return to guest user mode (prior 250 ns, assumed)"),
    ];

    public const double AnchorWeight = 0.1;

    /// <summary>
    /// The weight of C3's and C5's rows. They are shape claims ("the three runs ... all have the same
    /// result"), which our path meets by construction within a few percent; at weight 1 the fit drowns
    /// those few percent by inflating what both sides of the ratio share, the fixed cost of a
    /// transaction (it priced the int 0x84 call 554 ns for C3's 1.1%). At 0.01 a miss at the
    /// tolerance's edge (15%) weighs as much as a 1.5% miss of a quantitative claim.
    /// </summary>
    public const double ShapeWeight = 0.01;

    /// <summary>The prior weight of the default profile's fit: every row then holds within about 2% and no price sits at 0 ns (at the calibrate default, 1e-3, C6 misses by 4.5% and PageFault@user goes to 0).</summary>
    public const string PriorWeight = "1e-4";

    /// <summary>The CSV text. Each claim's rows are named after it (C2, C2-pt-slope, ...); the [M] rows start with m-.</summary>
    public static string Csv(ClaimMeasurements m, CostProfile prior)
    {
        var s = m.Settings;
        string p8 = s.Fig8Ppt;
        var text = new StringBuilder();
        text.AppendLine("# Generated by `hvsim claims --calibration-csv` from the simulator's own runs (validation/HvSim.Validation/Claims).");
        text.AppendLine($"# Fit: hvsim calibrate --measurements models/calibration/xen-4.1-pv.csv --out models/profiles/xen-4.1-pv.json --prior prior-xen-4.1-pv --prior-weight {PriorWeight} --name xen-4.1-pv");
        text.AppendLine("# Rows: the calibration claims of validation/paper/claims.csv ONLY (holdouts C10-C21 are never rows) and the [M] rows of");
        text.AppendLine("# ../shared/calibration/sources.md for the absolute scale. Counts are per transaction over each run's steady state");
        text.AppendLine(Inv($"# (Tcount {s.Tcount} per point, the counts per transaction do not depend on it), xen-pv unless said, CDA {s.CdaKib} KiB,"));
        text.AppendLine(Inv($"# copy to the helper left out (the paper's Figs 6-10 time the transactions). Fig 8's PPT (unstated) = {p8}."));
        text.AppendLine("name,ns,weight,events");

        void Experiment(string name, EventVector v, string comment)
        {
            text.AppendLine($"# {comment}");
            text.AppendLine($"{name},,,{Events(v, prior)}");
        }
        void Relation(string name, double ratio, string a, string b, double weight = 1) => text.AppendLine(Inv($"{name},ratio={ratio},{weight},{a} / {b}"));

        foreach ((string name, double ns, double weight, string events, string note) in Measured)
        {
            text.AppendLine($"# {note}");
            text.AppendLine(Inv($"{name},{ns},{weight},{NativeEvents(events, prior)}"));
        }
        text.AppendLine("# [M] mprotect(1 page), alternating RO/RW, 540-568 ns/call; events: the PT handler's mprotect in the bundled guest trace, natively.");
        text.AppendLine("# Weight 0 (predicted, not fitted): with it, C1 puts a Xen mprotect at 2.2 us, and C6 (five Emul faults cost one PT");
        text.AppendLine("# transaction) cannot hold beside the [M] signal path; mprotect's absolute cost varies 4x between machines");
        text.AppendLine("# (guests/measure: 2.2 us per call on the development machine), so the paper's own ratios decide it.");
        text.AppendLine(Inv($"m-mprotect-1-page,554,0,{Events(m.MprotectNative, prior)}"));
        foreach ((string name, double ns, string key, string note) in Anchors)
        {
            text.AppendLine($"# anchor: {note}");
            text.AppendLine(Inv($"{name},{ns},{AnchorWeight},{key}=1"));
        }

        Experiment("C1-mprotect-xen", m.MprotectXen, "C1 (Sec II.D): the same mprotect call on xen-pv");
        Relation("C1", 4, "C1-mprotect-xen", "m-mprotect-1-page");

        foreach (Technique t in new[] { Technique.Pt, Technique.PtXen })
        {
            Experiment($"C2-{Name(t)}-slope", (m.Micro(t, "4", "16") - m.Micro(t, "4", "1")) / 15,
                $"C2 (Fig 6): {Name(t)} time per dirty page, (PPT 16 - PPT 1) / 15 at WPP 4");
        }
        Relation("C2", 10, "C2-pt-slope", "C2-ptxen-slope");
        foreach (Technique t in new[] { Technique.Pt, Technique.PtXen })
        {
            Experiment($"C3-{Name(t)}-w16", m.Micro(t, "16", "4"), $"C3 (Fig 6): {Name(t)} at WPP 16, PPT 4");
            Experiment($"C3-{Name(t)}-w4", m.Micro(t, "4", "4"), $"C3 (Fig 6): {Name(t)} at WPP 4, PPT 4");
            Relation($"C3-{Name(t)}", 1, $"C3-{Name(t)}-w16", $"C3-{Name(t)}-w4", ShapeWeight);
        }
        foreach (Technique t in new[] { Technique.Emul, Technique.EmulXen })
        {
            Experiment($"C4-{Name(t)}-slope", (m.Micro(t, "4", "16") - m.Micro(t, "4", "1")) / 60,
                $"C4 (Fig 7): {Name(t)} time per emulated write, (Tsize 64 - Tsize 4) / 60 at WPP 4");
        }
        Relation("C4", 4, "C4-emul-slope", "C4-emulxen-slope");
        foreach (Technique t in new[] { Technique.Emul, Technique.EmulXen })
        {
            Experiment($"C5-{Name(t)}-w16-p1", m.Micro(t, "16", "1"), $"C5 (Fig 7): {Name(t)} at Tsize 16 as WPP 16 x PPT 1");
            Experiment($"C5-{Name(t)}-w4-p4", m.Micro(t, "4", "4"), $"C5 (Fig 7): {Name(t)} at Tsize 16 as WPP 4 x PPT 4");
            Relation($"C5-{Name(t)}", 1, $"C5-{Name(t)}-w16-p1", $"C5-{Name(t)}-w4-p4", ShapeWeight);
        }
        Experiment("C6-emul", m.Micro(Technique.Emul, "5", p8), $"C6 (Fig 8a): Emul at the break-even WPP 5, PPT {p8}");
        Experiment("C6-pt", m.Micro(Technique.Pt, "5", p8), $"C6 (Fig 8a): PT at WPP 5, PPT {p8}");
        Relation("C6", 1, "C6-emul", "C6-pt");
        Experiment("C7-emulxen", m.Micro(Technique.EmulXen, "1.3", p8), $"C7 (Fig 8b): Emulxen at the break-even WPP 1.3, PPT {p8}");
        Experiment("C7-ptxen", m.Micro(Technique.PtXen, "1.3", p8), $"C7 (Fig 8b): PTxen at WPP 1.3, PPT {p8}");
        Relation("C7", 1, "C7-emulxen", "C7-ptxen");
        text.AppendLine("# C8 (Fig 9): Scanxen (xen-shadow) per dirty page per transaction, (PPT 16 - PPT 1) / 15 at CDA 1 MiB: 0.0625 s / 100000 transactions = 625 ns");
        text.AppendLine(Inv($"C8,625,1,{Events((m.Micro(Technique.ScanXen, "4", "16", ClaimMeasurements.ScanCdaLow) - m.Micro(Technique.ScanXen, "4", "1", ClaimMeasurements.ScanCdaLow)) / 15, prior)}"));
        text.AppendLine("# C9 (Fig 9): Scanxen per MB of CDA per transaction, (4 MiB - 1 MiB) / 3 at PPT 4: 2.5 s / 100000 transactions = 25000 ns");
        text.AppendLine(Inv($"C9,25000,1,{Events((m.Micro(Technique.ScanXen, "4", "4", ClaimMeasurements.ScanCdaHigh) - m.Micro(Technique.ScanXen, "4", "4", ClaimMeasurements.ScanCdaLow)) / 3, prior)}"));
        return text.ToString();
    }

    private static string Name(Technique t) => Techniques.Name(t);

    /// <summary>Kind@layer@platform=count, in a stable order; tiny counts (below 1e-9, rounding of differences) dropped.</summary>
    private static string Events(EventVector v, CostProfile prior)
    {
        var counts = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach ((EventKind kind, Layer layer, string? subkind, double count) in v.PricedTerms())
        {
            string key = Key(kind, layer, v.Platform, prior, subkind).ToString();
            counts[key] = counts.GetValueOrDefault(key) + count;
        }
        return string.Join(" ", counts.Where(c => Math.Abs(c.Value) > 1e-9).Select(c => Inv($"{c.Key}={c.Value:G10}")));
    }

    private static string NativeEvents(string events, CostProfile prior)
    {
        var v = new EventVector("native");
        foreach (string token in events.Split(' '))
        {
            string[] parts = token.Split('=');
            string[] kl = parts[0].Split('@');
            v[Enum.Parse<EventKind>(kl[0]), LayerNames.TryParse(kl[1], out Layer l) ? l : throw new FormatException(kl[1])] += double.Parse(parts[1], CultureInfo.InvariantCulture);
        }
        return Events(v, prior);
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

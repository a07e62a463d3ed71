using System.Text;
using System.Text.Json;
using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;

namespace HvSim.Cli;

/// <summary>
/// What one run did, in the JSON shape DESIGN.md fixes for every command's --json (the field
/// names are a contract for scripts): technique, platform, simulated_ns, instructions, events,
/// events_by_layer, hypercalls, vm_exits, dirty_pages, logged_bytes, copied_bytes, cda_sha256,
/// backup_sha256, exit_status; plus the platform's knobs that took effect (syscall_path and
/// pte_updates, null natively) so that a run can be re-priced knowing exactly which path it took. Counts come from the event ledger; the
/// checkpoint fields stay zero or null until a command that checkpoints fills them in.
/// </summary>
public sealed record RunReport
{
    public string Technique { get; init; } = "none";

    public required PlatformOptions Platform { get; init; }

    /// <summary>Null until a cost profile prices the events.</summary>
    public long? SimulatedNs { get; init; }

    /// <summary>Guest instructions retired.</summary>
    public long Instructions { get; init; }

    /// <summary>Every non-zero (kind, layer, count) of the ledger, in vocabulary order.</summary>
    public IReadOnlyList<(EventKind Kind, Layer Layer, long Count)> Events { get; init; } = [];

    /// <summary>Counts per subkind of <see cref="EventKind.Hypercall"/>, keyed by the hypercall's name (mmu_update, mmuext_op, iret).</summary>
    public IReadOnlyDictionary<string, long> Hypercalls { get; init; } = new Dictionary<string, long>();

    /// <summary>Counts per subkind of <see cref="EventKind.VmExit"/> (hvm), keyed by the exit reason (ept_violation, vmcall, pml_full, epml_full).</summary>
    public IReadOnlyDictionary<string, long> VmExits { get; init; } = new Dictionary<string, long>();

    public long DirtyPages { get; init; }

    public long LoggedBytes { get; init; }

    public long CopiedBytes { get; init; }

    public string? CdaSha256 { get; init; }

    public string? BackupSha256 { get; init; }

    /// <summary>Whether the backup equals the primary (at exit, or as of the last ckpt_end after a crash); null without a CDA.</summary>
    public bool? BackupEqual { get; init; }

    /// <summary>The ground-truth audit's totals (null when the run was not audited).</summary>
    public HvSim.Checkpoint.Audit.AuditTotals? Audit { get; init; }

    /// <summary>The guest's exit status as a shell reports it (128+n for a fatal signal); null when it did not end.</summary>
    public int? ExitStatus { get; init; }

    /// <summary>The report of a kernel after a run of <paramref name="process"/> (null: no process ran to an end).</summary>
    public static RunReport From(GuestKernel kernel, HvSim.GuestOs.Kernel.Process? process, string technique = "none") =>
        From(kernel.Ledger, kernel.Options.Platform, kernel.Cpu.InstructionsRetired, process?.ExitStatus, technique);

    /// <summary>The report of a ledger's counts.</summary>
    public static RunReport From(EventLedger ledger, PlatformOptions platform, long instructions, int? exitStatus, string technique = "none")
    {
        return new RunReport
        {
            Technique = technique,
            Platform = platform,
            Instructions = instructions,
            Events = ledger.NonZero().ToArray(),
            Hypercalls = Subkinds(ledger, EventKind.Hypercall),
            VmExits = Subkinds(ledger, EventKind.VmExit),
            ExitStatus = exitStatus,
        };
    }

    /// <summary>The non-zero counts of one kind's subkinds, by subkind, in ordinal order.</summary>
    private static SortedDictionary<string, long> Subkinds(EventLedger ledger, EventKind kind)
    {
        string prefix = kind.ToString() + ".";
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach ((string key, long count) in ledger.Subkinds)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal) && count != 0)
            {
                counts[key[prefix.Length..]] = count;
            }
        }
        return counts;
    }

    /// <summary>The layer's name in JSON: user, kernel, hypervisor.</summary>
    public static string LayerName(Layer layer) => layer switch
    {
        Layer.User => "user",
        Layer.Kernel => "kernel",
        _ => "hypervisor",
    };

    /// <summary>The syscall path's name, as --syscall-path takes it.</summary>
    public static string SyscallPathName(SyscallPath path) => SyscallPathNames.Name(path);

    /// <summary>The PTE-update mode's name, as --pte-updates takes it.</summary>
    public static string PteUpdatesName(PteUpdateMode mode) => mode == PteUpdateMode.Hypercall ? "hypercall" : "trapped-write";

    /// <summary>Writes the report as one JSON object (a command printing several writes them into an array).</summary>
    public void WriteJson(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        BuildVersion.WriteJson(json);
        json.WriteString("technique", Technique);
        json.WriteString("platform", PlatformNames.Name(Platform.Platform));
        // The knobs that took effect: none natively; under shadow paging the guest's PTE stores always trap.
        json.WriteStringOrNull("syscall_path", Platform.Platform is HvSim.Hypervisor.Platform.Native or HvSim.Hypervisor.Platform.Hvm ? null : SyscallPathName(Platform.SyscallPath));
        json.WriteStringOrNull("pte_updates", Platform.Platform switch
        {
            HvSim.Hypervisor.Platform.Native or HvSim.Hypervisor.Platform.Hvm => null,
            HvSim.Hypervisor.Platform.XenShadow => PteUpdatesName(PteUpdateMode.TrappedWrite),
            _ => PteUpdatesName(Platform.PteUpdates),
        });
        json.WriteNumberOrNull("simulated_ns", SimulatedNs);
        json.WriteNumber("instructions", Instructions);

        json.WriteStartObject("events");
        foreach (EventKind kind in Enum.GetValues<EventKind>())
        {
            long total = Events.Where(e => e.Kind == kind).Sum(e => e.Count);
            if (total != 0)
            {
                json.WriteNumber(kind.ToString(), total);
            }
        }
        json.WriteEndObject();

        json.WriteStartObject("events_by_layer");
        foreach (Layer layer in Enum.GetValues<Layer>())
        {
            json.WriteStartObject(LayerName(layer));
            foreach ((EventKind kind, Layer _, long count) in Events.Where(e => e.Layer == layer && e.Count != 0))
            {
                json.WriteNumber(kind.ToString(), count);
            }
            json.WriteEndObject();
        }
        json.WriteEndObject();

        json.WriteStartObject("hypercalls");
        foreach ((string name, long count) in Hypercalls)
        {
            json.WriteNumber(name, count);
        }
        json.WriteEndObject();

        json.WriteStartObject("vm_exits");
        foreach ((string reason, long count) in VmExits)
        {
            json.WriteNumber(reason, count);
        }
        json.WriteEndObject();

        json.WriteNumber("dirty_pages", DirtyPages);
        json.WriteNumber("logged_bytes", LoggedBytes);
        json.WriteNumber("copied_bytes", CopiedBytes);
        json.WriteStringOrNull("cda_sha256", CdaSha256);
        json.WriteStringOrNull("backup_sha256", BackupSha256);
        json.WriteBooleanOrNull("backup_equal", BackupEqual);
        json.WriteNumberOrNull("exit_status", ExitStatus);
        if (Audit is { } audit)
        {
            json.WriteStartObject("audit");
            json.WriteNumber("cycles", audit.Cycles);
            json.WriteNumber("missed_pages", audit.MissedPages);
            json.WriteNumber("extra_pages", audit.ExtraPages);
            json.WriteNumber("missed_blocks", audit.MissedBlocks);
            json.WriteNumber("written_pages", audit.WrittenPages);
            json.WriteNumber("written_blocks", audit.WrittenBlocks);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("audit");
        }
        json.WriteEndObject();
    }

    /// <summary>The report as one line of JSON.</summary>
    public string ToJson()
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            WriteJson(json);
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}

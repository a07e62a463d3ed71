namespace HvSim.Tests.Hypervisor;

using System.Buffers.Binary;
using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
using HvSim.Hypervisor.Techniques;
using HvSim.Mmu;
using HvSim.Tests.FaultPath;

/// <summary>
/// A <see cref="TechniqueGuest"/> run on a Xen platform with a Dom0 token, which at every marker
/// keeps the ledger's counts, the trace so far, and what the hypervisor and the guest see of the
/// CDA: the record buffer, the guest's leaf PTE and (xen-shadow) the shadow PTE of each CDA page,
/// and the CDA's bytes. Everything is read straight from physical memory through a software walk,
/// so looking changes no A/D bit, TLB entry or shadow entry.
/// </summary>
internal sealed class TechniqueRun
{
    private readonly PlatformRun _run;
    private int _cdaPages;

    public TechniqueRun(string platform)
    {
        _run = new PlatformRun(PlatformRun.Options(platform));
        Token = Hypervisor.Dom0.Allow("technique test");
        Ledger.StartTrace();
        Kernel.MarkerPassed = () =>
        {
            Markers.Add(Look());
            AtMarker?.Invoke(Markers.Count - 1);
        };
    }

    /// <summary>Called at each marker (with its index) after the state is taken: a test may change the hypervisor's switches there.</summary>
    public Action<int>? AtMarker { get; set; }

    public GuestKernel Kernel => _run.Kernel;

    public EventLedger Ledger => _run.Ledger;

    public XenHypervisor Hypervisor => _run.Hypervisor!;

    public CheckpointTechniques Techniques => Hypervisor.Techniques;

    public XenPlatform Platform => (XenPlatform)Kernel.Platform;

    /// <summary>A token Dom0 issued for this run.</summary>
    public ulong Token { get; }

    public List<MarkerView> Markers { get; } = [];

    /// <summary>Runs the guest to its end; asserts exit status 0 unless told otherwise.</summary>
    public Process Execute(TechniqueGuest guest, int expectedStatus = 0)
    {
        _cdaPages = (int)(guest.CdaBytes / 4096);
        Process process = _run.Run(guest.Build());
        Assert.True(process.ExitStatus == expectedStatus,
            $"status {process.ExitStatus} ({process.FatalReport}); ledger:\n{_run.LedgerText()}");
        return process;
    }

    /// <summary>The int 0x84 results the guest wrote at its end.</summary>
    public long[] Results(int count)
    {
        byte[] bytes = _run.StdoutBytes;
        Assert.True(bytes.Length >= 8 * count, $"the guest wrote its {count} results ({bytes.Length} bytes)");
        return Enumerable.Range(0, count).Select(i => BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8 * i))).ToArray();
    }

    /// <summary>What happened between marker <paramref name="from"/> and marker <paramref name="to"/>.</summary>
    public LedgerSnapshot Between(int from, int to) => Markers[to].Ledger.Minus(Markers[from].Ledger);

    /// <summary>The trace's (layer, event) steps between two markers, one "layer Event" per line (user Instruction steps left out).</summary>
    public string[] StepsBetween(int from, int to) => Ledger.Trace
        .Skip(Markers[from].TraceLength)
        .Take(Markers[to].TraceLength - Markers[from].TraceLength)
        .Where(s => s.Kind != EventKind.Instruction)
        .Select(s => $"{s.Layer.ToString().ToLowerInvariant()} {s.Kind}")
        .ToArray();

    /// <summary>The trace between two markers, with details, for failure messages.</summary>
    public string TraceBetween(int from, int to) => string.Join("\n", Ledger.Trace
        .Skip(Markers[from].TraceLength)
        .Take(Markers[to].TraceLength - Markers[from].TraceLength)
        .Select(s => $"{s.Layer,-10} {s.Kind,-17} {HvSim.Cli.TraceFields.Detail(s.Data)}"));

    private MarkerView Look()
    {
        HvSim.Cpu.Cpu cpu = Kernel.Cpu;
        ulong cr3 = Kernel.CurrentProcess!.Space.Cr3;
        ulong cda = cpu.R(HvSim.Cpu.Reg.R12), record = cpu.R(HvSim.Cpu.Reg.R13);
        var guestPtes = new ulong[_cdaPages];
        var shadowPtes = new ulong[_cdaPages];
        for (int i = 0; i < _cdaPages; i++)
        {
            ulong page = cda + ((ulong)i * 4096);
            guestPtes[i] = GuestPageWalk.Inspect(Kernel.Memory, cr3, page).Entry;
            GuestPhysical? shadow = Platform.Shadow?.ShadowLeafEntry(cr3, page);
            shadowPtes[i] = shadow is null ? 0 : Kernel.Memory.ReadU64(shadow.Value);
        }
        byte[] cdaBytes = Peek(cr3, cda, _cdaPages * 4096);
        byte[] header = Peek(cr3, record, 64);
        ulong pageCap = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(16));
        ulong npages = Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(header), pageCap);
        ulong nwords = Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(8)), 4096);
        byte[] pages = Peek(cr3, record + 64, (int)npages * 8);
        byte[] words = Peek(cr3, record + 64 + (pageCap * 8), (int)nwords * 32);
        var image = new RecordImage(
            Enumerable.Range(0, (int)npages).Select(i => BinaryPrimitives.ReadUInt64LittleEndian(pages.AsSpan(8 * i)) - cda).ToArray(),
            Enumerable.Range(0, (int)nwords).Select(i => new LoggedWrite(
                BinaryPrimitives.ReadUInt64LittleEndian(words.AsSpan(32 * i)) - cda,
                (int)BinaryPrimitives.ReadUInt64LittleEndian(words.AsSpan((32 * i) + 8)),
                BinaryPrimitives.ReadUInt64LittleEndian(words.AsSpan((32 * i) + 16)))).ToArray(),
            BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(32)),
            BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(40)));
        return new MarkerView(LedgerSnapshot.Take(Kernel), Ledger.Trace.Count, cda, record, image, guestPtes, shadowPtes, cdaBytes);
    }

    /// <summary>Reads user memory through the guest's tables without touching anything; unmapped bytes read as zero.</summary>
    private byte[] Peek(ulong cr3, ulong va, int length)
    {
        var bytes = new byte[length];
        for (int done = 0; done < length;)
        {
            ulong at = va + (ulong)done;
            int chunk = Math.Min(length - done, 4096 - (int)(at & 0xFFF));
            GuestLeaf leaf = GuestPageWalk.Inspect(Kernel.Memory, cr3, at);
            if (leaf.Present)
            {
                Kernel.Memory.Read(new GuestPhysical(leaf.PhysicalPage + (at & 0xFFF)), bytes.AsSpan(done, chunk));
            }
            done += chunk;
        }
        return bytes;
    }
}

/// <summary>One logged write: offset in the CDA, size, and the low 8 data bytes.</summary>
internal readonly record struct LoggedWrite(ulong Offset, int Size, ulong Value);

/// <summary>The record buffer as the hypervisor left it: page offsets in the CDA, logged writes, fallbacks, lost.</summary>
internal sealed record RecordImage(ulong[] Pages, LoggedWrite[] Words, ulong Fallbacks, ulong Lost)
{
    /// <summary>The listed pages as CDA page numbers, sorted.</summary>
    public int[] PageNumbers => Pages.Select(p => (int)(p / 4096)).Order().ToArray();
}

/// <summary>The state at one marker.</summary>
internal sealed record MarkerView(LedgerSnapshot Ledger, int TraceLength, ulong Cda, ulong RecordAddress, RecordImage Record, ulong[] GuestPtes, ulong[] ShadowPtes, byte[] CdaBytes)
{
    /// <summary>The PTE the MMU uses for CDA page <paramref name="page"/>: the shadow one when there is a shadow table.</summary>
    public ulong MmuPte(int page, bool shadow) => shadow ? ShadowPtes[page] : GuestPtes[page];

    public ulong CdaU64(int offset) => BinaryPrimitives.ReadUInt64LittleEndian(CdaBytes.AsSpan(offset));
}

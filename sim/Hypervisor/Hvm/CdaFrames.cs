using HvSim.Core;
using HvSim.Hypervisor.Techniques;
using HvSim.Mmu;

namespace HvSim.Hypervisor.Hvm;

/// <summary>
/// Where the CDA lives in guest-physical memory, as the registered process's page tables say:
/// the hypervisor's EPT mechanisms watch guest-physical pages, so each technique reads the
/// guest's tables for the CDA's pages (one PteScan per page) when it arms its mechanism, and again at
/// the cycle's end to map what the hardware reported back to the CDA (OoH's SPML does this
/// reverse mapping) and to catch pages the guest kernel moved to another frame during the cycle
/// (demand paging, copy-on-write), whose new frame nothing watched: those are dirty.
/// </summary>
internal sealed class CdaFrames
{
    private readonly Machine _machine;
    private ulong[] _pages = [];
    private readonly Dictionary<ulong, int> _byFrame = new();

    public CdaFrames(Machine machine)
    {
        _machine = machine;
    }

    /// <summary>CDA pages mapped so far (0 before the first <see cref="Map"/>).</summary>
    public int Count => _pages.Length;

    /// <summary>The guest-physical page behind CDA page <paramref name="index"/> at the last <see cref="Map"/> (0: not mapped).</summary>
    public ulong this[int index] => _pages[index];

    /// <summary>The CDA page a guest-physical page held at the last <see cref="Map"/>, or -1.</summary>
    public int IndexOf(ulong guestPhysicalPage) => _byFrame.GetValueOrDefault(guestPhysicalPage & ~PageGeometry.PageMask, -1);

    /// <summary>
    /// Reads the guest's tables for every CDA page (one PteScan each, one trace step), records
    /// where each lives and, when <paramref name="moved"/> is given, adds to it the pages whose
    /// frame changed since the last map.
    /// </summary>
    public void Map(HvProcess process, Registration registration, string why, List<int>? moved = null)
    {
        moved?.Clear();
        EventLedger ledger = _machine.Ledger;
        ledger.Add(EventKind.PteScan, Layer.Hypervisor, registration.CdaPages, !ledger.IsTracing ? null
            : new TraceData("the CDA's {count} guest PTEs read " + why) { Count = registration.CdaPages });
        if (_pages.Length != registration.CdaPages)
        {
            _pages = new ulong[registration.CdaPages];
        }
        _byFrame.Clear();
        for (int i = 0; i < registration.CdaPages; i++)
        {
            GuestLeaf leaf = GuestPageWalk.Inspect(_machine.Memory, process.Cr3, registration.PageAddress(i));
            ulong frame = leaf.Present ? leaf.PhysicalPage : 0;
            if (moved is not null && frame != _pages[i])
            {
                moved.Add(i);
            }
            _pages[i] = frame;
            if (frame != 0)
            {
                _byFrame[frame] = i;
            }
        }
    }
}

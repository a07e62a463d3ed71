using System.Buffers.Binary;
using HvSim.Core;
using HvSim.Hypervisor.Techniques;
using HvSim.Mmu;

namespace HvSim.Hypervisor.Hvm;

/// <summary>
/// The hypervisor-level checkpoint techniques of platform hvm, each on the simulated hardware's
/// own mechanism (docs/platforms.md, hvm): eptwp (EPT write protection, KVM's dirty logging
/// without PML), eptscan (EPT D bits scanned at cycle end, Scanxen's idea with EPT), pml (Intel
/// PML with the hypervisor's reverse mapping, OoH's SPML), epml (OoH's EPML: guest-virtual
/// logging into the process's record) and spp (Intel SPP, 128-byte sub-page write protection).
/// Every one lists the cycle's dirty pages (for spp, sub-pages) in the application's record, as
/// the paper's hypervisor techniques do, and the checkpoint path copies them from there.
/// </summary>
internal sealed class HvmTechniques : IUserHypercallTechniques
{
    /// <summary>Record entries of a 128-byte block carry this bit (docs/checkpoint-abi.md): the block's address | 1.</summary>
    public const ulong SubPageEntry = 1;

    private readonly Machine _machine;
    private readonly NestedPaging _nested;
    private readonly RecordBuffer _record;
    private readonly GuestVirtualMemory _memory;
    private readonly Dictionary<HvProcess, CdaFrames> _frames = new();
    private readonly List<int> _moved = [];
    private ulong? _pmlPage;

    public HvmTechniques(Machine machine, NestedPaging nested)
    {
        _machine = machine;
        _nested = nested;
        _memory = new GuestVirtualMemory(machine.Memory);
        _record = new RecordBuffer(_memory, machine.Ledger);
    }

    private EventLedger Ledger => _machine.Ledger;

    /// <summary>Whether a mode is one the hvm hypervisor serves.</summary>
    public static bool Serves(CheckpointMode mode) => mode is CheckpointMode.RegistrationOnly
        or CheckpointMode.EptWp or CheckpointMode.EptScan or CheckpointMode.Pml or CheckpointMode.Epml or CheckpointMode.Spp;

    /// <summary>
    /// Register's technique arguments, as int 0x84 checks them on Xen: a mode served here, a CDA
    /// within the cap, a record buffer in user space clear of the CDA's pages and long enough for
    /// one entry per CDA page (spp: one per page and one per 128-byte block). 0 or -errno.
    /// </summary>
    public long CheckRegistration(ulong modeValue, ulong cda, ulong cdaLength, ulong record, ulong recordLength, out CheckpointMode mode)
    {
        mode = (CheckpointMode)modeValue;
        if (!Enum.IsDefined(mode) || !Serves(mode))
        {
            return -XenHypervisor.EINVAL;
        }
        if (mode == CheckpointMode.RegistrationOnly)
        {
            return 0;
        }
        ulong cdaPages = PageGeometry.RoundUp(cdaLength) >> PageGeometry.PageShift;
        if (cdaPages > CheckpointTechniques.MaxCdaPages)
        {
            return -XenHypervisor.EINVAL;
        }
        if (!UserRange.IsUserBuffer(record, recordLength))
        {
            return -XenHypervisor.EFAULT;
        }
        if (record < cda + (cdaPages << PageGeometry.PageShift) && cda < record + recordLength)
        {
            return -XenHypervisor.EINVAL;
        }
        ulong entries = mode == CheckpointMode.Spp ? cdaPages * (1 + (PageGeometry.PageSize / NestedPaging.SubPageBytes)) : cdaPages;
        return recordLength < RecordLayout.Bytes(entries, 0) ? -XenHypervisor.EINVAL : 0;
    }

    /// <summary>A registration was stored: the mechanism that runs for the whole registration is armed.</summary>
    public void OnRegistered(HvProcess process, Registration registration)
    {
        if (registration.Mode == CheckpointMode.RegistrationOnly)
        {
            return;
        }
        var frames = new CdaFrames(_machine);
        _frames[process] = frames;
        switch (registration.Mode)
        {
            case CheckpointMode.EptScan:
                // Start clean: the first scan sees only writes made after registration.
                frames.Map(process, registration, "at registration, to clear the CDA's EPT D bits");
                ClearDirty(registration, frames, "eptscan");
                break;
            case CheckpointMode.Pml when _pmlPage is null:
                Frame page = _machine.HypervisorFrames.TryAllocate() ?? throw new InvalidOperationException("no hypervisor frame for the PML log");
                _machine.Memory.Zero(page);
                _pmlPage = page.Number << PageGeometry.PageShift;
                _nested.PmlAddress = _pmlPage.Value;
                _nested.PmlIndex = NestedPaging.PmlEntries - 1;
                _nested.PmlEnabled = true;
                break;
            case CheckpointMode.Epml:
                _nested.EpmlCr3 = process.Cr3;
                _nested.EpmlBuffer = RecordLayout.PageEntry(registration.RecordBuffer, 0);
                // One entry per CDA page: a cycle fills it only when the process dirties as many pages as the CDA has.
                _nested.EpmlCapacity = registration.CdaPages;
                _nested.EpmlCount = 0;
                break;
        }
    }

    /// <summary>The registered address space is gone: its mechanism is disarmed and nothing of it stays protected.</summary>
    public void OnReleased(HvProcess process)
    {
        if (!_frames.Remove(process, out CdaFrames? frames) || process.Registration is not Registration registration)
        {
            return;
        }
        if (registration.Mode == CheckpointMode.Epml && _nested.EpmlCr3 == process.Cr3)
        {
            _nested.EpmlCr3 = null;
        }
        if (registration.Mode is CheckpointMode.EptWp or CheckpointMode.Spp)
        {
            for (int i = 0; i < frames.Count; i++)
            {
                if (frames[i] != 0)
                {
                    Unprotect(frames[i], trace: false);
                }
            }
            _machine.Mmu.Invept();
        }
    }

    public long CycleBegin(HvProcess process, Registration registration)
    {
        if (registration.Mode == CheckpointMode.RegistrationOnly)
        {
            return 0;
        }
        registration.FirstCycle = false;
        bool recordOk = _record.TryResetCounters(process, registration);
        for (int i = registration.NextMarked(0); i >= 0; i = registration.NextMarked(i + 1))
        {
            registration.Unmark(i);
        }
        CdaFrames frames = _frames[process];
        switch (registration.Mode)
        {
            case CheckpointMode.EptWp:
                frames.Map(process, registration, "to write-protect its EPT entries");
                Protect(registration, frames, subPages: false);
                break;
            case CheckpointMode.Spp:
                frames.Map(process, registration, "to write-protect its sub-pages");
                Protect(registration, frames, subPages: true);
                break;
            case CheckpointMode.Pml:
                frames.Map(process, registration, "to clear its EPT D bits");
                ClearDirty(registration, frames, "pml");
                _nested.PmlIndex = NestedPaging.PmlEntries - 1; // what was logged between cycles is not this cycle's
                break;
            case CheckpointMode.Epml:
                frames.Map(process, registration, "to clear its EPT D bits");
                ClearDirty(registration, frames, "epml");
                _nested.EpmlCount = 0;
                break;
        }
        return recordOk ? 0 : -XenHypervisor.EFAULT;
    }

    public long CycleEnd(HvProcess process, Registration registration)
    {
        if (registration.Mode == CheckpointMode.RegistrationOnly)
        {
            return 0;
        }
        CdaFrames frames = _frames[process];
        switch (registration.Mode)
        {
            case CheckpointMode.EptScan:
                Scan(process, registration, frames);
                return 0;
            case CheckpointMode.Pml:
                DrainPml();
                break;
            case CheckpointMode.Epml:
                DrainEpml(process, registration, frames);
                break;
        }
        // Pages the guest kernel moved to another frame during the cycle: nothing watched the new one.
        frames.Map(process, registration, "to find the pages moved to another frame during the cycle", _moved);
        foreach (int i in _moved)
        {
            registration.Mark(i);
            if (registration.Mode is CheckpointMode.EptWp or CheckpointMode.Spp)
            {
                Append(process, registration, registration.PageAddress(i)); // listed now; the others were listed at their exit
            }
        }
        if (registration.Mode is CheckpointMode.Pml or CheckpointMode.Epml)
        {
            for (int i = registration.NextMarked(0); i >= 0; i = registration.NextMarked(i + 1))
            {
                Append(process, registration, registration.PageAddress(i));
            }
        }
        return 0;
    }

    /// <summary>
    /// An EPT violation: a first write to a page eptwp protects, or to a sub-page spp protects,
    /// of the registered process's CDA. It is logged and the page (sub-page) made writable; a
    /// violation no technique claims (a frame protected for a page the guest has since moved)
    /// gets its page's write permission back. Events: PteUpdate, DirtyLogAppend (hypervisor).
    /// </summary>
    public bool OnEptViolation(in EptViolation violation)
    {
        ulong page = violation.GuestPhysical & ~PageGeometry.PageMask;
        foreach ((HvProcess process, CdaFrames frames) in _frames)
        {
            Registration registration = process.Registration!;
            int index = frames.IndexOf(page);
            if (index < 0 || registration.FirstCycle)
            {
                continue;
            }
            if (registration.Mode == CheckpointMode.EptWp && !registration.IsMarked(index))
            {
                registration.Mark(index);
                Append(process, registration, registration.PageAddress(index));
                Unprotect(page, trace: true);
                return true;
            }
            if (registration.Mode == CheckpointMode.Spp && violation.SubPage)
            {
                int block = (int)((violation.GuestPhysical & PageGeometry.PageMask) / NestedPaging.SubPageBytes);
                uint mask = _nested.SubPageWritable(page) | (1u << block);
                _nested.SetSubPageWritable(page, mask);
                registration.Mark(index);
                Append(process, registration, registration.PageAddress(index) + ((ulong)block * NestedPaging.SubPageBytes) | SubPageEntry);
                Ledger.Add(EventKind.PteUpdate, Layer.Hypervisor, !Ledger.IsTracing ? null
                    : new TraceData("spp: sub-page {index} of guest-physical page {address} made writable in the SPP table ({operation})")
                    {
                        Index = (ulong)block,
                        Address = page,
                        Operation = $"writable sub-pages 0x{mask:x8}",
                    });
                return true;
            }
        }
        Unprotect(page, trace: true);
        return true;
    }

    /// <summary>A full page-modification log: its pages are mapped back to the CDAs (SPML) and the index reset.</summary>
    public void OnPmlFull() => DrainPml();

    /// <summary>A full (or unwritable) EPML log: its pages are taken into the registration's bits and the log restarts.</summary>
    public void OnEpmlFull(bool unwritable)
    {
        foreach ((HvProcess process, CdaFrames frames) in _frames)
        {
            if (process.Registration is { Mode: CheckpointMode.Epml } registration && _nested.EpmlCr3 == process.Cr3)
            {
                DrainEpml(process, registration, frames);
                if (unwritable)
                {
                    // The CPU could not write the log: what it was about to log is unknown.
                    _record.TryMarkLost(process, registration);
                    _nested.EpmlCr3 = null;
                }
            }
        }
    }

    private void DrainPml()
    {
        PhysicalMemory memory = _machine.Memory;
        int first = _nested.PmlIndex >= NestedPaging.PmlEntries ? 0 : _nested.PmlIndex + 1;
        for (int slot = NestedPaging.PmlEntries - 1; slot >= first; slot--)
        {
            ulong page = memory.ReadU64(new GuestPhysical(_nested.PmlAddress + ((ulong)slot * 8)));
            foreach ((HvProcess process, CdaFrames frames) in _frames)
            {
                int index = frames.IndexOf(page);
                if (index >= 0 && process.Registration is { Mode: CheckpointMode.Pml } registration)
                {
                    registration.Mark(index);
                }
            }
        }
        _nested.PmlIndex = NestedPaging.PmlEntries - 1;
    }

    private void DrainEpml(HvProcess process, Registration registration, CdaFrames frames)
    {
        int count = _nested.EpmlCount;
        Span<byte> entry = stackalloc byte[8];
        for (int slot = 0; slot < count; slot++)
        {
            if (!_memory.TryRead(process.Cr3, _nested.EpmlBuffer + ((ulong)slot * 8), entry, AccessKind.Read, out _))
            {
                _record.TryMarkLost(process, registration);
                break;
            }
            ulong page = BinaryPrimitives.ReadUInt64LittleEndian(entry);
            if (registration.ContainsPage(page))
            {
                registration.Mark(registration.PageIndex(page));
            }
        }
        _nested.EpmlCount = 0;
    }

    /// <summary>eptscan's cycle end: every CDA page's EPT D bit examined, the dirty ones listed and cleaned, then one invept.</summary>
    private void Scan(HvProcess process, Registration registration, CdaFrames frames)
    {
        frames.Map(process, registration, "and their EPT entries examined for D", _moved);
        foreach (int i in _moved)
        {
            registration.Mark(i);
        }
        int cleared = 0;
        for (int i = 0; i < registration.CdaPages; i++)
        {
            bool dirty = registration.IsMarked(i);
            if (frames[i] != 0 && _nested.LeafEntry(frames[i]) is GuestPhysical at)
            {
                ulong leaf = _machine.Memory.ReadU64(at);
                if (EpteFormat.Has(leaf, Epte.D))
                {
                    WriteLeaf(at, leaf & ~(ulong)Epte.D, frames[i], "eptscan: D cleared");
                    cleared++;
                    dirty = true;
                }
            }
            if (dirty)
            {
                Append(process, registration, registration.PageAddress(i));
            }
        }
        if (cleared > 0)
        {
            Invept(cleared == 1 ? "eptscan: {count} EPT D bit cleared, invept" : "eptscan: {count} EPT D bits cleared, invept", cleared);
        }
    }

    /// <summary>Clears the EPT D bits of the CDA's frames (so the hardware sets them, and logs, on the next write), then one invept.</summary>
    private void ClearDirty(Registration registration, CdaFrames frames, string technique)
    {
        int cleared = 0;
        for (int i = 0; i < registration.CdaPages; i++)
        {
            if (frames[i] != 0 && _nested.LeafEntry(frames[i]) is GuestPhysical at)
            {
                ulong leaf = _machine.Memory.ReadU64(at);
                if (EpteFormat.Has(leaf, Epte.D))
                {
                    WriteLeaf(at, leaf & ~(ulong)Epte.D, frames[i], technique + ": D cleared");
                    cleared++;
                }
            }
        }
        if (cleared > 0)
        {
            Invept(technique + ": {count} EPT D bits of the CDA cleared, invept", cleared);
        }
    }

    /// <summary>Takes write permission from the CDA's frames (spp: every sub-page's), then one invept.</summary>
    private void Protect(Registration registration, CdaFrames frames, bool subPages)
    {
        int changed = 0;
        for (int i = 0; i < registration.CdaPages; i++)
        {
            if (frames[i] == 0 || _nested.LeafEntry(frames[i]) is not GuestPhysical at)
            {
                continue;
            }
            ulong leaf = _machine.Memory.ReadU64(at);
            ulong wanted = (leaf & ~(ulong)Epte.W) | (subPages ? (ulong)Epte.Spp : 0);
            if (subPages)
            {
                _nested.SetSubPageWritable(frames[i], 0);
            }
            if (wanted != leaf || subPages)
            {
                WriteLeaf(at, wanted, frames[i], subPages ? "spp: write-protected by sub-page" : "eptwp: write-protected");
                changed++;
            }
        }
        if (changed > 0)
        {
            Invept(subPages ? "spp: {count} CDA pages' sub-pages write-protected, invept" : "eptwp: {count} CDA pages' EPT entries write-protected, invept", changed);
        }
    }

    /// <summary>Gives a frame its write permission back (no invept: a wider permission needs none, SDM 29.4.3.3).</summary>
    private void Unprotect(ulong page, bool trace)
    {
        if (_nested.LeafEntry(page) is not GuestPhysical at)
        {
            return;
        }
        ulong leaf = _machine.Memory.ReadU64(at);
        _nested.ClearSubPages(page);
        ulong writable = (leaf | (ulong)Epte.W) & ~(ulong)Epte.Spp;
        if (writable != leaf)
        {
            if (trace)
            {
                WriteLeaf(at, writable, page, "made writable");
            }
            else
            {
                _machine.Memory.WriteU64(at, writable);
            }
        }
    }

    private void WriteLeaf(GuestPhysical at, ulong value, ulong page, string what)
    {
        _machine.Memory.WriteU64(at, value);
        Ledger.Add(EventKind.PteUpdate, Layer.Hypervisor, !Ledger.IsTracing ? null
            : new TraceData("EPT entry of guest-physical page {address}: " + what + " ({operation})") { Address = page, Operation = EpteFormat.Describe(value) });
    }

    private void Invept(string text, int count)
    {
        _machine.Mmu.Invept();
        Ledger.Add(EventKind.Invept, Layer.Hypervisor, !Ledger.IsTracing ? null : new TraceData(text) { Count = count });
    }

    private void Append(HvProcess process, Registration registration, ulong entry)
    {
        if (!_record.TryAppendPage(process, registration, entry))
        {
            _record.TryMarkLost(process, registration);
        }
    }
}

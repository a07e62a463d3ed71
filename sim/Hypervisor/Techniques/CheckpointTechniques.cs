using HvSim.Core;
using HvSim.Mmu;

namespace HvSim.Hypervisor.Techniques;

/// <summary>
/// The hypervisor's checkpoint techniques and the hooks the rest of the hypervisor calls: the
/// checks of int 0x84 Register's technique arguments, CycleBegin and CycleEnd, the page-fault hook
/// consulted before a fault is filled (shadow) or bounced to the guest kernel, and the filters
/// that keep a CDA page read-only when the guest kernel installs its PTE (xen-pv's mmu_update
/// and ptwr validation; xen-shadow's fill and propagation). Xen's log_dirty_ops have this place.
/// </summary>
public sealed class CheckpointTechniques : IUserHypercallTechniques
{
    /// <summary>
    /// Largest CDA (4 GiB), for the hypervisor's techniques and the checkpoint escape alike
    /// (docs/checkpoint-abi.md): the per-page bits, the scans and the backup stay bounded. The
    /// backup is a sparse page image (CdaImage), so what a CDA costs the host is the pages written
    /// plus about 16 MiB per GiB of page references and zero-page tables (issue 15); at 1 GiB, the
    /// cap of issue 13, the backup was a host array of the CDA's size.
    /// </summary>
    public const ulong MaxCdaPages = 1UL << 20;

    /// <summary><see cref="MaxCdaPages"/> in bytes.</summary>
    public const ulong MaxCdaBytes = MaxCdaPages << PageGeometry.PageShift;

    private readonly Machine _machine;
    private readonly ProcessTable _processes;
    private readonly ICdaPageTables _tables;
    private readonly bool _directPaging;

    internal CheckpointTechniques(Machine machine, ProcessTable processes, ShadowPager? shadow)
    {
        _machine = machine;
        _processes = processes;
        var memory = new GuestVirtualMemory(machine.Memory);
        var record = new RecordBuffer(memory, machine.Ledger);
        _directPaging = shadow is null;
        _tables = shadow is null
            ? new PvCdaPageTables(memory, machine.Ledger)
            : new ShadowCdaPageTables(memory, shadow, machine.Ledger);
        var tracking = new PageTracking(machine, _tables, record);
        Tracking = tracking;
        PtXen = new PtXen(machine.Ledger, tracking);
        EmulXen = new EmulXen(machine, memory, _tables, record, tracking);
        if (shadow is not null)
        {
            ScanXen = new ScanXen(machine, shadow, record);
            shadow.KeepReadOnly = KeepShadowReadOnly;
            shadow.DirtyEntryLeaving = OnDirtyEntryLeaving;
        }
    }

    public PtXen PtXen { get; }

    /// <summary>PTxen's and Emulxen's page tracking (tests reach its deliberate fault, <see cref="PageTracking.SkipOneReprotect"/>).</summary>
    internal PageTracking Tracking { get; }

    public EmulXen EmulXen { get; }

    /// <summary>Scanxen, on shadow paging only.</summary>
    public ScanXen? ScanXen { get; }

    private EventLedger Ledger => _machine.Ledger;

    /// <summary>
    /// Checks Register's technique arguments (the CDA itself is checked by the caller): the mode
    /// is one the platform runs, the record buffer lies in user space, clear of the CDA's pages, and holds
    /// the header, one page entry per CDA page and, for Emulxen, at least one word. 0 or -errno.
    /// </summary>
    public long CheckRegistration(ulong modeValue, ulong cda, ulong cdaLength, ulong record, ulong recordLength, out CheckpointMode mode)
    {
        mode = (CheckpointMode)modeValue;
        if (!Enum.IsDefined(mode) || (mode == CheckpointMode.ScanXen && ScanXen is null))
        {
            return -XenHypervisor.EINVAL;
        }
        if (mode == CheckpointMode.RegistrationOnly)
        {
            return 0;
        }
        ulong cdaPages = PageGeometry.RoundUp(cdaLength) >> PageGeometry.PageShift;
        if (cdaPages > MaxCdaPages)
        {
            return -XenHypervisor.EINVAL;
        }
        if (!UserRange.IsUserBuffer(record, recordLength))
        {
            return -XenHypervisor.EFAULT;
        }
        // Clear of every CDA page: the last one is protected whole even when the CDA ends inside it.
        if (record < cda + (cdaPages << PageGeometry.PageShift) && cda < record + recordLength)
        {
            return -XenHypervisor.EINVAL;
        }
        ulong needed = RecordLayout.Bytes(cdaPages, mode == CheckpointMode.EmulXen ? 1UL : 0UL);
        return recordLength < needed ? -XenHypervisor.EINVAL : 0;
    }

    /// <summary>A registration was stored: Scanxen cleans the CDA's D bits so its first scan sees only later writes.</summary>
    void IUserHypercallTechniques.OnRegistered(HvProcess process, Registration registration)
    {
        if (registration.Mode == CheckpointMode.ScanXen)
        {
            ScanXen!.OnRegistered(process, registration);
        }
    }

    public long CycleBegin(HvProcess process, Registration registration) => registration.Mode switch
    {
        CheckpointMode.PtXen => PtXen.CycleBegin(process, registration),
        CheckpointMode.EmulXen => EmulXen.CycleBegin(process, registration),
        CheckpointMode.ScanXen => ScanXen!.CycleBegin(process, registration),
        _ => 0,
    };

    public long CycleEnd(HvProcess process, Registration registration) => registration.Mode switch
    {
        CheckpointMode.ScanXen => ScanXen!.CycleEnd(process, registration),
        _ => 0,
    };

    /// <summary>
    /// The page-fault hook: true when the fault is a write to a CDA page the hypervisor keeps
    /// read-only for the current process (PTxen, Emulxen), which the guest's own tables allow — a
    /// protection fault, or under shadow paging a not-present one whose guest entry is present.
    /// Anything else (a read, a page writable this cycle, the application's own mprotect, a page
    /// the guest has not mapped) is not the technique's.
    /// </summary>
    internal bool TryClaim(MemoryFault fault, out FaultClaim claim)
    {
        claim = default;
        PageFaultErrorCode code = fault.ErrorCode;
        if (fault.Kind != FaultKind.PageFault || (code & PageFaultErrorCode.Write) == 0
            || (code & PageFaultErrorCode.ReservedBit) != 0 || (code & PageFaultErrorCode.InstructionFetch) != 0)
        {
            return false;
        }
        if (_processes.Current is not HvProcess process || process.Registration is not { Protecting: true } registration
            || !registration.ContainsPage(fault.Address) || registration.IsMarked(registration.PageIndex(fault.Address)))
        {
            return false;
        }
        // Direct paging: a protected page is always present (the guest's own not-present fault is its own).
        if (_directPaging && (code & PageFaultErrorCode.Present) == 0)
        {
            return false;
        }
        bool user = (code & PageFaultErrorCode.User) != 0;
        ulong page = PageGeometry.PageBase(fault.Address);
        if (!_tables.GuestAllowsWrite(process, page, user))
        {
            return false;
        }
        claim = new FaultClaim(process, registration, page, user);
        return true;
    }

    /// <summary>
    /// A claimed fault raised by user code: the technique handles it and, unless a fault is to be
    /// reflected to the guest kernel, returns to user mode (ReturnToUser at the hypervisor layer).
    /// </summary>
    internal FaultDecision OnUserFault(FaultClaim claim)
    {
        FaultDecision decision;
        TraceResume resume;
        if (claim.Registration.Mode == CheckpointMode.EmulXen)
        {
            decision = EmulXen.OnWriteFault(claim);
            resume = TraceResume.PastHandledFault;
        }
        else
        {
            PtXen.OnWriteFault(claim);
            decision = FaultDecision.Returned;
            resume = TraceResume.RetryFault;
        }
        if (decision.Resolution == FaultResolution.ReturnedToUser)
        {
            Ledger.Add(EventKind.ReturnToUser, Layer.Hypervisor, !Ledger.IsTracing ? null
                : TraceResumes.Step(resume, _machine.Cpu.Rip, " (the guest kernel never ran)"));
        }
        return decision;
    }

    /// <summary>
    /// A claimed fault taken by an access that is not an instruction the hypervisor can emulate
    /// (the guest kernel's copy_to_user into the CDA, host-implemented user code): the page is
    /// tracked whole and the access retried.
    /// </summary>
    internal void OnAccessFault(FaultClaim claim)
    {
        if (claim.Registration.Mode == CheckpointMode.EmulXen)
        {
            EmulXen.OnAccessFault(claim);
        }
        else
        {
            PtXen.OnWriteFault(claim);
        }
    }

    /// <summary>
    /// xen-pv's validation of a guest PTE write (mmu_update or ptwr): a present, writable leaf
    /// for a CDA page that a registered process keeps read-only this cycle is installed without
    /// RW (and marked as the hypervisor's doing), so a page the kernel maps or unprotects during
    /// a cycle — demand paging, the application's mprotect — is still tracked.
    /// </summary>
    internal ulong FilterPvEntry(GuestPhysical entryAddress, ulong value, ulong virtualAddress)
    {
        value &= ~PvCdaPageTables.HypervisorReadOnly; // the guest cannot claim the hypervisor's mark
        if (!PteFormat.Has(value, Pte.P | Pte.RW))
        {
            return value;
        }
        ulong page = PageGeometry.PageBase(virtualAddress);
        foreach (HvProcess process in _processes.All)
        {
            if (process.Registration is { Protecting: true } registration && registration.ContainsPage(page)
                && !registration.IsMarked(registration.PageIndex(page))
                && GuestPageWalk.Inspect(_machine.Memory, process.Cr3, page).EntryAddress == entryAddress.Value)
            {
                return PvCdaPageTables.Protected(value);
            }
        }
        return value;
    }

    /// <summary>xen-shadow's fill and propagation filter: a CDA page protected this cycle gets a read-only shadow entry.</summary>
    private bool KeepShadowReadOnly(ulong guestCr3, ulong page) =>
        _processes.Find(guestCr3)?.Registration is { Protecting: true } registration
        && registration.ContainsPage(page) && !registration.IsMarked(registration.PageIndex(page));

    private void OnDirtyEntryLeaving(ulong guestCr3, ulong page)
    {
        if (_processes.Find(guestCr3)?.Registration is { Mode: CheckpointMode.ScanXen } registration)
        {
            ScanXen.OnDirtyEntryLeaving(registration, page);
        }
    }
}

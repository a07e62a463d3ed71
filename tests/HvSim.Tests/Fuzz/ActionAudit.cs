using HvSim.Core;
using HvSim.Cpu;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;

namespace HvSim.Tests.Fuzz;

/// <summary>
/// Watches an <see cref="ActionRunner"/> program through its markers: before each action it takes
/// a fingerprint of every user page, the registers, the signals delivered so far and the
/// hypervisor's registration; after it, it finds the pages written in between and checks that
/// each lies in a mapping the guest itself may write (nobody writes for the guest what it could
/// not write), then hands the rest to the fuzzer's own rules (which pages this action may write,
/// what its result implies). A broken rule stops the run with an <see cref="InvariantViolation"/>
/// naming the action.
/// </summary>
internal sealed class ActionAudit
{
    private readonly GuestKernel _kernel;
    private readonly ActionRunner.Program _program;
    private readonly IReadOnlyList<FuzzAction> _actions;
    private readonly Func<AuditedAction, string?> _rules;
    private Dictionary<ulong, (ulong Frame, ulong Hash)>? _pages;
    private ulong[] _registers = [];
    private long _signals;
    private Registration? _registration;
    private int _index;

    public ActionAudit(GuestKernel kernel, ActionRunner.Program program, IReadOnlyList<FuzzAction> actions, Func<AuditedAction, string?> rules)
    {
        _kernel = kernel;
        _program = program;
        _actions = actions;
        _rules = rules;
        kernel.MarkerPassed = OnMarker;
    }

    /// <summary>Actions checked so far.</summary>
    public long Audited { get; private set; }

    /// <summary>Actions checked so far, by kind.</summary>
    public Dictionary<ActionKind, long> ByKind { get; } = [];

    private void OnMarker()
    {
        Process process = _kernel.CurrentProcess!;
        if (_kernel.Cpu.Rip != _program.AfterMarked)
        {
            ulong current = UserPages.PeekU64(_kernel, process.Space.Cr3, RecoveringGuest.CurrentCase);
            _index = (int)((current - _program.Code.DataAddress) / FuzzAction.Bytes);
            _pages = UserPages.Snapshot(_kernel, process.Space);
            _registers = Registers(_kernel.Cpu);
            _signals = _kernel.Ledger.Count(EventKind.SignalDelivery);
            _registration = CurrentRegistration();
            return;
        }
        if (_pages is null)
        {
            return; // an action of no known kind: nothing ran
        }
        Dictionary<ulong, (ulong Frame, ulong Hash)> after = UserPages.Snapshot(_kernel, process.Space);
        var audited = new AuditedAction(
            _index,
            _actions[_index],
            _kernel.Cpu.R(Reg.Rax),
            _kernel.Ledger.Count(EventKind.SignalDelivery) > _signals,
            UserPages.Written(_pages, after),
            after.GroupBy(p => p.Value.Frame).ToDictionary(g => g.Key, g => g.Select(p => p.Key).ToArray()),
            _registration,
            CurrentRegistration(),
            _registers,
            Registers(_kernel.Cpu),
            process);
        _pages = null;
        Audited++;
        ByKind[audited.Action.Kind] = ByKind.GetValueOrDefault(audited.Action.Kind) + 1;
        string? broken = WrittenWithoutRight(audited) ?? _rules(audited);
        if (broken is not null)
        {
            throw new InvariantViolation($"action {_index}, {audited.Action}, rax 0x{audited.Rax:x}: {broken}");
        }
    }

    /// <summary>
    /// A written page whose frame no mapping lets the guest write (null when there is none): a page
    /// written through a writable alias of the same frame (Emul's) is one the guest may write.
    /// </summary>
    private static string? WrittenWithoutRight(AuditedAction action)
    {
        foreach (ulong page in action.Written)
        {
            if (!action.Views(page).Any(view => action.Process.Space.Find(view) is { CanWrite: true }))
            {
                Vma? vma = action.Process.Space.Find(page);
                return $"page 0x{page:x} ({vma?.ToString() ?? "no mapping"}) was written, which the guest itself may not write";
            }
        }
        return null;
    }

    private Registration? CurrentRegistration() => _kernel.Platform.Hypervisor?.Processes.Current?.Registration;

    private static ulong[] Registers(HvSim.Cpu.Cpu cpu)
    {
        var registers = new ulong[17];
        for (int i = 0; i < 16; i++)
        {
            registers[i] = cpu.R(i);
        }
        registers[16] = cpu.Rflags;
        return registers;
    }
}

/// <summary>
/// One action as the audit saw it: RAX after it, whether a signal was delivered during it, the
/// pages written, every user page mapping each frame (after it), the registration and the
/// registers (RAX..R15 by number, then RFLAGS) before and after.
/// </summary>
internal sealed record AuditedAction(
    int Index,
    FuzzAction Action,
    ulong Rax,
    bool Signalled,
    IReadOnlyList<ulong> Written,
    IReadOnlyDictionary<ulong, ulong[]> PagesByFrame,
    Registration? RegistrationBefore,
    Registration? RegistrationAfter,
    ulong[] RegistersBefore,
    ulong[] RegistersAfter,
    Process Process)
{
    /// <summary>RAX as a signed result (a negative errno when a call was refused).</summary>
    public long Result => (long)Rax;

    /// <summary>Every user page that maps the same frame as <paramref name="page"/> (itself included): one write changes them all.</summary>
    public IEnumerable<ulong> Views(ulong page)
    {
        foreach ((ulong frame, ulong[] pages) in PagesByFrame)
        {
            if (pages.Contains(page))
            {
                return pages;
            }
        }
        return [page];
    }

    /// <summary>The first written page none of whose views lies in one of <paramref name="ranges"/> (start, length), or null.</summary>
    public ulong? WrittenOutside(params (ulong Start, ulong Length)[] ranges)
    {
        foreach (ulong page in Written)
        {
            // A view of the page overlaps [start, start + length), computed without overflow.
            bool inside = Views(page).Any(view => ranges.Any(r => r.Length != 0 && (view >= r.Start ? view - r.Start < r.Length : r.Start - view < PageGeometry.PageSize)));
            if (!inside)
            {
                return page;
            }
        }
        return null;
    }

    /// <summary>The runner's variables and safe stack: written by the handler (and by the kernel's signal frame) whenever a signal was delivered.</summary>
    public static (ulong, ulong) RunnerStack => (RecoveringGuest.State, RecoveringGuest.SafeStackTop - RecoveringGuest.State);

    /// <summary>The registered record buffer (start, length), or an empty range.</summary>
    public (ulong, ulong) RecordOf(Registration? registration) => registration is null ? (0, 0) : (registration.RecordBuffer, registration.RecordLength);
}

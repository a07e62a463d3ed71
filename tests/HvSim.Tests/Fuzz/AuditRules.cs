using HvSim.Core;
using HvSim.Hypervisor;
using HvSim.Hypervisor.Techniques;

namespace HvSim.Tests.Fuzz;

/// <summary>The rules the int 0x84 and escape fuzzers share for an audited action (<see cref="ActionAudit"/>).</summary>
internal static class AuditRules
{
    /// <summary>The pages an action other than int 0x84 may write: its own target, the registered record (the hypervisor logs into it) and, after a signal, the runner's stack and variables.</summary>
    internal static string? WrittenOnlyWhereAllowed(AuditedAction action)
    {
        (ulong, ulong) target = Target(action.Action);
        (ulong, ulong) stack = action.Signalled ? AuditedAction.RunnerStack : (0, 0);
        return action.WrittenOutside(target, action.RecordOf(action.RegistrationAfter), stack) is ulong page
            ? $"page 0x{page:x} was written, outside the action's target, the registered record{(action.Signalled ? " and the runner's stack" : "")}"
            : null;
    }

    /// <summary>The bytes an action writes itself: a store's, or a read's buffer.</summary>
    internal static (ulong Start, ulong Length) Target(FuzzAction action) => action.Kind switch
    {
        ActionKind.Store => (action.Rdi, action.Rdx switch { 4 => 16, 5 => action.R10, _ => 8 }),
        ActionKind.EmulatedStore => (action.Rdi, 8),
        ActionKind.Syscall when action.Rax == 0 => (action.Rsi, action.Rdx),
        _ => (0, 0),
    };

    /// <summary>[start, start + length) ends within the user half, 2^47 (the hypervisor's bound, as Xen's for a guest's user memory; the last page below it is never mappable anyway).</summary>
    internal static bool InUserHalf(ulong start, ulong length) => length <= 1UL << 47 && start <= (1UL << 47) - length;

    /// <summary>Int 0x84 Register's rules (docs/checkpoint-abi.md), checked on what the hypervisor stored.</summary>
    internal static string? CheckRegistration(Registration? registration, ulong token, ulong? granted)
    {
        if (registration is null)
        {
            return null;
        }
        ulong cda = registration.CdaStart, length = registration.CdaLength;
        string? broken = registration.Token != token ? "a registration with a token Dom0 never issued"
            : granted is ulong mode && (ulong)registration.Mode != mode ? $"a registration in mode {registration.Mode}, not the granted {mode}"
            : (cda & 0xFFF) != 0 || length == 0 ? $"a registration of an unaligned or empty CDA (0x{cda:x}, {length})"
            : cda < UserRange.MmapMinAddr || !InUserHalf(cda, length) ? $"a registration of a CDA outside the user half or below mmap_min_addr (0x{cda:x}, 0x{length:x})"
            : null;
        if (broken is not null || registration.Mode == CheckpointMode.RegistrationOnly)
        {
            return broken;
        }
        ulong record = registration.RecordBuffer, recordLength = registration.RecordLength;
        ulong cdaEnd = cda + PageGeometry.RoundUp(length);
        return length > CheckpointTechniques.MaxCdaBytes ? $"a technique registered a CDA of {length} bytes (over {CheckpointTechniques.MaxCdaBytes >> 30} GiB)"
            : record < UserRange.MmapMinAddr || !InUserHalf(record, recordLength) ? $"a record buffer outside the user half (0x{record:x}, 0x{recordLength:x})"
            : record < cdaEnd && cda < record + recordLength ? "a record buffer over the CDA"
            : recordLength < RecordLayout.Bytes(PageGeometry.RoundUp(length) >> 12, registration.Mode == CheckpointMode.EmulXen ? 1UL : 0) ? "a record buffer too small for the CDA"
            : null;
    }

    /// <summary>
    /// An action under the hypervisor: int 0x84 is served without a signal; a refused call writes
    /// nothing and changes no registration; an accepted one replaces no registration and writes only
    /// the registered record; any other action writes only where <see cref="WrittenOnlyWhereAllowed"/>
    /// allows; and any registration stored obeys the ABI.
    /// </summary>
    internal static string? HypervisorRules(AuditedAction action, ulong token, ulong? granted)
    {
        if (action.Action.Kind != ActionKind.Hypercall)
        {
            return WrittenOnlyWhereAllowed(action) ?? CheckRegistration(action.RegistrationAfter, token, granted);
        }
        if (action.Signalled)
        {
            return "int 0x84 raised a signal under the hypervisor (it serves every int 0x84 itself)";
        }
        if (action.Result < 0)
        {
            if (action.Written.Count > 0)
            {
                return $"a refused call (error {-action.Result}) wrote page 0x{action.Written[0]:x}";
            }
            if (!ReferenceEquals(action.RegistrationBefore, action.RegistrationAfter))
            {
                return "a refused call changed the registration";
            }
            return null;
        }
        if (action.RegistrationBefore is not null && !ReferenceEquals(action.RegistrationBefore, action.RegistrationAfter))
        {
            return "an existing registration was replaced";
        }
        if (action.WrittenOutside(action.RecordOf(action.RegistrationAfter)) is ulong page)
        {
            return $"the call wrote page 0x{page:x}, outside the registered record buffer";
        }
        return CheckRegistration(action.RegistrationAfter, token, granted);
    }
}

using HvSim.Core;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
using HvSim.Hypervisor.Techniques;
using Xunit.Abstractions;

namespace HvSim.Tests.Fuzz;

/// <summary>
/// Issue 13's int 0x84 fuzzer: seeded programs make the hypervisor's user calls (Register,
/// CycleBegin, CycleEnd, Version, unknown numbers) with the token Dom0 issued or forged ones,
/// CDAs and record buffers anywhere (the kernel half, unaligned, overlapping, over the program's
/// code, huge), in random order, and between them write hostile counts into the record header
/// (nwords = 2^28 and worse), store into the CDA with every store form, make the kernel write into
/// it (read), mprotect, unmap and remap its pages. Each case is one action. Checked around every
/// action (<see cref="ActionAudit"/>): no internal error, no hang, bounded host memory; a refused
/// call writes nothing and changes no registration; an accepted one writes only the registered
/// record; nothing is ever written that the guest could not write itself; every registration the
/// hypervisor accepts obeys the ABI's rules (aligned CDA in the user half above mmap_min_addr, at
/// most 1 GiB with a technique, a record buffer in the user half clear of the CDA and large
/// enough, the mode Dom0 granted). On native, int 0x84 is a #GP: SIGSEGV, nothing written.
/// </summary>
public sealed class UserHypercallFuzzTests(ITestOutputHelper output)
{
    private const int ActionsPerRun = 400;

    private static readonly Lazy<ActionRunner.Program> s_runner = new(() => ActionRunner.Assemble(sharedCda: false));

    public static TheoryData<string, int> Platforms() => new() { { "xen-pv", 40 }, { "xen-shadow", 40 }, { "native", 6 } };

    [Theory]
    [MemberData(nameof(Platforms))]
    public void Hostile_int_0x84_calls_write_nothing_they_may_not_and_register_only_what_the_ABI_allows(string platformName, int runsPerCi)
    {
        int runs = FuzzHarness.Runs(runsPerCi);
        long actions = 0, hypercalls = 0, accepted = 0, registered = 0;
        for (int run = 0; run < runs; run++)
        {
            int seed = (run * 65_537) + platformName.Length;
            (ActionAudit audit, long ok, bool didRegister) = RunOne(platformName, seed);
            actions += audit.Audited;
            hypercalls += audit.ByKind.GetValueOrDefault(ActionKind.Hypercall);
            accepted += ok;
            registered += didRegister ? 1 : 0;
        }
        output.WriteLine($"{platformName}: {actions} actions in {runs} runs, {hypercalls} of them int 0x84 calls ({accepted} accepted; {registered} runs registered)");
        Assert.True(actions >= runs * ActionsPerRun * 9L / 10, $"most actions ran ({actions})");
        if (platformName != "native")
        {
            // Hostile but not hopeless: most runs get a registration, so the cycles and the
            // techniques' fault paths are fuzzed too, not only Register's refusals.
            Assert.True(registered > runs / 2 && accepted > hypercalls / 10, $"{registered} runs registered, {accepted} calls accepted");
        }
    }

    private static (ActionAudit Audit, long Accepted, bool Registered) RunOne(string platformName, int seed)
    {
        var random = new Random(seed);
        GuestKernel kernel = FuzzHarness.NewKernel(platformName, ActionsPerRun * 2000L, new MemoryStream(new byte[1 << 20]), (ulong)seed);
        Dom0Policy? dom0 = kernel.Platform.Hypervisor?.Dom0;
        // Half the runs get a token for one technique (as the checkpoint session hands out), half one for any.
        ulong? granted = random.Next(2) == 0 ? (ulong)(3 + random.Next(3)) : null;
        ulong token = dom0?.Allow("int84-fuzz", granted) ?? (ulong)random.NextInt64();
        var generator = new UserHypercallActions(random, token, granted);
        var actions = Enumerable.Range(0, ActionsPerRun).Select(_ => generator.Next()).ToList();
        byte[] elf = s_runner.Value.Code.Elf(ActionRunner.Table(actions));
        long accepted = 0;
        bool registeredOnce = false;
        var audit = new ActionAudit(kernel, s_runner.Value, actions, action =>
        {
            if (action.Action.Kind == ActionKind.Hypercall && !action.Signalled && action.Result >= 0)
            {
                accepted++;
            }
            registeredOnce |= action.RegistrationAfter is not null;
            return platformName == "native" ? NativeRules(action) : XenRules(action, token, granted);
        });
        FuzzHarness.Run(kernel, () => kernel.CreateProcess(elf, "int84-fuzz", ["int84-fuzz"], []), $"{platformName}, seed {seed}");
        return (audit, accepted, registeredOnce);
    }

    /// <summary>Native hardware has no int 0x84 gate: every call is a #GP, so SIGSEGV; memory changes only on the runner's stack (the signal frame).</summary>
    private static string? NativeRules(AuditedAction action)
    {
        if (action.Action.Kind == ActionKind.Hypercall && (!action.Signalled || action.Rax != ActionRunner.Faulted))
        {
            return "int 0x84 on native hardware did not raise SIGSEGV";
        }
        return WrittenOnlyWhereAllowed(action);
    }

    private static string? XenRules(AuditedAction action, ulong token, ulong? granted)
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

    /// <summary>The pages an action other than int 0x84 may write: its own target, the registered record (the hypervisor logs into it) and, after a signal, the runner's stack and variables.</summary>
    private static string? WrittenOnlyWhereAllowed(AuditedAction action)
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
    private static bool InUserHalf(ulong start, ulong length) => length <= 1UL << 47 && start <= (1UL << 47) - length;

    /// <summary>Int 0x84 Register's rules (docs/checkpoint-abi.md), checked on what the hypervisor stored.</summary>
    private static string? CheckRegistration(Registration? registration, ulong token, ulong? granted)
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
        return length > CheckpointTechniques.MaxCdaBytes ? $"a technique registered a CDA of {length} bytes (over 1 GiB)"
            : record < UserRange.MmapMinAddr || !InUserHalf(record, recordLength) ? $"a record buffer outside the user half (0x{record:x}, 0x{recordLength:x})"
            : record < cdaEnd && cda < record + recordLength ? "a record buffer over the CDA"
            : recordLength < RecordLayout.Bytes(PageGeometry.RoundUp(length) >> 12, registration.Mode == CheckpointMode.EmulXen ? 1UL : 0) ? "a record buffer too small for the CDA"
            : null;
    }
}

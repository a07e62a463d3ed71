using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
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
            return platformName == "native" ? NativeRules(action) : AuditRules.HypervisorRules(action, token, granted);
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
        return AuditRules.WrittenOnlyWhereAllowed(action);
    }
}

using HvSim.Checkpoint;
using HvSim.Cpu;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;
using Xunit.Abstractions;

namespace HvSim.Tests.Fuzz;

/// <summary>
/// Issue 13's escape fuzzer: seeded programs make the checkpoint escape (xchg cx, cx) under every
/// technique with hostile arguments (see <see cref="EscapeActions"/>), with the simulator's
/// checkpoint session serving it as hvsim exec --technique does. Each case is one action. Checked
/// around every action (<see cref="ActionAudit"/>): no internal error, no hang, bounded host
/// memory, and the ABI's promises: an escape raises no signal and changes no register but RAX and
/// RDX; it writes nothing, except an EMULATE that emulated (host-implemented user code, with the
/// guest's own rights); nothing is written that the guest may not write itself; the other actions
/// write only their own target and the registered record; a hypervisor registration obeys the ABI.
/// At the end the session's backup check runs without an exception.
/// </summary>
public sealed class EscapeFuzzTests(ITestOutputHelper output)
{
    private const int ActionsPerRun = 400;

    private static readonly Lazy<ActionRunner.Program> s_runner = new(() => ActionRunner.Assemble(sharedCda: true));

    public static TheoryData<string, string, int> Cases() => new()
    {
        { "none", "native", 8 }, { "none", "xen-pv", 3 },
        { "pt", "native", 8 }, { "pt", "xen-shadow", 3 },
        { "emul", "native", 8 }, { "emul", "xen-pv", 3 },
        { "ptxen", "xen-pv", 8 }, { "ptxen", "xen-shadow", 4 },
        { "emulxen", "xen-pv", 8 }, { "emulxen", "xen-shadow", 4 },
        { "scanxen", "xen-shadow", 8 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Hostile_escape_calls_keep_the_checkpoint_ABI_promises(string techniqueName, string platformName, int runsPerCi)
    {
        Assert.True(Techniques.TryParse(techniqueName, out Technique technique));
        int runs = FuzzHarness.Runs(runsPerCi);
        long actions = 0, escapes = 0, commits = 0, emulated = 0;
        for (int run = 0; run < runs; run++)
        {
            int seed = (run * 131_071) + (int)technique + platformName.Length;
            (ActionAudit audit, long committed, long emulatedHere) = RunOne(technique, platformName, seed);
            actions += audit.Audited;
            emulated += emulatedHere;
            escapes += audit.ByKind.GetValueOrDefault(ActionKind.Escape);
            commits += committed;
        }
        output.WriteLine($"{techniqueName} on {platformName}: {actions} actions in {runs} runs, {escapes} of them escapes ({commits} commits applied, {emulated} faulting stores emulated by EMULATE)");
        Assert.True(actions >= runs * ActionsPerRun * 9L / 10, $"most actions ran ({actions})");
    }

    private static (ActionAudit Audit, long Commits, long Emulated) RunOne(Technique technique, string platformName, int seed)
    {
        var random = new Random(seed);
        GuestKernel kernel = FuzzHarness.NewKernel(platformName, ActionsPerRun * 2000L, new MemoryStream(new byte[1 << 20]), (ulong)seed);
        var session = new CheckpointSession(kernel, new CheckpointOptions { Technique = technique }, "escape-fuzz");
        // The session's token is Dom0's first, and Dom0's tokens follow from the seed: the program can carry it.
        ulong token = Techniques.InHypervisor(technique) ? new Dom0Policy((ulong)seed).Allow("escape-fuzz", (ulong)technique) : 0;
        var generator = new EscapeActions(random, token, technique);
        var actions = Enumerable.Range(0, ActionsPerRun).Select(_ => generator.Next()).ToList();
        byte[] elf = s_runner.Value.Code.Elf(ActionRunner.Table(actions));
        long emulated = 0;
        var audit = new ActionAudit(kernel, s_runner.Value, actions, action =>
        {
            emulated += action.Action.Kind == ActionKind.EmulatedStore && action.Signalled && action.Rax != ActionRunner.Faulted ? 1 : 0;
            return Rules(action, technique, token);
        });
        string what = $"{Techniques.Name(technique)} on {platformName}, seed {seed}";
        FuzzHarness.Run(kernel, () => kernel.CreateProcess(elf, "escape-fuzz", ["escape-fuzz"], []), what);
        try
        {
            session.CheckAtExit();
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"internal error in the backup check, {what}: {e}");
        }
        return (audit, session.Stats.Commits, emulated);
    }

    private static string? Rules(AuditedAction action, Technique technique, ulong token)
    {
        ulong? granted = Techniques.InHypervisor(technique) ? (ulong)technique : null;
        bool userLevelEmulation = technique == Technique.Emul
            && (action.Action.Kind == ActionKind.EmulatedStore || (action.Action.Kind == ActionKind.Escape && action.Action.Rdi == (ulong)EscapeFunction.Emulate));
        return action.Action.Kind switch
        {
            ActionKind.Escape => EscapeRules(action, userLevelEmulation),
            // Emul's EMULATE is the library's own code run by the host: it writes with the guest's
            // rights wherever the ucontext, the alias distance and the record say, which the audit's
            // rule (only pages the guest may write) already covers.
            ActionKind.EmulatedStore when userLevelEmulation => null,
            _ when granted is not null => AuditRules.HypervisorRules(action, token, granted),
            _ => AuditRules.WrittenOnlyWhereAllowed(action),
        };
    }

    private static string? EscapeRules(AuditedAction action, bool emulatedByTheLibrary)
    {
        if (action.Signalled)
        {
            return "the escape raised a signal";
        }
        for (int i = 0; i < 16; i++)
        {
            if (i != Reg.Rax && i != Reg.Rdx && action.RegistersBefore[i] != action.RegistersAfter[i])
            {
                return $"the escape changed register {i} (0x{action.RegistersBefore[i]:x} -> 0x{action.RegistersAfter[i]:x})";
            }
        }
        if (action.RegistersBefore[16] != action.RegistersAfter[16])
        {
            return $"the escape changed RFLAGS (0x{action.RegistersBefore[16]:x} -> 0x{action.RegistersAfter[16]:x})";
        }
        bool emulated = emulatedByTheLibrary && action.Rax == HvSim.Checkpoint.UserLevel.UserLevelEmulator.Emulated;
        if (!emulated && action.Written.Count > 0)
        {
            return $"escape function {action.Action.Rdi} wrote page 0x{action.Written[0]:x} (only an emulated EMULATE writes)";
        }
        if (action.Action.Rdi == (ulong)EscapeFunction.Register && action.Rax == 0)
        {
            ulong cda = action.Action.Rsi, length = action.Action.Rdx;
            if ((cda & 0xFFF) != 0 || length == 0 || length > HvSim.Hypervisor.Techniques.CheckpointTechniques.MaxCdaBytes || !AuditRules.InUserHalf(cda, length))
            {
                return $"REGISTER accepted the CDA (0x{cda:x}, 0x{length:x})";
            }
        }
        return null;
    }
}

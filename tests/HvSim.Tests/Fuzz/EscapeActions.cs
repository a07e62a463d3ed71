using HvSim.Checkpoint;
using HvSim.Hypervisor;

namespace HvSim.Tests.Fuzz;

/// <summary>
/// The escape fuzzer's actions: most are escapes (xchg cx, cx) — QUERY, REGISTER of CDAs valid and
/// hostile, EMULATE with hostile ucontexts, records and alias distances, COMMIT of records the
/// guest damaged, unknown functions, RAX not zeroed — and between them the guest's own moves:
/// stores into the CDA and its alias, hostile record fields and entries, mprotect of CDA pages
/// (so that stores fault), stores whose fault the handler hands to EMULATE with the real
/// ucontext, the kernel's writes, and (with a hypervisor technique) int 0x84 calls with the token
/// Dom0 issued to the session.
/// </summary>
internal sealed class EscapeActions(Random random, ulong token, Technique technique)
{
    private const ulong ValidDelta = ActionRunner.Alias - ActionRunner.Cda;

    private int _made;

    public FuzzAction Next()
    {
        // Most runs start as the library does (REGISTER, then int 0x84 Register and CycleBegin
        // with a hypervisor technique), so that what follows runs against a registered CDA.
        int made = _made++;
        if (made < 3 && random.Next(4) != 0)
        {
            switch (made)
            {
                case 0:
                    return new FuzzAction(ActionKind.Escape, 0, (ulong)EscapeFunction.Register, ActionRunner.Cda, ActionRunner.CdaBytes, ActionRunner.Record, 0, 0);
                case 1 when Techniques.InHypervisor(technique):
                    return new FuzzAction(ActionKind.Hypercall, (ulong)UserHypercall.Register, token, ActionRunner.Cda, ActionRunner.CdaBytes,
                        ActionRunner.Record, ActionRunner.RecordBytes, (ulong)technique);
                case 2 when Techniques.InHypervisor(technique):
                    return new FuzzAction(ActionKind.Hypercall, (ulong)UserHypercall.CycleBegin, 0, 0, 0, 0, 0, 0);
            }
        }
        int pick = random.Next(100);
        return pick switch
        {
            < 45 => Escape(),
            < 53 when Techniques.InHypervisor(technique) => Hypercall(),
            < 60 => HostileArguments.Store(random, alias: random.Next(3) == 0),
            < 70 => HostileArguments.RecordField(random),
            < 78 => Protect(),
            < 86 => EmulatedStore(),
            < 96 => HostileArguments.Syscall(random),
            _ => HostileArguments.Load(random),
        };
    }

    private FuzzAction Escape()
    {
        ulong rax = random.Next(8) == 0 ? (ulong)random.NextInt64() : 0; // the library zeroes RAX first
        return random.Next(20) switch
        {
            < 2 => new FuzzAction(ActionKind.Escape, rax, (ulong)EscapeFunction.Query, Noise(), Noise(), Noise(), Noise(), Noise()),
            < 7 => new FuzzAction(ActionKind.Escape, rax, (ulong)EscapeFunction.Register,
                random.Next(2) == 0 ? ActionRunner.Cda : HostileArguments.Address(random),
                random.Next(3) switch { 0 => ActionRunner.CdaBytes, 1 => (ulong)random.Next(1, (int)ActionRunner.CdaBytes), _ => HostileArguments.Length(random) },
                random.Next(2) == 0 ? ActionRunner.Record : HostileArguments.Address(random), Noise(), Noise()),
            < 11 => new FuzzAction(ActionKind.Escape, rax, (ulong)EscapeFunction.Emulate, UContext(), RecordAddress(), Delta(), Noise(), Noise()),
            < 18 => new FuzzAction(ActionKind.Escape, rax, (ulong)EscapeFunction.Commit, RecordAddress(), Noise(), Noise(), Noise(), Noise()),
            _ => new FuzzAction(ActionKind.Escape, rax, random.Next(2) == 0 ? (ulong)random.Next(5, 64) : (ulong)random.NextInt64(),
                Noise(), Noise(), Noise(), Noise(), Noise()),
        };
    }

    /// <summary>int 0x84 with the session's token (or a forgery) and the runner's CDA and record, or hostile ones.</summary>
    private FuzzAction Hypercall()
    {
        ulong number = random.Next(4) switch { 0 => (ulong)UserHypercall.Register, 1 => (ulong)UserHypercall.CycleBegin, 2 => (ulong)UserHypercall.CycleEnd, _ => (ulong)random.Next(5) };
        return new FuzzAction(ActionKind.Hypercall, number,
            random.Next(4) == 0 ? token ^ (1UL << random.Next(64)) : token,
            random.Next(3) == 0 ? HostileArguments.Address(random) : ActionRunner.Cda,
            random.Next(3) == 0 ? HostileArguments.Length(random) : ActionRunner.CdaBytes,
            random.Next(3) == 0 ? HostileArguments.Address(random) : ActionRunner.Record,
            random.Next(3) == 0 ? HostileArguments.Length(random) : ActionRunner.RecordBytes,
            random.Next(4) == 0 ? (ulong)random.Next(8) : (ulong)technique);
    }

    /// <summary>mprotect of CDA pages (mostly read-only, as PT and Emul do), so that the stores that follow fault.</summary>
    private FuzzAction Protect() => new(ActionKind.Syscall, 10, ActionRunner.Cda + ((ulong)random.Next(ActionRunner.CdaPages) * 4096),
        (ulong)random.Next(1, 4) * 4096, random.Next(4) == 0 ? (ulong)random.Next(8) : 1, 0, 0, 0);

    /// <summary>A qword store into the CDA whose fault goes to EMULATE with the real ucontext, the record and an alias distance (mostly the true ones).</summary>
    private FuzzAction EmulatedStore() => new(ActionKind.EmulatedStore, 0, HostileArguments.InCda(random), (ulong)random.NextInt64(),
        random.Next(4) == 0 ? RecordAddress() : ActionRunner.Record, random.Next(4) == 0 ? Delta() : ValidDelta, 0, 0);

    /// <summary>A ucontext pointer for EMULATE: the record, the read-only page, the code, the junk region, an old frame on the runner's stack, or hostile addresses.</summary>
    private ulong UContext() => random.Next(6) switch
    {
        0 => RecoveringGuest.SafeStackTop - 0x400 - ((ulong)random.Next(0x400) & ~7UL), // where the kernel pushed earlier frames
        1 => RecoveringGuest.Junk + (ulong)random.Next((int)RecoveringGuest.JunkBytes),
        2 => ActionRunner.Record + (ulong)random.Next((int)ActionRunner.RecordBytes),
        _ => HostileArguments.Address(random),
    };

    private ulong RecordAddress() => random.Next(3) == 0 ? HostileArguments.Address(random) : ActionRunner.Record;

    private ulong Delta() => random.Next(5) switch
    {
        0 => ValidDelta,
        1 => 0,
        2 => unchecked(0UL - ActionRunner.Cda),               // onto page 0
        3 => ActionRunner.Record - ActionRunner.Cda,          // onto the record
        _ => (ulong)random.NextInt64(),
    };

    private ulong Noise() => random.Next(2) == 0 ? 0 : (ulong)random.NextInt64();
}

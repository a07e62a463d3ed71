using HvSim.Hypervisor;

namespace HvSim.Tests.Fuzz;

/// <summary>
/// The int 0x84 fuzzer's actions: half are int 0x84 calls, the rest the guest's own moves between
/// them (stores into the CDA, hostile record fields, the kernel's writes, mprotect/munmap/mmap of
/// CDA and record pages, loads). A Register is often the guest's valid call with one argument
/// made hostile, so that runs do get registered and the cycles that follow run on a technique.
/// </summary>
internal sealed class UserHypercallActions(Random random, ulong token, ulong? granted)
{
    private static readonly ulong[] s_modes = [0, 1, 2, 3, 4, 5, 6, 7, 0x8000_0000_0000_0003];

    public FuzzAction Next() => random.Next(100) switch
    {
        < 50 => Hypercall(),
        < 63 => HostileArguments.Store(random),
        < 75 => HostileArguments.RecordField(random),
        < 93 => HostileArguments.Syscall(random),
        _ => HostileArguments.Load(random),
    };

    private FuzzAction Hypercall()
    {
        ulong number = random.Next(20) switch
        {
            < 7 => (ulong)UserHypercall.Register,
            < 12 => (ulong)UserHypercall.CycleBegin,
            < 17 => (ulong)UserHypercall.CycleEnd,
            17 => (ulong)UserHypercall.Version,
            _ => random.Next(2) == 0 ? (ulong)random.Next(4, 300) : (ulong)random.NextInt64(),
        };
        if (number != (ulong)UserHypercall.Register)
        {
            // The other calls take no arguments: whatever the registers hold must not matter.
            return new FuzzAction(ActionKind.Hypercall, number, Token(), HostileArguments.Address(random), HostileArguments.Length(random),
                HostileArguments.Address(random), HostileArguments.Length(random), Mode());
        }
        ulong mode = granted is ulong g && random.Next(3) != 0 ? g : Mode();
        ulong[] valid = [token, ActionRunner.Cda, ActionRunner.CdaBytes, ActionRunner.Record, ActionRunner.RecordBytes, mode];
        if (random.Next(3) == 0)
        {
            // Every argument hostile.
            valid = [Token(), HostileArguments.Address(random), HostileArguments.Length(random), HostileArguments.Address(random), RecordLength(), Mode()];
        }
        else
        {
            // The valid call with one or two arguments made hostile (or none).
            for (int i = random.Next(3); i > 0; i--)
            {
                int which = random.Next(valid.Length);
                valid[which] = which switch
                {
                    0 => Token(),
                    1 or 3 => HostileArguments.Address(random),
                    2 => HostileArguments.Length(random),
                    4 => RecordLength(),
                    _ => Mode(),
                };
            }
        }
        return new FuzzAction(ActionKind.Hypercall, number, valid[0], valid[1], valid[2], valid[3], valid[4], valid[5]);
    }

    /// <summary>The issued token half the time, else a forgery: near it, a bit off, zero, its complement, or random.</summary>
    private ulong Token() => random.Next(8) switch
    {
        < 4 => token,
        4 => token + 1,
        5 => token ^ (1UL << random.Next(64)),
        6 => random.Next(2) == 0 ? 0 : ~token,
        _ => (ulong)random.NextInt64(),
    };

    private ulong Mode() => random.Next(5) == 0 ? (ulong)random.NextInt64() : s_modes[random.Next(s_modes.Length)];

    /// <summary>A record length: exactly what the CDA needs, one qword short, the whole buffer, or huge (a terabyte: the header's capacities then bound nothing).</summary>
    private ulong RecordLength() => random.Next(6) switch
    {
        0 => 64 + (8 * ActionRunner.CdaPages),
        1 => 64 + (8 * ActionRunner.CdaPages) - 8,
        2 => 1UL << 40,
        3 => (1UL << 47) - ActionRunner.Record,
        _ => random.Next(2) == 0 ? ActionRunner.RecordBytes : HostileArguments.Length(random),
    };
}

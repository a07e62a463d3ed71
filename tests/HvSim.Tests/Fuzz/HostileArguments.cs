namespace HvSim.Tests.Fuzz;

/// <summary>
/// Pools of hostile values shared by the int 0x84 and escape fuzzers, aimed at the
/// <see cref="ActionRunner"/>'s fixed layout: addresses at 0, below mmap_min_addr, unaligned, on
/// the program's own read-only code, on the read-only page, overlapping the CDA and the record, at
/// the end of the user half, in the kernel half and non-canonical (never the runner's own
/// variables and stack: a store there would end the fuzzing, not test anything); lengths that are empty,
/// unaligned, just past a limit, span the address space or wrap.
/// </summary>
internal static class HostileArguments
{
    private static readonly ulong[] s_addresses =
    [
        0, 1, 0x1000, 0xFFFF, 0x1_0000, GuestOsTests.TinyElf.LoadAddress, GuestOsTests.TinyElf.Entry, ActionRunner.ReadOnly,
        ActionRunner.Cda, ActionRunner.Cda + 1, ActionRunner.Cda + 8, ActionRunner.Cda + 0x1000, ActionRunner.Cda + ActionRunner.CdaBytes - 0x1000,
        ActionRunner.Cda + ActionRunner.CdaBytes, ActionRunner.Record, ActionRunner.Record + 1, ActionRunner.Record + 0x1000 - 8,
        ActionRunner.Record + ActionRunner.RecordBytes - 16, ActionRunner.Alias, RecoveringGuest.Junk,
        0x7FFF_FFFF_F000, 0x7FFF_FFFF_FFF8, 0x0000_8000_0000_0000, 0xFFFF_8000_0000_0000, 0xFFFF_FFFF_FFFF_F000, 0x8000_0000_0000_0000, ulong.MaxValue,
    ];

    private static readonly ulong[] s_lengths =
    [
        0, 1, 8, 64, 100, 4095, 4096, 4097, ActionRunner.CdaBytes - 4095, ActionRunner.CdaBytes - 1, ActionRunner.CdaBytes, ActionRunner.CdaBytes + 1, ActionRunner.RecordBytes,
        1UL << 30, (1UL << 30) + 4096, 2UL << 30, 4UL << 30, 1UL << 40, 1UL << 47, 1UL << 63, ulong.MaxValue - 4095, ulong.MaxValue,
    ];

    /// <summary>Record header values: counts and capacities from empty to absurd (2^28 words is 8 GiB of log).</summary>
    private static readonly ulong[] s_counts =
        [0, 1, 2, 7, 8, 9, 63, 64, 508, 509, 1UL << 20, 1UL << 21, (1UL << 21) + 1, 1UL << 24, 1UL << 28, 1UL << 32, 1UL << 40, 1UL << 62, 1UL << 63, ulong.MaxValue];

    public static ulong Address(Random random)
    {
        ulong address;
        do
        {
            address = random.Next(10) == 0 ? (ulong)random.NextInt64() & (random.Next(2) == 0 ? 0x7FFF_FFFF_FFFFUL : ulong.MaxValue) : s_addresses[random.Next(s_addresses.Length)];
        }
        while (address - RecoveringGuest.State < RecoveringGuest.SafeStackTop - RecoveringGuest.State);
        return address;
    }

    public static ulong Length(Random random) => random.Next(10) == 0 ? (ulong)random.NextInt64() : s_lengths[random.Next(s_lengths.Length)];

    public static ulong Count(Random random) => random.Next(10) == 0 ? (ulong)random.NextInt64() : s_counts[random.Next(s_counts.Length)];

    /// <summary>An address inside the CDA (its alias when <paramref name="alias"/>), anywhere, sometimes at a page's last bytes so that a store crosses into the next.</summary>
    public static ulong InCda(Random random, bool alias = false) =>
        (alias ? ActionRunner.Alias : ActionRunner.Cda) + ((ulong)random.Next(ActionRunner.CdaPages) * 4096)
        + (random.Next(4) == 0 ? 4096 - (ulong)random.Next(1, 16) : (ulong)random.Next(4096 - 16));

    /// <summary>A store into the CDA (mostly), the record, the read-only page, the code or nowhere: (address, form, rep count).</summary>
    public static FuzzAction Store(Random random, bool alias = false)
    {
        ulong address = random.Next(10) switch
        {
            < 6 => InCda(random, alias),
            6 => ActionRunner.Record + (ulong)random.Next((int)ActionRunner.RecordBytes - 16),
            7 => ActionRunner.ReadOnly + (ulong)random.Next(4096),
            8 => GuestOsTests.TinyElf.Entry + (ulong)random.Next(256),
            _ => Address(random),
        };
        int form = random.Next(ActionRunner.StoreForms);
        ulong count = random.Next(4) == 0 ? (ulong)random.Next(1, 3 * 4096) : (ulong)random.Next(1, 64);
        return new FuzzAction(ActionKind.Store, 0, address, (ulong)random.NextInt64(), (ulong)form, count, 0, 0);
    }

    /// <summary>A store of a hostile header field or entry into the record buffer (the counts and capacities the hypervisor and the COMMIT parser must bound).</summary>
    public static FuzzAction RecordField(Random random)
    {
        ulong offset = random.Next(5) switch
        {
            0 or 1 => (ulong)random.Next(8) * 8,                                    // the header
            4 => ActionRunner.RecordBytes - 16 + ((ulong)random.Next(2) * 8),       // the counters of a record registered at the mapping's last bytes
            2 => 64 + ((ulong)random.Next(ActionRunner.CdaPages + 2) * 8),          // pages[]
            _ => 64 + (ActionRunner.CdaPages * 8) + ((ulong)random.Next(16) * 32) + ((ulong)random.Next(2) * 8), // words[]: address or size
        };
        ulong value = random.Next(4) switch
        {
            // The field's sane value now and then (counts 0, the true capacities), so that a record
            // damaged earlier gets usable again and the logging paths keep being reached.
            3 => offset switch { 16 => ActionRunner.CdaPages, 24 => ActionRunner.WordCap, _ => 0 },
            0 => Count(random),
            1 => InCda(random) & (random.Next(2) == 0 ? ~0xFFFUL : ulong.MaxValue),
            _ => Address(random),
        };
        return new FuzzAction(ActionKind.Store, 0, ActionRunner.Record + offset, value, 3, 0, 0, 0);
    }

    /// <summary>A system call on the CDA or the record: read from stdin into it (the kernel's own write), mprotect, munmap, or mmap it back.</summary>
    public static FuzzAction Syscall(Random random)
    {
        ulong target = random.Next(3) == 0 ? ActionRunner.Record : ActionRunner.Cda;
        ulong page = target + ((ulong)random.Next(target == ActionRunner.Cda ? ActionRunner.CdaPages : ActionRunner.RecordPages) * 4096);
        return random.Next(8) switch
        {
            < 4 => new FuzzAction(ActionKind.Syscall, 0, 0, random.Next(3) == 0 ? Address(random) : InCda(random),
                random.Next(4) == 0 ? Length(random) : (ulong)random.Next(1, 3 * 4096), 0, 0, 0),           // read(0, buf, len)
            < 6 => new FuzzAction(ActionKind.Syscall, 10, page, (ulong)random.Next(1, 4) * 4096, (ulong)random.Next(8), 0, 0, 0), // mprotect
            6 => new FuzzAction(ActionKind.Syscall, 11, page, 4096, 0, 0, 0, 0),                            // munmap
            _ => new FuzzAction(ActionKind.Syscall, 9, page, 4096, 3, 0x22 | 0x10, ulong.MaxValue, 0),       // mmap it back (private, fixed)
        };
    }

    public static FuzzAction Load(Random random) => new(ActionKind.Load, 0, random.Next(2) == 0 ? InCda(random) : Address(random), 0, 0, 0, 0, 0);
}

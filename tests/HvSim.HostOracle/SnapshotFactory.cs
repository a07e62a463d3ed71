namespace HvSim.HostOracle;

/// <summary>Creates snapshots filled with random state.</summary>
public static class SnapshotFactory
{
    /// <summary>
    /// Uniformly random GPRs, XMMs and memory, and random <see cref="Rflags.Settable"/> bits
    /// (nothing else set in RFLAGS).
    /// </summary>
    public static MachineSnapshot Random(Random random, int memorySize = MachineSnapshot.DefaultMemorySize)
    {
        ArgumentNullException.ThrowIfNull(random);
        var snapshot = new MachineSnapshot(memorySize);
        for (var i = 0; i < snapshot.Gpr.Length; i++)
        {
            snapshot.Gpr[i] = NextUInt64(random);
        }

        snapshot.Rflags = NextUInt64(random) & Rflags.Settable;
        for (var i = 0; i < snapshot.Xmm.Length; i++)
        {
            snapshot.Xmm[i] = new Xmm128(NextUInt64(random), NextUInt64(random));
        }

        random.NextBytes(snapshot.Memory);
        return snapshot;
    }

    private static ulong NextUInt64(Random random)
    {
        Span<byte> bytes = stackalloc byte[sizeof(ulong)];
        random.NextBytes(bytes);
        return BitConverter.ToUInt64(bytes);
    }
}

using System.Globalization;

namespace HvSim.Validation;

/// <summary>
/// One run of a suite: the guest's argv (guests/textbook/driver.c, guests/ds/driver.c): OP OPT OPS
/// SEED. Textbook: OPS inserts in the book's key order; deletes insert them outside any transaction
/// (before the CDA is registered), then delete every one (or DeleteMin until empty). Ours: OPS
/// inserts of seeded random keys; deletes first insert 2 x OPS keys outside any transaction, then
/// run OPS deletes of keys drawn from them. Every OPT operations are one transaction
/// (ckpt_begin ... ckpt_end). <paramref name="CdaKib"/>: the CDA's size (null: the
/// driver's default and largest, 8 MiB; a run needs at most half a MiB at 10000 operations). It
/// changes only what the techniques protect, scan and copy at registration, never the structure.
/// </summary>
public sealed record WorkloadSpec(DataStructure Structure, DsOperation Operation, long Opt = 1, long Ops = 10000, long Seed = 1, long? CdaKib = null)
{
    /// <summary>The driver's limit on OPS (its key array).</summary>
    public const long MaxOps = 1 << 20;

    /// <summary>The driver's default and largest CDA, in KiB.</summary>
    public const long MaxCdaKib = 8192;

    /// <summary>The guest's arguments after its name.</summary>
    public string[] GuestArguments =>
    [
        DataStructures.Name(Operation),
        Opt.ToString(CultureInfo.InvariantCulture),
        Ops.ToString(CultureInfo.InvariantCulture),
        Seed.ToString(CultureInfo.InvariantCulture),
        .. CdaKib is long kib ? [kib.ToString(CultureInfo.InvariantCulture)] : Array.Empty<string>(),
    ];

    /// <summary>Whose implementation runs (the guest: tb-NAME or ds-NAME).</summary>
    public WorkloadSuite Suite { get; init; } = WorkloadSuites.Default;

    /// <summary>The bundled guest's file name in guests/bin.</summary>
    public string GuestName => WorkloadSuites.GuestName(Suite, Structure);

    /// <summary>Transactions the run commits: OPS / OPT, rounded up.</summary>
    public long Transactions => (Ops + Opt - 1) / Opt;

    public override string ToString() => $"{GuestName} {string.Join(' ', GuestArguments)}";
}

namespace HvSim.HostOracle;

/// <summary>
/// RFLAGS bits the oracle loads and reports. Only <see cref="Settable"/> (CF PF AF ZF SF OF DF)
/// ever reaches the host CPU from an input snapshot; every other bit keeps the host's value.
/// </summary>
/// <remarks>
/// What user mode (CPL 3, IOPL 0, 64-bit Linux) can change with POPFQ, checked on the host
/// by <c>RflagsProbeTests</c> and the Intel SDM POPF pseudo-code:
/// <list type="bullet">
/// <item>CF PF AF ZF SF OF DF: freely settable. These are the only bits we load.</item>
/// <item>TF (bit 8): settable, and deadly: the next instruction raises #DB, the kernel delivers
///   SIGTRAP and the .NET runtime dies. Never load it.</item>
/// <item>AC (bit 18): settable. Linux runs with CR0.AM = 1, so with AC set every misaligned
///   user-mode access raises #AC (SIGBUS; confirmed on the development host with a small C probe).
///   It would also leak into the runtime if not restored.</item>
/// <item>ID (bit 21) and NT (bit 14): settable and harmless in user mode, but they are host
///   state, not guest state, so we leave them alone too.</item>
/// <item>IF (bit 9) and IOPL (bits 12-13): silently ignored at CPL 3 (no fault).</item>
/// <item>RF (bit 16) is always cleared by POPF; VM (17) is unchanged; VIF/VIP (19-20) are not
///   writable from CPL 3 outside virtual-8086 mode.</item>
/// <item>Bit 1 always reads 1; bits 3, 5, 15 and 22-63 read 0.</item>
/// </list>
/// The epilogue additionally restores the host's complete RFLAGS value, so even guest code that
/// manipulates RFLAGS itself (pushfq/popfq, std) cannot leave AC, ID, NT or DF set for the runtime.
/// </remarks>
public static class Rflags
{
    public const ulong Cf = 1UL << 0;
    public const ulong Pf = 1UL << 2;
    public const ulong Af = 1UL << 4;
    public const ulong Zf = 1UL << 6;
    public const ulong Sf = 1UL << 7;
    public const ulong Tf = 1UL << 8;
    public const ulong If = 1UL << 9;
    public const ulong Df = 1UL << 10;
    public const ulong Of = 1UL << 11;
    public const ulong Nt = 1UL << 14;
    public const ulong Ac = 1UL << 18;
    public const ulong Id = 1UL << 21;

    /// <summary>The six arithmetic status flags.</summary>
    public const ulong Status = Cf | Pf | Af | Zf | Sf | Of;

    /// <summary>Status flags plus DF: what the executor loads, reports and what equality compares.</summary>
    public const ulong Settable = Status | Df;

    /// <summary>Formats the settable flags as e.g. "CF PF ZF" (or "-" when none are set).</summary>
    public static string Format(ulong rflags)
    {
        var names = new List<string>(7);
        foreach (var (bit, name) in Names)
        {
            if ((rflags & bit) != 0)
            {
                names.Add(name);
            }
        }

        return names.Count == 0 ? "-" : string.Join(' ', names);
    }

    internal static readonly (ulong Bit, string Name)[] Names =
    [
        (Cf, "CF"), (Pf, "PF"), (Af, "AF"), (Zf, "ZF"), (Sf, "SF"), (Df, "DF"), (Of, "OF"),
    ];
}

using System.Globalization;
using HvSim.Checkpoint;
using HvSim.GuestOs.Kernel;
using HvSim.Core;
using System.CommandLine;
using HvSim.Cli.CommandLine;

namespace HvSim.Cli;

/// <summary>
/// The limits of a guest run, taken by every command that runs one (exec, micro, workload,
/// trace): --guest-ram, --max-instructions and --max-seconds; and how a run a limit stopped ends —
/// one line on stderr and the limit's own exit status.
/// </summary>
internal static class GuestLimitOption
{
    /// <summary>Exit status when a guest runs past --max-instructions (as timeout(1) reports a time-out).</summary>
    public const int InstructionLimitStatus = 124;

    /// <summary>
    /// Exit status when a guest runs past --max-seconds: 128 + SIGALRM, as a shell reports a
    /// program stopped by a wall-clock alarm (the one-line error tells it from a guest that died
    /// of its own SIGALRM).
    /// </summary>
    public const int TimeLimitStatus = 142;

    /// <summary>The smallest guest machine: room for a static glibc program, its tables and the hypervisor's eighth.</summary>
    public const ulong MinGuestRam = 16UL << 20;

    /// <summary>The largest: memory is sparse, but its frame index grows with the size (2 MiB of host memory at 1 TiB).</summary>
    public const ulong MaxGuestRam = 1UL << 40;

    /// <summary>The longest --max-seconds (about 11.6 days).</summary>
    public const double MaxSeconds = 1_000_000;

    /// <summary>The three options, for one command.</summary>
    public static Group Create() => new();

    /// <summary>--guest-ram, --max-instructions and --max-seconds of one command.</summary>
    public sealed class Group : IOptionGroup
    {
        private readonly CliOption<ulong> _guestRam = CliOptions.Value("--guest-ram", "SIZE",
            $"the guest machine's RAM, {ByteSize.Format(MinGuestRam)} to {ByteSize.Format(MaxGuestRam)} (64M, 512MiB, 4G or bytes); a guest past it gets SIGBUS",
            text => GuestRam("--guest-ram", text), KernelOptions.DefaultPhysicalMemoryBytes, ByteSize.Format(KernelOptions.DefaultPhysicalMemoryBytes));

        private readonly CliOption<long?> _maxInstructions = CliOptions.OptionalWholeNumber("--max-instructions", "N",
            $"stop the guest after N instructions (exit status {InstructionLimitStatus})", min: 1);

        private readonly CliOption<double?> _maxSeconds = CliOptions.Value<double?>("--max-seconds", "SECS",
            $"stop the guest after SECS seconds of wall-clock time, e.g. 30 or 0.5 (exit status {TimeLimitStatus})",
            text => Seconds("--max-seconds", text), null, null);

        public IEnumerable<Option> Options => [_guestRam.Option, _maxInstructions.Option, _maxSeconds.Option];

        /// <summary>Whether any of the three was given.</summary>
        public bool Given(ParseResult result) => _guestRam.Given(result) || _maxInstructions.Given(result) || _maxSeconds.Given(result);

        /// <summary>The options given, applied to <paramref name="current"/>.</summary>
        public KernelOptions Apply(KernelOptions current, ParseResult result) => current with
        {
            PhysicalMemoryBytes = _guestRam.Read(result),
            MaxInstructions = _maxInstructions.Read(result) ?? current.MaxInstructions,
            MaxWallTime = _maxSeconds.Read(result) is double seconds ? TimeSpan.FromSeconds(seconds) : current.MaxWallTime,
        };
    }

    /// <summary>The exit status of a run a limit stopped, or null when none did.</summary>
    public static int? Status(RunEnd end) => end switch
    {
        RunEnd.InstructionLimit => InstructionLimitStatus,
        RunEnd.TimeLimit => TimeLimitStatus,
        _ => null,
    };

    /// <summary>The worst of several runs' limit statuses (the wall clock's first), or null when no limit stopped any.</summary>
    public static int? Status(IEnumerable<RunEnd> ends)
    {
        RunEnd[] all = ends.ToArray();
        return all.Contains(RunEnd.TimeLimit) ? TimeLimitStatus : all.Contains(RunEnd.InstructionLimit) ? InstructionLimitStatus : null;
    }

    /// <summary>What stopped a run, for its one-line error (<paramref name="end"/> is a limit).</summary>
    public static string Describe(RunEnd end, KernelOptions options, long instructions, ulong rip) => end == RunEnd.TimeLimit
        ? $"guest exceeded --max-seconds ({options.MaxWallTime!.Value.TotalSeconds.ToString(CultureInfo.InvariantCulture)}) after {instructions} instructions, at rip 0x{rip:x}"
        : $"guest exceeded --max-instructions ({options.MaxInstructions}) at rip 0x{rip:x}";

    /// <summary>Bytes (K, M, G, T units), a whole number of pages, within [<see cref="MinGuestRam"/>, <see cref="MaxGuestRam"/>].</summary>
    private static ulong GuestRam(string option, string text)
    {
        if (!ByteSize.TryParse(text, out ulong bytes))
        {
            throw new UsageException($"{option}: '{text}' is not a size (bytes, or a number with K, M, G, T, KiB, MiB, GiB or TiB)");
        }
        if (bytes < MinGuestRam || bytes > MaxGuestRam)
        {
            throw new UsageException($"{option} {text}: must be from {ByteSize.Format(MinGuestRam)} to {ByteSize.Format(MaxGuestRam)}");
        }
        if (bytes % PageGeometry.PageSize != 0)
        {
            throw new UsageException($"{option} {text}: must be a whole number of 4 KiB pages");
        }
        return bytes;
    }

    private static double Seconds(string option, string text)
    {
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds)
            || !(seconds > 0) || seconds > MaxSeconds)
        {
            throw new UsageException($"{option}: '{text}' is not a number of seconds above 0 and at most {MaxSeconds.ToString(CultureInfo.InvariantCulture)} (e.g. 30 or 0.5)");
        }
        return seconds;
    }
}

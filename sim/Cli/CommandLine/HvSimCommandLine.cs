using System.CommandLine;
using System.CommandLine.Invocation;

namespace HvSim.Cli.CommandLine;

/// <summary>
/// hvsim's command line: every command, declared once (<see cref="Commands"/>), parsed by
/// System.CommandLine, which gives every command -h/--help from the same definitions the README's
/// command table is rendered from (<see cref="CommandTable"/>). A bad line is one
/// <see cref="UsageException"/> (<see cref="ParseProblems"/>), refused before any work.
/// </summary>
internal static class HvSimCommandLine
{
    public const string Description =
        "HvSim: a full-system simulator of the virtualized checkpoint path (x86-64 interpreter, guest Linux, Xen-like hypervisor, cost model). " +
        "Exit status: a guest past --max-instructions 124, past --max-seconds 142; bad usage 2; internal error 70.";

    /// <summary>The commands, in the order help and the README list them.</summary>
    public static IReadOnlyList<CommandEntry> Commands() =>
    [
        new(ExecCommand.Create(), "exec PROG [ARGS...]", "hvsim exec guests/bin/glibc-hello", "`Hello, world!` …", PassesRestToProgram: true),
        new(ReproduceCommand.Create(), "reproduce", "hvsim reproduce --quick",
            "`calibration: 9 of 9 pass; holdout: 9 of 12 pass; within the bands, 11 of 12 holdouts can pass`"),
        new(MicroCommand.Create(), "micro", "hvsim micro --technique pt --platform xen-pv",
            "one row: instructions, faults, traps, bounces, …, `equal`, `78.707` simulated ms"),
        new(WorkloadCommand.Create(), "workload", "hvsim workload --ds avl --technique all --platform xen-pv",
            "one row per technique, `invariants ok`, `backup equal`"),
        new(TraceCommand.Create(), "trace", "hvsim trace --platform xen-pv --technique pt",
            "`25 steps (cpu 1, user 3, kernel 13, hypervisor 8)` … `the store faulted once and then succeeded`"),
        new(ClaimsCommand.Create(), "claims", "hvsim claims", "the claims table and the pass counts"),
        new(RepriceCommand.Create(), "reprice RUN.json", "hvsim reprice run.json --profile prior-xen-4.1-pv", "the run's time under that profile, per event"),
        new(CalibrateCommand.Create(), "calibrate", "hvsim calibrate --measurements models/calibration/xen-4.1-pv.csv --out fit.json",
            "the fitted prices, their residuals and the problem's condition"),
        new(CompareCommand.Create(), "compare micro|workload", "hvsim compare micro --tcount 200",
            "one row per technique and platform: simulated ms, pages and words recorded, faults and hypervisor traps per transaction, KiB copied, `equal`"),
        new(SweepCommand.Create(), "sweep SPEC", "hvsim sweep deploy/examples/wpp-sweep.json --shard 0/4 --out sweep-out",
            "`shard 0/4 of sweep wpp-sweep:` … points …; `hvsim sweep merge sweep-out --out wpp` → `wpp.csv`, `wpp.json`"),
        new(BenchCommand.Create(), "bench", "hvsim bench --reproduce none", "`hvsim 0.896 s 219.2 MIPS`, `native 0.041 s`"),
    ];

    /// <summary>The root command with every subcommand; --version prints the version and commit of this build.</summary>
    public static RootCommand Root(IReadOnlyList<CommandEntry> commands)
    {
        var root = new RootCommand(Description);
        foreach (CommandEntry entry in commands)
        {
            root.Subcommands.Add(entry.Command);
        }
        foreach (VersionOption version in root.Options.OfType<VersionOption>())
        {
            version.Description = "the version and the git commit of this build";
            version.Action = new PrintVersion();
        }
        return root;
    }

    public static int Invoke(string[] args)
    {
        IReadOnlyList<CommandEntry> commands = Commands();
        RootCommand root = Root(commands);
        var output = new InvocationConfiguration { Output = Console.Out, Error = Console.Error, EnableDefaultExceptionHandler = false };
        if (args.Length == 0 || args is ["help"])
        {
            root.Parse(["--help"]).Invoke(output);
            return args.Length == 0 ? Program.UsageError : 0;
        }
        if (args is ["help", var topic, ..])
        {
            args = [topic, "--help"]; // `hvsim help micro` as `hvsim micro --help`
        }
        CommandEntry? chosen = commands.FirstOrDefault(c => c.Command.Name == args[0]);
        if (chosen is { PassesRestToProgram: true })
        {
            args = ProgramArguments.Separate(chosen.Command, args);
        }

        // No response files: a guest's argument may begin with '@'.
        ParseResult result = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (ParseProblems.First(result) is string problem)
        {
            throw new UsageException(problem);
        }
        return result.Invoke(output);
    }

    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            Console.Out.WriteLine($"hvsim {HvSim.Core.BuildVersion.Text}");
            return 0;
        }
    }
}

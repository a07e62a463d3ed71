using HvSim.GuestOs.Elf;
using HvSim.GuestOs.Kernel;

namespace HvSim.Cli;

/// <summary>The hvsim command: one subcommand per job, errors as one line, never a stack trace.</summary>
public static class Program
{
    public const int UsageError = 2;
    public const int InternalError = 70;

    private const string Usage =
        "usage: hvsim exec [--cpu L] [--guest-ram SIZE] [--max-instructions N] [--max-seconds SECS] [--seed N] [--platform P] [--syscall-path S] [--pte-updates U]\n" +
        "                  [--mount HOSTDIR:GUESTDIR[:ro]]... [--technique T] [--crash-at N] [--verify-every-commit] [--json [--profile P|none]] PROG [ARGS...]\n" +
        "       hvsim trace --platform P --technique T [--format text|json|mermaid] [--syscall-path S] [--pte-updates U] [--cpu L] " + GuestLimitOption.Usage + "\n" +
        "       hvsim micro --technique T|all --platform P|all [--cda-kib N] [--wpp X] [--ppt X] [--tcount N] [--seed N] [--profile P|none] [--json]\n" +
        "                   " + CpuOption.Usage + " " + GuestLimitOption.Usage + "\n" +
        "       " + WorkloadCommand.Usage + "\n" +
        "       hvsim bench [--json] [--iterations N] [--reproduce quick|full|none]\n" +
        "       " + RepriceCommand.Usage + "\n" +
        "       " + CalibrateCommand.Usage + "\n" +
        "       " + ClaimsCommand.Usage + "\n" +
        "       " + ReproduceCommand.Usage + "\n" +
        "       hvsim --version   (the version and the git commit of this build)\n" +
        "  T: none | pt | emul | ptxen | emulxen | scanxen\n" +
        "  P: native | xen-pv | xen-shadow   S: compat | trap-gate | hypervisor   U: hypercall | trapped-write\n" +
        "  L: the CPU level, baseline (SSE2, popcnt, lzcnt, BMI1; the paper's experiments' default) | v2 (+ SSE3-SSE4.2, cmpxchg16b, pclmulqdq) | v3 (exec's default: + AVX, AVX2, BMI2, FMA, F16C, movbe, xsave)\n" +
        "  SIZE: the guest machine's RAM (16M to 1T; 64M, 512MiB, 4G or bytes; default 4G)   SECS: wall-clock seconds, e.g. 30 or 0.5\n" +
        "  exit status: a guest past --max-instructions 124, past --max-seconds 142; bad usage 2; internal error 70";

    public static int Main(string[] args)
    {
        try
        {
            if (args.Length == 1 && args[0] == "--version")
            {
                Console.Out.WriteLine($"hvsim {HvSim.Core.BuildVersion.Text}");
                return 0;
            }

            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                Console.Out.WriteLine(Usage);
                return args.Length == 0 ? UsageError : 0;
            }
            return args[0] switch
            {
                "exec" => ExecCommand.Run(args[1..]),
                "bench" => BenchCommand.Run(args[1..]),
                "trace" => TraceCommand.Run(args[1..]),
                "micro" => MicroCommand.Run(args[1..]),
                "reprice" => RepriceCommand.Run(args[1..]),
                "calibrate" => CalibrateCommand.Run(args[1..]),
                "workload" => WorkloadCommand.Run(args[1..]),
                "claims" => ClaimsCommand.Run(args[1..]),
                "reproduce" => ReproduceCommand.Run(args[1..]),
                _ => throw new UsageException($"unknown command '{args[0]}' (try: hvsim --help)"),
            };
        }
        catch (UsageException e)
        {
            return Fail(e.Message, UsageError);
        }
        catch (ElfFormatException e)
        {
            return Fail(e.Message, UsageError);
        }
        catch (ProcessLoader.LoadException e)
        {
            return Fail(e.Message, UsageError);
        }
        catch (IOException e)
        {
            return Fail(e.Message, UsageError);
        }
        catch (UnauthorizedAccessException e)
        {
            return Fail(e.Message, UsageError);
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("HVSIM_DEBUG") is null)
        {
            // A simulator bug: say so in one line; HVSIM_DEBUG=1 shows the stack trace.
            return Fail($"internal error: {e.GetType().Name}: {e.Message} (set HVSIM_DEBUG=1 for details)", InternalError);
        }
    }

    internal static int Fail(string message, int status)
    {
        Console.Out.Flush();
        Console.Error.WriteLine($"hvsim: {message}");
        return status;
    }
}

using System.CommandLine;
using HvSim.Checkpoint;
using HvSim.Cli.CommandLine;
using HvSim.Cpu;
using HvSim.GuestOs.Files;
using HvSim.GuestOs.Kernel;
using HvSim.Hypervisor;

namespace HvSim.Cli;

/// <summary>
/// hvsim exec: run a static x86-64 Linux ELF, forwarding its output and exit status. With --json,
/// once the guest has ended, one JSON object (<see cref="RunReport"/>) goes to stderr, since the
/// guest owns stdout.
/// </summary>
public static class ExecCommand
{
    /// <summary>The largest program file exec reads (static glibc programs are a few MiB).</summary>
    public const long MaxProgramBytes = 256L << 20;

    /// <summary>Exit status when the guest runs past --max-instructions (as timeout(1) reports a time-out).</summary>
    public const int InstructionLimitStatus = GuestLimitOption.InstructionLimitStatus;

    public static Command Create()
    {
        GuestLimitOption.Group limits = GuestLimitOption.Create();
        CliOption<long> seed = CliOptions.WholeNumber("--seed", "N", "the seed of everything random the guest sees (AT_RANDOM, getrandom)", 0, min: 0);
        var platform = new PlatformOption();
        CliOption<CpuIdentity> cpu = CpuOption.Create(CpuIdentity.Default);
        CliOption<bool> jit = JitOption.Create();
        Option<IReadOnlyList<MountPoint>> mounts = MountOption.Create();
        CliOption<Technique> technique = TechniqueOption.Create(Technique.None);
        CliOption<long?> crashAt = CliOptions.OptionalWholeNumber("--crash-at", "N",
            "crash the machine after N instructions and recover from the last checkpoint (with --technique; status 0 when recovery gives the last committed state)", min: 1);
        Option<bool> audit = AuditOption.Create();
        Option<bool> verifyEach = CliOptions.Flag("--verify-every-commit", "check the backup against the primary at every commit, not only at exit");
        Option<bool> json = CliOptions.Flag("--json", "after the guest ends, one JSON object with the run's events, counts and simulated time on stderr (the guest owns stdout)");
        CliOption<string> profile = ProfileOption.Create(jsonOnly: true);
        var program = new Argument<string>("PROG") { Description = "a static x86-64 Linux ELF (freestanding or gcc -static with glibc)" };
        var arguments = new Argument<string[]>("ARGS") { Description = "the program's arguments, passed untouched (its own options included)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("exec",
            "run a static x86-64 Linux ELF on the simulated machine with its stdout, stderr and exit status, as qemu-x86_64 does; --technique runs it under a checkpoint technique")
        {
            platform, technique, cpu, jit, limits, seed, mounts, crashAt, verifyEach, audit, json, profile, program, arguments,
        };
        command.SetAction(result => Run(
            limits.Apply(new KernelOptions
            {
                Cpu = cpu.Read(result),
                Jit = jit.Read(result),
                JitInBackground = true,
                Seed = (ulong)seed.Read(result),
                Platform = platform.Read(result),
                Mounts = result.GetValue(mounts) ?? [],
            }, result),
            technique.Read(result), crashAt.Read(result), result.GetValue(verifyEach), result.GetValue(audit), result.GetValue(json),
            ProfileOption.ForJson(result, json, profile, "exec"),
            [result.GetValue(program)!, .. result.GetValue(arguments) ?? []]));
        return command;
    }

    /// <param name="profileName">The profile that prices the --json report; null without --json.</param>
    /// <param name="rest">The program and its arguments.</param>
    private static int Run(KernelOptions kernelOptions, Technique technique, long? crashAt, bool verifyEach, bool audit, bool json, string? profileName, string[] rest)
    {
        string path = rest[0];
        if (!File.Exists(path))
        {
            throw new UsageException($"{path}: no such file");
        }
        // Checked before a byte is read: a FIFO would block the read forever and a device such as
        // /dev/zero never ends (both have no length), and a huge file would fill the host's memory.
        long size = new FileInfo(path).Length;
        if (size == 0 || size > MaxProgramBytes)
        {
            throw new UsageException(size == 0
                ? $"{path}: empty, or not a regular file (a FIFO or a device is not a program)"
                : $"{path}: {size} bytes; a program may have at most {MaxProgramBytes >> 20} MiB");
        }
        byte[] elf = File.ReadAllBytes(path);

        using Stream stdout = Console.OpenStandardOutput();
        using Stream stderr = Console.OpenStandardError();
        using Stream stdin = Console.OpenStandardInput();
        TechniqueOption.CheckSupported(technique, kernelOptions.Platform.Platform);
        HvSim.Models.Profiles.CostProfile? profile = profileName is null ? null : RunPricing.Load(profileName);
        var checkpointOptions = new CheckpointOptions { Technique = technique, VerifyEveryCommit = verifyEach, Audit = audit };
        CheckpointedResult result = CheckpointedRun.Run(elf, path, rest, HostEnvironment.Variables(), kernelOptions,
            checkpointOptions, stdin, stdout, stderr, crashAt);
        GuestKernel kernel = result.Kernel;
        Process process = result.Process;
        int status;
        if (result.End == RunEnd.Crashed)
        {
            // A deliberate crash: what matters is whether recovery yields the last committed state.
            status = result.Check.Equal ? 0 : 1;
        }
        else if (GuestLimitOption.Status(result.End) is int limitStatus)
        {
            status = Program.Fail(GuestLimitOption.Describe(result.End, kernelOptions, kernel.Cpu.InstructionsRetired, kernel.Cpu.Rip), limitStatus);
        }
        else
        {
            if (process.FatalReport is not null)
            {
                Console.Error.WriteLine(process.FatalReport);
            }
            status = process.ExitStatus ?? 0;
            if (status == 0 && !result.Check.Equal)
            {
                status = 1; // the program succeeded but its checkpoint did not
            }
        }
        stdout.Flush();
        stderr.Flush();
        if (json)
        {
            // The guest owns stdout: the report goes to stderr, as one line after everything else.
            Console.Error.WriteLine(CheckpointSummary.Report(result, profile).ToJson());
        }
        else if (technique != Technique.None || crashAt is not null)
        {
            Console.Error.WriteLine($"hvsim: {CheckpointSummary.Line(result)}");
        }
        return status;
    }
}

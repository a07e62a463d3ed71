using HvSim.Checkpoint;
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

    public static int Run(string[] args)
    {
        var options = new OptionReader(args);
        var kernelOptions = new KernelOptions { Cpu = HvSim.Cpu.CpuIdentity.Default };
        bool json = false;
        Technique technique = Technique.None;
        long? crashAt = null;
        bool verifyEach = false;
        string profileName = RunPricing.DefaultProfile;
        for (string? option = options.NextOption(); option is not null; option = options.NextOption())
        {
            switch (option)
            {
                case "--guest-ram":
                case "--max-instructions":
                case "--max-seconds":
                    kernelOptions = GuestLimitOption.Apply(kernelOptions, option, options);
                    break;
                case "--seed":
                    kernelOptions = kernelOptions with { Seed = (ulong)options.Long(option, min: 0) };
                    break;
                case "--platform":
                case "--syscall-path":
                case "--pte-updates":
                    kernelOptions = kernelOptions with { Platform = PlatformOption.Apply(kernelOptions.Platform, option, options.Value(option)) };
                    break;
                case "--cpu":
                    kernelOptions = CpuOption.Apply(kernelOptions, options.Value(option));
                    break;
                case "--mount":
                    kernelOptions = kernelOptions with { Mounts = MountOption.Add(kernelOptions.Mounts, options.Value(option)) };
                    break;
                case "--json":
                    json = true;
                    break;
                case "--technique":
                    technique = TechniqueOption.Parse(options.Value(option));
                    break;
                case "--crash-at":
                    crashAt = options.Long(option, min: 1);
                    break;
                case "--verify-every-commit":
                    verifyEach = true;
                    break;
                case "--profile":
                    profileName = options.Value(option);
                    break;
                default:
                    throw new UsageException($"exec: unknown option {option}");
            }
        }
        string[] rest = options.Rest();
        PlatformOption.CheckRelevant(kernelOptions.Platform, options);
        if (rest.Length == 0)
        {
            throw new UsageException("exec: which program? usage: hvsim exec [options] PROG [ARGS...]");
        }
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
        HvSim.Models.Profiles.CostProfile? profile = json ? RunPricing.Load(profileName) : null;
        var checkpointOptions = new CheckpointOptions { Technique = technique, VerifyEveryCommit = verifyEach };
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

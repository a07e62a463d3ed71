using HvSim.GuestOs.Kernel;

namespace HvSim.Checkpoint;

/// <summary>How a checkpointed run ended.</summary>
public enum RunEnd
{
    /// <summary>The process exited (normally or by a fatal signal).</summary>
    Exited,
    /// <summary>The primary was stopped at the crash instruction: recovery was checked.</summary>
    Crashed,
    /// <summary>The instruction budget ran out.</summary>
    InstructionLimit,
    /// <summary>The wall-clock limit passed (<see cref="KernelOptions.MaxWallTime"/>).</summary>
    TimeLimit,
}

/// <summary>The outcome of <see cref="CheckpointedRun.Run"/>.</summary>
public sealed record CheckpointedResult(GuestKernel Kernel, Process Process, CheckpointSession Session, RunEnd End, BackupCheck Check)
{
    /// <summary>The guest's exit status (null when it did not exit).</summary>
    public int? ExitStatus => Process.ExitStatus;
}

/// <summary>
/// One program run under a technique: the kernel, the checkpoint session, the run, and the
/// backup check at the end — at exit the backup must equal the primary; after a crash at
/// instruction N it must equal the primary as of the last completed ckpt_end.
/// </summary>
public static class CheckpointedRun
{
    /// <param name="crashAt">Stop the primary once this many guest instructions have retired (null: run to the end).</param>
    /// <param name="observe">Sees the session before the run (e.g. to watch its commits).</param>
    public static CheckpointedResult Run(byte[] elf, string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp,
        KernelOptions kernelOptions, CheckpointOptions options, Stream stdin, Stream stdout, Stream stderr, long? crashAt = null,
        Action<CheckpointSession>? observe = null)
    {
        if (crashAt is long n)
        {
            kernelOptions = kernelOptions with { MaxInstructions = Math.Min(kernelOptions.MaxInstructions, n) };
            options = options with { KeepCommittedImage = true };
        }
        var kernel = new GuestKernel(kernelOptions, stdin, stdout, stderr);
        var session = new CheckpointSession(kernel, options, Path.GetFileName(path));
        observe?.Invoke(session);
        Process process = kernel.CreateProcess(elf, path, argv, envp);
        RunOutcome outcome = kernel.Run(process);
        if (outcome == RunOutcome.InstructionLimit)
        {
            bool crashed = crashAt is long limit && kernel.Cpu.InstructionsRetired >= limit;
            return new CheckpointedResult(kernel, process, session, crashed ? RunEnd.Crashed : RunEnd.InstructionLimit,
                crashed ? session.CheckRecovery() : session.CheckAtExit());
        }
        RunEnd end = outcome == RunOutcome.TimeLimit ? RunEnd.TimeLimit : RunEnd.Exited;
        return new CheckpointedResult(kernel, process, session, end, session.CheckAtExit());
    }
}

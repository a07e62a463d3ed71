using System.Diagnostics;
using System.Runtime.InteropServices;
using HvSim.GuestOs.Kernel;

namespace HvSim.Tests.Guests;

/// <summary>The observable result of running a program: what it wrote and how it ended.</summary>
public sealed record GuestRun(byte[] Stdout, byte[] Stderr, int ExitStatus, string? FatalReport)
{
    public string StdoutText => System.Text.Encoding.UTF8.GetString(Stdout);

    /// <summary>The output's non-empty lines.</summary>
    public string[] StdoutLines => StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// A probe guest's output under <paramref name="platform"/>: it must exit 0 (a probe prints what
    /// the kernel answered, errors included, and fails only when it cannot go on).
    /// </summary>
    public static string[] ProbeLines(string path, HvSim.Hypervisor.Platform platform)
    {
        GuestRun run = Simulated(path, [], [], maxInstructions: 200_000_000, platform: new HvSim.Hypervisor.PlatformOptions { Platform = platform });
        Assert.True(run.ExitStatus == 0, $"{Path.GetFileName(path)} on {platform}: status {run.ExitStatus} {run.FatalReport}\n{run.StdoutText}");
        return run.StdoutLines;
    }

    public string StderrText => System.Text.Encoding.UTF8.GetString(Stderr);

    /// <summary>True when the host can run the committed x86-64 Linux ELFs itself (the reference).</summary>
    public static bool HostCanRunGuests => OperatingSystem.IsLinux() && RuntimeInformation.OSArchitecture == Architecture.X64;

    /// <summary>Runs the program under the simulator, in process.</summary>
    public static GuestRun Simulated(string path, IReadOnlyList<string> args, IReadOnlyList<string> env, byte[]? stdin = null, long maxInstructions = 2_000_000_000,
        IReadOnlyList<HvSim.GuestOs.Files.MountPoint>? mounts = null, HvSim.Cpu.CpuIdentity? cpu = null, HvSim.Hypervisor.PlatformOptions? platform = null)
    {
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var options = new KernelOptions { MaxInstructions = maxInstructions, Mounts = mounts ?? [], Cpu = cpu ?? HvSim.Cpu.CpuIdentity.Baseline, Platform = platform ?? new() };
        var kernel = new GuestKernel(options, new MemoryStream(stdin ?? []), stdout, stderr);
        var argv = new List<string> { path };
        argv.AddRange(args);
        HvSim.GuestOs.Kernel.Process process = kernel.CreateProcess(File.ReadAllBytes(path), path, argv, env);
        RunOutcome outcome = kernel.Run(process);
        Assert.True(outcome == RunOutcome.Exited, $"{Path.GetFileName(path)} exceeded {maxInstructions} instructions (rip 0x{kernel.Cpu.Rip:x})");
        return new GuestRun(stdout.ToArray(), stderr.ToArray(), process.ExitStatus ?? -1, process.FatalReport);
    }

    /// <summary>
    /// The exit status of an ELF image run on the host kernel (written to a temporary executable
    /// file), or null where the host cannot run x86-64 Linux programs: the oracle of the hostile
    /// program tests.
    /// </summary>
    public static int? NativeStatus(byte[] elf, string tag)
    {
        if (!HostCanRunGuests || !OperatingSystem.IsLinux())
        {
            return null;
        }
        string path = Path.Combine(Path.GetTempPath(), $"hvsim-{string.Concat(tag.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_'))}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, elf);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            return Native(path, [], []).ExitStatus;
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Runs the program on the host CPU: the reference behaviour (in <paramref name="workingDirectory"/>, or the test's own).</summary>
    public static GuestRun Native(string path, IReadOnlyList<string> args, IReadOnlyList<string> env, byte[]? stdin = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment.Clear();
        foreach (string variable in env)
        {
            int eq = variable.IndexOf('=');
            start.Environment[variable[..eq]] = variable[(eq + 1)..];
        }
        using System.Diagnostics.Process process = StartRetryingBusyText(start);
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        Task outTask = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        Task errTask = process.StandardError.BaseStream.CopyToAsync(stderr);
        try
        {
            process.StandardInput.BaseStream.Write(stdin ?? []);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The program exited without reading all its input (a shell would see EPIPE too).
        }
        if (!process.WaitForExit(60_000))
        {
            process.Kill();
            throw new TimeoutException($"{path} did not finish natively");
        }
        Task.WaitAll(outTask, errTask);
        // .NET reports death by signal n as 128+n, as a shell does.
        return new GuestRun(stdout.ToArray(), stderr.ToArray(), process.ExitCode, null);
    }

    /// <summary>
    /// Starts the program, again when exec fails with ETXTBSY: a program file the test has just
    /// written can still be open for writing in a child that another test thread forked in that
    /// window (the descriptor closes at the child's exec), so the kernel refuses to run it for a moment.
    /// </summary>
    private static System.Diagnostics.Process StartRetryingBusyText(ProcessStartInfo start)
    {
        const int Etxtbsy = 26;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return System.Diagnostics.Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception e) when (e.NativeErrorCode == Etxtbsy && attempt < 50)
            {
                Thread.Sleep(20);
            }
        }
    }
}

using System.Diagnostics;

namespace HvSim.Tests.Guests;

/// <summary>How a host tool run ended: its exit code and output, or that it ran out of time (and was killed).</summary>
public sealed record ToolRun(int ExitCode, string Stdout, string Stderr, bool TimedOut, TimeSpan Elapsed);

/// <summary>Finds and runs host programs (gcc, csmith, a freshly compiled guest) for the differential tests.</summary>
public static class HostTools
{
    /// <summary>The full path of <paramref name="name"/> on PATH, or null.</summary>
    public static string? Find(string name)
    {
        string? path = Environment.GetEnvironmentVariable("PATH");
        if (path is null)
        {
            return null;
        }
        foreach (string directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>Runs a program with an empty stdin and the environment given (or the test's own); kills it after <paramref name="timeout"/>.</summary>
    public static ToolRun Run(string file, IEnumerable<string> args, string workingDirectory, TimeSpan timeout, IReadOnlyList<string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        if (environment is not null)
        {
            start.Environment.Clear();
            foreach (string variable in environment)
            {
                int eq = variable.IndexOf('=');
                start.Environment[variable[..eq]] = variable[(eq + 1)..];
            }
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        bool finished = process.WaitForExit(timeout);
        if (!finished)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        clock.Stop();
        Task.WaitAll(stdout, stderr);
        return new ToolRun(finished ? process.ExitCode : -1, stdout.Result, stderr.Result, !finished, clock.Elapsed);
    }
}

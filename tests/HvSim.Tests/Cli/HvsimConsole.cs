using HvSim.Cli;

namespace HvSim.Tests.Cli;

/// <summary>
/// Runs the hvsim command in process with Console.Out and Console.Error captured (tests that use
/// it belong to <see cref="ConsoleCollection"/>, which runs them one at a time). A guest's own
/// stdout under `exec` goes to the process's real stdout, not to the capture.
/// </summary>
public static class HvsimConsole
{
    public static (int Status, string Stdout, string Stderr) Run(params string[] args)
    {
        TextWriter originalOut = Console.Out;
        TextWriter originalError = Console.Error;
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            return (Program.Main(args), stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
        }
    }
}

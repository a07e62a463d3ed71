using HvSim.Cli.CommandLine;
using HvSim.GuestOs.Elf;
using HvSim.GuestOs.Kernel;

namespace HvSim.Cli;

/// <summary>The hvsim command: one subcommand per job (<see cref="HvSimCommandLine"/>), errors as one line, never a stack trace.</summary>
public static class Program
{
    public const int UsageError = 2;
    public const int InternalError = 70;

    public static int Main(string[] args)
    {
        try
        {
            return HvSimCommandLine.Invoke(args);
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

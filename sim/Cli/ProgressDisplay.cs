using Spectre.Console;

namespace HvSim.Cli;

/// <summary>
/// A progress bar for commands that run many simulations (Spectre.Console), shown only where a
/// person watches: stdout is a terminal and the output is not JSON. It clears itself when done,
/// so the table printed afterwards stands alone.
/// </summary>
public static class ProgressDisplay
{
    /// <summary>Whether a bar would be seen: stdout is a terminal (not redirected, not captured by a test).</summary>
    public static bool Interactive => !Console.IsOutputRedirected && Console.Out == s_stdout;

    private static readonly TextWriter s_stdout = Console.Out;

    /// <summary>
    /// Runs <paramref name="work"/>, which calls the step action (from any thread) once per
    /// finished unit of <paramref name="units"/>; with <paramref name="show"/> a bar follows the steps.
    /// </summary>
    public static T Run<T>(string description, int units, bool show, Func<Action, T> work)
    {
        if (!show || units <= 1)
        {
            return work(() => { });
        }
        T result = default!;

        // The bar hides the cursor; Ctrl-C would end the process with it still hidden (issue 19).
        // Show it again on the way out, then let the interrupt end the process as usual.
        ConsoleCancelEventHandler restoreCursor = (_, _) => AnsiConsole.Cursor.Show();
        Console.CancelKeyPress += restoreCursor;
        try
        {
            AnsiConsole.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(context =>
                {
                    ProgressTask task = context.AddTask(description, maxValue: units);
                    result = work(() => task.Increment(1));
                });
        }
        finally
        {
            Console.CancelKeyPress -= restoreCursor;
        }

        return result;
    }
}

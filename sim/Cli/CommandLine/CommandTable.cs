using System.CommandLine;
using System.Text;

namespace HvSim.Cli.CommandLine;

/// <summary>
/// The README's command table and docs/options.md, rendered from the command definitions that
/// --help shows, so the documents cannot drift from the tool (CommandTableTests compares them;
/// HVSIM_UPDATE_DOCS=1 rewrites them).
/// </summary>
internal static class CommandTable
{
    /// <summary>Where the README's table begins and ends.</summary>
    public const string Begin = "<!-- command table: rendered from sim/Cli/CommandLine/HvSimCommandLine.cs; CommandTableTests checks it -->";
    public const string End = "<!-- end of command table -->";

    /// <summary>One row per command: its synopsis, what it does, one example and what the example prints.</summary>
    public static string Markdown(IReadOnlyList<CommandEntry> commands)
    {
        var text = new StringBuilder();
        text.Append("| command | what it does | example, and what it prints |\n");
        text.Append("|---|---|---|\n");
        foreach (CommandEntry entry in commands)
        {
            text.Append($"| `{Cell(entry.Synopsis)}` | {Cell(entry.Command.Description ?? "")} | `{Cell(entry.Example)}` → {Cell(entry.ExampleOutput)} |\n");
        }
        return text.ToString();
    }

    /// <summary>docs/options.md: every command with every option, its value and its description.</summary>
    public static string OptionsReference(IReadOnlyList<CommandEntry> commands)
    {
        var text = new StringBuilder();
        text.Append("# Every command and option\n\n");
        text.Append("Rendered from the command definitions (`sim/Cli/CommandLine/HvSimCommandLine.cs` and each\n");
        text.Append("`sim/Cli/*Command.cs`), the same ones `hvsim CMD --help` prints; `CommandTableTests` fails when\n");
        text.Append("this file and the definitions differ (`HVSIM_UPDATE_DOCS=1 dotnet test --filter CommandTableTests`\n");
        text.Append("rewrites it). Every command also takes `-h`/`--help`; `hvsim --version` prints the version and commit.\n");
        foreach (CommandEntry entry in commands)
        {
            Command command = entry.Command;
            text.Append($"\n## hvsim {entry.Synopsis}\n\n{command.Description}\n\nExample: `{entry.Example}`\n\n");
            foreach (Argument argument in command.Arguments)
            {
                text.Append($"- `{argument.Name}`: {argument.Description}\n");
            }
            if (command.Arguments.Count > 0)
            {
                text.Append('\n');
            }
            text.Append("| option | value | what it does |\n|---|---|---|\n");
            foreach (Option option in command.Options)
            {
                string value = option.Arity.MaximumNumberOfValues == 0 ? "" : $"`{Cell(option.HelpName ?? "")}`";
                string required = option.Required ? " (required)" : "";
                text.Append($"| `{option.Name}`{required} | {value} | {Cell(option.Description ?? "")} |\n");
            }
        }
        return text.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}

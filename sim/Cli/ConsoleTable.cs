using Spectre.Console;
using Spectre.Console.Rendering;

namespace HvSim.Cli;

/// <summary>
/// A table of a command's text output, rendered with Spectre.Console: rounded borders on a
/// terminal; a Markdown table (pipes, one row per line, never wrapped) when the
/// output goes to a file or a pipe, so it pastes into documents and reads back with any tool.
/// </summary>
internal sealed class ConsoleTable
{
    private readonly Table _table = new();

    /// <param name="columns">Each column's header; a header starting with '>' is right-aligned (numbers), the '>' not shown.</param>
    public ConsoleTable(params string[] columns)
    {
        foreach (string column in columns)
        {
            bool right = column.StartsWith('>');
            var header = new TableColumn(new Text(right ? column[1..] : column));
            if (right)
            {
                header.RightAligned();
            }
            _table.AddColumn(header);
        }
    }

    public void AddRow(params object[] cells) =>
        _table.AddRow(cells.Select(cell => (IRenderable)new Text(Convert.ToString(cell, System.Globalization.CultureInfo.InvariantCulture) ?? "")).ToArray());

    /// <summary>The table as text, for the current standard output.</summary>
    public string Render()
    {
        bool terminal = !Console.IsOutputRedirected;
        _table.Border = terminal ? TableBorder.Rounded : TableBorder.Markdown;
        var text = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(text),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        // Never fitted to the terminal: Spectre would break numbers across lines ("39321/6") or
        // collapse columns to an ellipsis; a terminal narrower than the table wraps whole lines instead.
        console.Profile.Width = 100_000;
        console.Write(_table);
        // Lines as a tool reads them: no trailing blanks, no blank lines (the Markdown border's top and bottom rules are spaces).
        IEnumerable<string> lines = text.ToString().Split('\n').Select(line => line.TrimEnd()).Where(line => line.Length > 0);
        return string.Concat(lines.Select(line => line + "\n"));
    }
}

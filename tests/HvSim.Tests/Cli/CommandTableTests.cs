using System.CommandLine;
using System.Text.RegularExpressions;
using HvSim.Cli;
using HvSim.Cli.CommandLine;
using HvSim.Tests.Guests;

namespace HvSim.Tests.Cli;

/// <summary>
/// The command definitions are the one source of help, the README's command table and
/// docs/options.md: every command answers --help with every option and its description, and the
/// documents equal what the definitions render (HVSIM_UPDATE_DOCS=1 rewrites them).
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed partial class CommandTableTests
{
    private static readonly IReadOnlyList<CommandEntry> s_commands = HvSimCommandLine.Commands();

    public static TheoryData<string> CommandNames() => new(s_commands.Select(c => c.Command.Name));

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void Every_command_answers_help_with_every_option_and_its_description(string name)
    {
        Command command = s_commands.Single(c => c.Command.Name == name).Command;
        foreach (string help in new[] { "--help", "-h" })
        {
            (int status, string stdout, string stderr) = HvsimConsole.Run(name, help);
            Assert.Equal(0, status);
            Assert.Equal(string.Empty, stderr);
            string shown = Collapse(stdout);
            Assert.Contains(Collapse(command.Description!), shown);
            foreach (Option option in command.Options)
            {
                Assert.False(string.IsNullOrWhiteSpace(option.Description), $"{name} {option.Name} has no description");
                Assert.True(option.Arity.MaximumNumberOfValues == 0 || !string.IsNullOrEmpty(option.HelpName), $"{name} {option.Name} takes a value but does not name it");
                Assert.Contains(option.Name, shown);
                Assert.Contains(Collapse(option.Description!), shown);
            }
            foreach (Argument argument in command.Arguments)
            {
                Assert.Contains(Collapse(argument.Description!), shown);
            }
        }
    }

    [Fact]
    public void Help_and_no_arguments_list_every_command()
    {
        (int status, string stdout, _) = HvsimConsole.Run("--help");
        Assert.Equal(0, status);
        (int bare, string bareOut, _) = HvsimConsole.Run();
        Assert.Equal(Program.UsageError, bare); // nothing asked: the list, and a usage status
        Assert.Equal(stdout, bareOut);
        foreach (CommandEntry entry in s_commands)
        {
            Assert.Contains(entry.Command.Name, stdout);
        }
        Assert.Contains("--version", stdout);
    }

    [Fact]
    public void The_readme_command_table_is_the_definitions_table()
    {
        string path = Path.Combine(RepositoryPaths.Root, "README.md");
        string readme = File.ReadAllText(path);
        int begin = readme.IndexOf(CommandTable.Begin, StringComparison.Ordinal);
        int end = readme.IndexOf(CommandTable.End, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, "README.md lacks the command table's markers");
        string expected = CommandTable.Begin + "\n" + CommandTable.Markdown(s_commands) + CommandTable.End;
        string actual = readme[begin..(end + CommandTable.End.Length)];
        if (actual != expected && Environment.GetEnvironmentVariable("HVSIM_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, readme[..begin] + expected + readme[(end + CommandTable.End.Length)..]);
            return;
        }
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Docs_options_md_is_the_definitions_reference()
    {
        string path = Path.Combine(RepositoryPaths.Root, "docs", "options.md");
        string expected = CommandTable.OptionsReference(s_commands);
        if ((!File.Exists(path) || File.ReadAllText(path) != expected) && Environment.GetEnvironmentVariable("HVSIM_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, expected);
        }
        Assert.Equal(expected, File.ReadAllText(path));
    }

    /// <summary>The table's examples say what they print: each `quoted` fragment appears in the example's output (the cheap examples, run in process).</summary>
    [Theory]
    [InlineData("trace")]
    [InlineData("micro")]
    public void An_example_prints_what_the_table_says(string name)
    {
        CommandEntry entry = s_commands.Single(c => c.Command.Name == name);
        string[] args = entry.Example.Split(' ')[1..];
        (int status, string stdout, string stderr) = HvsimConsole.Run(args);
        Assert.True(status == 0, stderr);
        foreach (Match fragment in Quoted().Matches(entry.ExampleOutput))
        {
            Assert.Contains(fragment.Groups[1].Value, stdout);
        }
    }

    private static string Collapse(string text) => Whitespace().Replace(text, " ").Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Quoted();
}

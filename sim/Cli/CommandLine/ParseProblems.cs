using System.CommandLine;
using System.CommandLine.Parsing;

namespace HvSim.Cli.CommandLine;

/// <summary>
/// The first thing wrong with a command line, as one line naming the option: an option given
/// twice, an unknown option or argument, a required option or argument missing, then the
/// options' own parse errors (hvsim's messages, from <see cref="CliOptions"/>). Checked before
/// any work, so a run of minutes never ends in a usage error.
/// </summary>
internal static class ParseProblems
{
    public static string? First(ParseResult result)
    {
        if (result.Action is { ClearsParseErrors: true })
        {
            return null; // --help or --version: they answer whatever else the line says
        }
        Command command = result.CommandResult.Command;
        string name = command is RootCommand ? "hvsim" : command.Name;
        string help = command is RootCommand ? "hvsim --help" : $"hvsim {command.Name} --help";

        // An option given twice: the second would silently win. Options that take several values (--mount) may repeat.
        foreach (Option option in command.Options)
        {
            if (result.GetResult(option) is OptionResult { IdentifierTokenCount: > 1 } && option.Arity.MaximumNumberOfValues <= 1)
            {
                return $"{option.Name} given twice";
            }
        }

        foreach (string token in result.UnmatchedTokens)
        {
            if (command is RootCommand)
            {
                return token.StartsWith('-') ? $"unknown option {token} (try: hvsim --help)" : $"unknown command '{token}' (try: hvsim --help)";
            }
            return token.StartsWith('-')
                ? $"{name}: unknown option {token} (see {help})"
                : $"{name}: unexpected argument '{token}' (see {help})";
        }

        if (result.Errors.Count > 0)
        {
            foreach (Option option in command.Options.Where(o => o.Arity.MinimumNumberOfValues > 0 && result.GetResult(o) is OptionResult { IdentifierTokenCount: > 0, Tokens.Count: 0 }))
            {
                return $"{option.Name} needs a value ({option.HelpName})";
            }
            foreach (Option option in command.Options.Where(o => o.Required && result.GetResult(o) is not OptionResult { IdentifierTokenCount: > 0 }))
            {
                return $"{name}: {option.Name} is required ({option.HelpName}; see {help})";
            }
            foreach (Argument argument in command.Arguments.Where(a => a.Arity.MinimumNumberOfValues > 0 && result.GetResult(a) is not ArgumentResult { Tokens.Count: > 0 }))
            {
                return $"{name}: which {argument.Name}? (see {help})";
            }
        }
        return result.Errors.Count > 0 ? result.Errors[0].Message : null;
    }
}

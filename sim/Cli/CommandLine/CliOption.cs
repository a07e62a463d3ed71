using System.CommandLine;

namespace HvSim.Cli.CommandLine;

/// <summary>
/// One option of a command and the value it has when absent. The default is hvsim's, written into
/// the option's description as the CLI spells it ("[default: native]"), where System.CommandLine
/// would print the .NET value ("Native", a record's fields). The parsed value travels boxed in a
/// <see cref="Parsed{T}"/>: System.CommandLine cannot take null from a custom parser of a nullable
/// value type, and "all" or "absent" are nulls here.
/// </summary>
internal sealed class CliOption<T>
{
    private readonly Option<Parsed<T>> _option;

    public CliOption(Option<Parsed<T>> option, T fallback)
    {
        _option = option;
        Fallback = fallback;
    }

    public Option Option => _option;

    /// <summary>The value when the option is not given.</summary>
    public T Fallback { get; }

    public bool Given(ParseResult result) => result.GetResult(_option) is not null;

    public T Read(ParseResult result) => result.GetResult(_option) is null ? Fallback : result.GetValue(_option)!.Value;
}

/// <summary>A parsed option value, never null itself.</summary>
internal sealed record Parsed<T>(T Value);

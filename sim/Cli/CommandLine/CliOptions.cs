using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace HvSim.Cli.CommandLine;

/// <summary>
/// Factories for hvsim's options on System.CommandLine: each option is declared once, with its
/// description and default (both shown by --help), and parses its value with hvsim's own one-line
/// message naming the option and its limit (the parse functions throw <see cref="UsageException"/>,
/// which the custom parser turns into a parse error, so a bad value is refused before any work).
/// </summary>
internal static class CliOptions
{
    /// <summary>An option without a value (--json).</summary>
    public static Option<bool> Flag(string name, string description) => new(name)
    {
        Description = description,
        Arity = ArgumentArity.Zero,
    };

    /// <summary>
    /// A value parsed by <paramref name="parse"/>; <paramref name="fallback"/> when absent, shown in
    /// the help as <paramref name="shownDefault"/> (nothing when null: a default that depends on
    /// other options, or none).
    /// </summary>
    public static CliOption<T> Value<T>(string name, string helpName, string description, Func<string, T> parse, T fallback, string? shownDefault)
    {
        var option = new Option<Parsed<T>>(name)
        {
            Description = shownDefault is null ? description : $"{description} [default: {shownDefault}]",
            HelpName = helpName,
            Arity = ArgumentArity.ExactlyOne,
            CustomParser = result => new Parsed<T>(Parse(result, parse, fallback)),
        };
        return new CliOption<T>(option, fallback);
    }

    /// <summary>A whole number within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static CliOption<long> WholeNumber(string name, string helpName, string description, long fallback, long min = long.MinValue, long max = long.MaxValue) =>
        Value(name, helpName, description, text => ParseWholeNumber(name, text, min, max), fallback, fallback.ToString(CultureInfo.InvariantCulture));

    /// <summary>A whole number with no default: null when absent.</summary>
    public static CliOption<long?> OptionalWholeNumber(string name, string helpName, string description, long min = long.MinValue, long max = long.MaxValue) =>
        Value<long?>(name, helpName, description, text => ParseWholeNumber(name, text, min, max), null, null);

    /// <summary>A path or a name, checked where it is used; null when absent.</summary>
    public static CliOption<string?> Text(string name, string helpName, string description, string? fallback = null) =>
        Value(name, helpName, description, text => text, fallback, fallback);

    /// <summary>A whole number, refused in one line that names the option and its bounds.</summary>
    public static long ParseWholeNumber(string option, string text, long min = long.MinValue, long max = long.MaxValue)
    {
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) || value < min || value > max)
        {
            string bounds = (min > long.MinValue, max < long.MaxValue) switch
            {
                (true, true) => $" from {min} to {max}",
                (true, false) => $" >= {min}",
                (false, true) => $" <= {max}",
                _ => "",
            };
            throw new UsageException($"{option}: '{text}' is not a whole number{bounds}");
        }
        return value;
    }

    private static T Parse<T>(ArgumentResult result, Func<string, T> parse, T fallback)
    {
        if (result.Tokens.Count == 0)
        {
            return fallback;
        }
        try
        {
            return parse(result.Tokens[0].Value);
        }
        catch (UsageException e)
        {
            result.AddError(e.Message);
            return fallback;
        }
    }
}

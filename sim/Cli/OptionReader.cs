using System.Globalization;

namespace HvSim.Cli;

/// <summary>
/// Reads "--name value" options up to the first non-option argument; what follows belongs to the
/// guest program untouched (its own options included), as with qemu-user. An option given twice
/// is refused (the second would silently win), except those meant to repeat.
/// </summary>
public sealed class OptionReader
{
    /// <summary>The options that may be given more than once.</summary>
    private static readonly HashSet<string> s_repeatable = ["--mount"];

    private readonly string[] _args;
    private readonly HashSet<string> _seen = [];
    private int _next;

    public OptionReader(string[] args)
    {
        _args = args;
    }

    /// <summary>The next option name (e.g. "--seed"), or null when the options are over.</summary>
    public string? NextOption()
    {
        if (_next >= _args.Length)
        {
            return null;
        }
        string arg = _args[_next];
        if (arg == "--")
        {
            _next++;
            return null;
        }
        if (!arg.StartsWith("--", StringComparison.Ordinal))
        {
            return null;
        }
        _next++;
        if (!_seen.Add(arg) && !s_repeatable.Contains(arg))
        {
            throw new UsageException($"{arg} given twice");
        }

        return arg;
    }

    /// <summary>Whether <paramref name="option"/> was given (so far).</summary>
    public bool Given(string option) => _seen.Contains(option);

    public string Value(string option)
    {
        if (_next >= _args.Length)
        {
            throw new UsageException($"{option} needs a value");
        }
        return _args[_next++];
    }

    public long Long(string option, long min = long.MinValue, long max = long.MaxValue)
    {
        string text = Value(option);
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

    /// <summary>The next argument without consuming it (null at the end).</summary>
    public string? Peek() => _next < _args.Length ? _args[_next] : null;

    /// <summary>Everything after the options.</summary>
    public string[] Rest() => _args[_next..];
}

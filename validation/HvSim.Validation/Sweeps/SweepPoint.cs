using System.Security.Cryptography;
using System.Text;

namespace HvSim.Validation.Sweeps;

/// <summary>
/// One point of a sweep: the command and every option it runs with. Its id is a hash of exactly
/// that (options in name order), so it is the same on any machine, in any spec that reaches the
/// same point, whatever the order of the spec's axes.
/// </summary>
public sealed record SweepPoint(string Id, int Index, string Command, IReadOnlyList<SweepInput> Inputs)
{
    public static SweepPoint Create(int index, string command, IReadOnlyList<SweepInput> inputs)
    {
        var canonical = new StringBuilder(command).Append('\n');
        foreach (SweepInput input in inputs.OrderBy(i => i.Option, StringComparer.Ordinal))
        {
            canonical.Append(input.Option).Append('=').Append(input.Value).Append('\n');
        }
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString()));
        return new SweepPoint(Convert.ToHexStringLower(hash)[..16], index, command, inputs);
    }

    /// <summary>The command line that runs the point (without the command's name): "--option value" pairs.</summary>
    public IEnumerable<string> Arguments() => Inputs.SelectMany(i => new[] { "--" + i.Option, i.Value });

    /// <summary>The value of an option, or null when the point does not set it (the command's default).</summary>
    public string? Value(string option) => Inputs.FirstOrDefault(i => i.Option == option).Value;
}

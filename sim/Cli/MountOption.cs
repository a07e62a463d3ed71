using System.CommandLine;
using System.CommandLine.Parsing;
using HvSim.GuestOs.Files;

namespace HvSim.Cli;

/// <summary>
/// --mount HOSTDIR:GUESTDIR[:ro]: a host directory the guest may reach at GUESTDIR (an absolute
/// guest path), read-only with ":ro". Repeatable; the guest reaches no other file.
/// </summary>
internal static class MountOption
{
    private const string ReadOnlySuffix = ":ro";

    /// <summary>The option, given any number of times; each value is checked as it is parsed.</summary>
    public static Option<IReadOnlyList<MountPoint>> Create() => new("--mount")
    {
        Description = "let the guest reach host directory HOSTDIR at GUESTDIR (an absolute guest path), read-only with :ro; repeatable; the guest reaches no other file",
        HelpName = "HOSTDIR:GUESTDIR[:ro]",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
        CustomParser = Parse,
    };

    private static IReadOnlyList<MountPoint> Parse(ArgumentResult result)
    {
        IReadOnlyList<MountPoint> mounts = [];
        try
        {
            foreach (Token token in result.Tokens)
            {
                mounts = Add(mounts, token.Value);
            }
        }
        catch (UsageException e)
        {
            result.AddError(e.Message);
        }
        return mounts;
    }

    public static MountPoint Parse(string value)
    {
        string text = value;
        bool readOnly = text.EndsWith(ReadOnlySuffix, StringComparison.Ordinal);
        if (readOnly)
        {
            text = text[..^ReadOnlySuffix.Length];
        }
        // The guest directory is after the last ':' (a host path may itself contain one).
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            throw Bad(value, "expected HOSTDIR:GUESTDIR or HOSTDIR:GUESTDIR:ro");
        }
        string host = text[..colon];
        string guest = text[(colon + 1)..];
        if (guest[0] != '/' || guest.Contains('\0') || host.Contains('\0'))
        {
            throw Bad(value, $"the guest directory '{guest}' must be an absolute path");
        }
        List<string>? components = GuestPath.Normalise([], guest, out _);
        if (components is null)
        {
            throw Bad(value, $"the guest directory '{guest}' is not a valid path");
        }
        if (!OperatingSystem.IsLinux())
        {
            throw Bad(value, "mounts need a Linux host");
        }
        string hostRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(host));
        if (!Directory.Exists(hostRoot))
        {
            throw Bad(value, $"{host}: no such directory");
        }
        return new MountPoint(hostRoot, GuestPath.Join(components), readOnly);
    }

    /// <summary>Adds a mount, refusing a second mount at the same guest directory.</summary>
    public static IReadOnlyList<MountPoint> Add(IReadOnlyList<MountPoint> mounts, string value)
    {
        MountPoint mount = Parse(value);
        if (mounts.Any(m => m.GuestRoot == mount.GuestRoot))
        {
            throw Bad(value, $"{mount.GuestRoot} is already mounted");
        }
        return [.. mounts, mount];
    }

    private static UsageException Bad(string value, string why) => new($"--mount {value}: {why}");
}

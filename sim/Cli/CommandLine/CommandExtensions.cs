using System.CommandLine;

namespace HvSim.Cli.CommandLine;

/// <summary>Lets a command's collection initializer take hvsim's options and option groups as it takes System.CommandLine's.</summary>
internal static class CommandExtensions
{
    public static void Add<T>(this Command command, CliOption<T> option) => command.Options.Add(option.Option);

    public static void Add(this Command command, IOptionGroup group)
    {
        foreach (Option option in group.Options)
        {
            command.Options.Add(option);
        }
    }
}

/// <summary>Options that travel together (the platform's three, the guest limits).</summary>
internal interface IOptionGroup
{
    IEnumerable<Option> Options { get; }
}

using System.CommandLine;

namespace HvSim.Cli.CommandLine;

/// <summary>
/// For a command that runs a guest program (exec): everything from the program on belongs to the
/// guest, its own options included, as with qemu-user. System.CommandLine would read an option
/// after the program as hvsim's, so "--" is put before the program: the first argument that is
/// neither an option nor an option's value. An unknown option before the program is refused here
/// (the parser would take it for the program).
/// </summary>
internal static class ProgramArguments
{
    /// <summary>The help option's names (hvsim's root gives every command -h, --help and -?).</summary>
    private static readonly string[] HelpNames = ["-h", "--help", "-?"];

    /// <param name="args">The whole line, the command's name first.</param>
    public static string[] Separate(Command command, string[] args)
    {
        for (int i = 1; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg == "--")
            {
                return args; // the user separated them already
            }
            if (arg.Length > 1 && arg[0] == '-')
            {
                string name = arg.Split('=', 2)[0];
                Option? option = command.Options.FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name));
                if (option is null && !HelpNames.Contains(name))
                {
                    throw new UsageException($"{command.Name}: unknown option {name} (see hvsim {command.Name} --help)");
                }
                if (option is not null && option.Arity.MaximumNumberOfValues == 0 && name != arg)
                {
                    throw new UsageException($"{command.Name}: {name} takes no value");
                }
                if (option is not null && option.Arity.MaximumNumberOfValues > 0 && name == arg)
                {
                    i++; // its value, whatever it looks like
                }
                continue; // a flag, or "--name=value"
            }
            return [.. args[..i], "--", .. args[i..]];
        }
        return args;
    }
}

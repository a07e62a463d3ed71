using System.CommandLine;
using HvSim.Validation.Sweeps;

namespace HvSim.Cli;

/// <summary>
/// A sweep point's options as the command line carries them to the command's own definition: "--option
/// value", except a flag, which a spec writes as true or false and the command line gives or leaves out.
/// </summary>
internal static class SweepArguments
{
    public static IEnumerable<string> For(Command command, IEnumerable<SweepInput> inputs) => inputs.SelectMany(input =>
        command.Options.FirstOrDefault(o => o.Name == "--" + input.Option) is Option<bool> { Arity.MaximumNumberOfValues: 0 } && input.Value is "true" or "false"
            ? input.Value == "true" ? ["--" + input.Option] : Array.Empty<string>()
            : ["--" + input.Option, input.Value]);
}

using System.CommandLine;

namespace HvSim.Cli.CommandLine;

/// <summary>
/// One hvsim command as the README's command table shows it: its definition (name, description,
/// options), one example and what the example prints.
/// </summary>
/// <param name="Synopsis">How the table names the command, e.g. "exec PROG [ARGS...]".</param>
/// <param name="PassesRestToProgram">Everything after the first argument belongs to a guest program, its own options included (exec, as qemu-user).</param>
internal sealed record CommandEntry(Command Command, string Synopsis, string Example, string ExampleOutput, bool PassesRestToProgram = false);

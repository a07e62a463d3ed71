using System.Collections;
using System.Text;

namespace HvSim.Cli;

/// <summary>The environment hvsim was started with, in its original order (the guest gets it as qemu-user passes it on).</summary>
public static class HostEnvironment
{
    public static IReadOnlyList<string> Variables()
    {
        // /proc/self/environ keeps the order the parent gave; .NET's dictionary does not.
        const string procEnviron = "/proc/self/environ";
        if (File.Exists(procEnviron))
        {
            try
            {
                string text = Encoding.UTF8.GetString(File.ReadAllBytes(procEnviron));
                return text.Split('\0', StringSplitOptions.RemoveEmptyEntries);
            }
            catch (IOException)
            {
                // fall through to the portable way
            }
        }
        var list = new List<string>();
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            list.Add($"{entry.Key}={entry.Value}");
        }
        list.Sort(StringComparer.Ordinal);
        return list;
    }
}

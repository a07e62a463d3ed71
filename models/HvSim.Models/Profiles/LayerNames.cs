using HvSim.Core;

namespace HvSim.Models.Profiles;

/// <summary>The layer names of runs' JSON and profiles (user, kernel, hypervisor): lower case, unlike the enum.</summary>
public static class LayerNames
{
    public static string Name(Layer layer) => layer switch
    {
        Layer.User => "user",
        Layer.Kernel => "kernel",
        Layer.Hypervisor => "hypervisor",
        _ => throw new ArgumentOutOfRangeException(nameof(layer)),
    };

    public static bool TryParse(string name, out Layer layer)
    {
        foreach (Layer candidate in Enum.GetValues<Layer>())
        {
            if (Name(candidate) == name)
            {
                layer = candidate;
                return true;
            }
        }
        layer = default;
        return false;
    }

    public static string Expected => string.Join(", ", Enum.GetValues<Layer>().Select(Name));
}

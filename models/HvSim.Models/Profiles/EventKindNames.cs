using HvSim.Core;

namespace HvSim.Models.Profiles;

/// <summary>
/// Event kind names are the enum's names, exactly (DESIGN.md: JSON and profiles use them). Parsing is
/// case-sensitive and refuses numbers, so "3" or "pagefault" is an error rather than a silent match.
/// </summary>
public static class EventKindNames
{
    public static bool TryParse(string name, out EventKind kind)
    {
        foreach (EventKind candidate in Enum.GetValues<EventKind>())
        {
            if (candidate.ToString() == name)
            {
                kind = candidate;
                return true;
            }
        }
        kind = default;
        return false;
    }

    public static string Expected => string.Join(", ", Enum.GetNames<EventKind>());
}

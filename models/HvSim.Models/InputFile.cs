namespace HvSim.Models;

/// <summary>Reads the cost model's input files (profiles, run files, measurement CSVs).</summary>
internal static class InputFile
{
    /// <summary>The file's text; a file that cannot be read is a <see cref="ModelInputException"/> naming it.</summary>
    /// <param name="path">The file.</param>
    /// <param name="what">Prefix of the message, e.g. "profile " (empty for the file name alone).</param>
    public static string ReadAllText(string path, string what = "")
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelInputException($"{what}{path}: {e.Message}", e);
        }
    }
}

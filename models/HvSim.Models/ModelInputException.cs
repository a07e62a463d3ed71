namespace HvSim.Models;

/// <summary>
/// Bad input to the cost model — a malformed profile, run file or measurements CSV. The message
/// is one line that names the file and the place in it, so the command line can print it as is
/// (status 2) and the user can fix the input without a stack trace.
/// </summary>
public sealed class ModelInputException : Exception
{
    public ModelInputException(string message) : base(message)
    {
    }

    public ModelInputException(string message, Exception inner) : base(message, inner)
    {
    }
}

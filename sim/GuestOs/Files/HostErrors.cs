using HvSim.GuestOs.Linux;

namespace HvSim.GuestOs.Files;

/// <summary>The errno a failed host file operation stands for.</summary>
public static class HostErrors
{
    /// <summary>
    /// On Linux, .NET puts the host's errno in an IOException's HResult; anything else (or no
    /// errno) is EIO.
    /// </summary>
    public static Errno From(Exception exception) => exception switch
    {
        UnauthorizedAccessException => Errno.EACCES,
        FileNotFoundException or DirectoryNotFoundException => Errno.ENOENT,
        PathTooLongException => Errno.ENAMETOOLONG,
        IOException io when io.HResult is > 0 and < 4096 => (Errno)io.HResult,
        _ => Errno.EIO,
    };
}

namespace HvSim.Cli;

/// <summary>hvsim trace: every step of one write to a write-protected page, in order.</summary>
public static class TraceCommand
{
    public static int Run(string[] args)
    {
        throw new UsageException("trace: not built yet");
    }
}

namespace HvSim.Models.Calibration;

/// <summary>The non-negative least-squares solver did not converge (status 1 of hvsim calibrate, not a bad input).</summary>
public sealed class NnlsException : Exception
{
    public NnlsException(string message) : base(message)
    {
    }
}

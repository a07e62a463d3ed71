namespace HvSim.Checkpoint;

/// <summary>The checkpoint library's escape calls (RDI of xchg cx, cx; docs/checkpoint-abi.md).</summary>
public enum EscapeFunction : ulong
{
    Query = 1,
    Register = 2,
    Emulate = 3,
    Commit = 4,
}

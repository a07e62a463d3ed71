using HvSim.Core;

namespace HvSim.Mmu;

/// <summary>A fault's typed trace data: vector, address and (for #PF) error code.</summary>
public static class TraceFault
{
    /// <summary>#PF's vector (Intel SDM Vol. 3A, Table 6-1).</summary>
    public const int PageFaultVector = 14;

    /// <summary>#GP's vector.</summary>
    public const int GeneralProtectionVector = 13;

    /// <summary>The step data of <paramref name="fault"/>, worded by <paramref name="template"/> (whose "{fault}" hole renders it whole).</summary>
    public static TraceData Of(MemoryFault fault, string template, TraceEntry? entry = null) => new(template)
    {
        Vector = fault.Kind == FaultKind.PageFault ? PageFaultVector : GeneralProtectionVector,
        Address = fault.Address,
        ErrorCode = fault.Kind == FaultKind.PageFault ? (uint)fault.ErrorCode : null,
        Entry = entry,
    };
}

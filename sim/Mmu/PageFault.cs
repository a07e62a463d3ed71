namespace HvSim.Mmu;

/// <summary>#PF error code bits (Intel SDM Vol. 3A, 4.7).</summary>
[Flags]
public enum PageFaultErrorCode : uint
{
    None = 0,
    /// <summary>P: 0 = the page was not present, 1 = a protection violation.</summary>
    Present = 1 << 0,
    /// <summary>W/R: the access was a write.</summary>
    Write = 1 << 1,
    /// <summary>U/S: the access was made in user mode.</summary>
    User = 1 << 2,
    /// <summary>RSVD: a reserved bit was set in a paging-structure entry.</summary>
    ReservedBit = 1 << 3,
    /// <summary>I/D: the access was an instruction fetch.</summary>
    InstructionFetch = 1 << 4,
}

/// <summary>What the MMU reports when a translation fails.</summary>
public enum FaultKind : byte
{
    None,
    /// <summary>#PF with an error code; CR2 holds the linear address.</summary>
    PageFault,
    /// <summary>#GP: the address is not canonical (bits 63..47 are not all equal).</summary>
    GeneralProtection,
}

/// <summary>A failed translation: the fault and, for #PF, the error code and CR2.</summary>
public readonly record struct MemoryFault(FaultKind Kind, ulong Address, PageFaultErrorCode ErrorCode)
{
    public override string ToString() => Kind == FaultKind.PageFault
        ? $"#PF at 0x{Address:x} ({Describe(ErrorCode)})"
        : $"#GP (non-canonical address 0x{Address:x})";

    /// <summary>The error code in words, e.g. "protection, write, user".</summary>
    public static string Describe(PageFaultErrorCode code)
    {
        var words = new List<string> { code.HasFlag(PageFaultErrorCode.Present) ? "protection" : "not present" };
        words.Add(code.HasFlag(PageFaultErrorCode.Write) ? "write" : code.HasFlag(PageFaultErrorCode.InstructionFetch) ? "fetch" : "read");
        words.Add(code.HasFlag(PageFaultErrorCode.User) ? "user" : "supervisor");
        if (code.HasFlag(PageFaultErrorCode.ReservedBit))
        {
            words.Add("reserved bit");
        }
        return string.Join(", ", words);
    }
}

/// <summary>The kind of memory access, as the walker and TLB check it.</summary>
public enum AccessKind : byte
{
    Read,
    Write,
    Execute,
}

namespace HvSim.GuestOs.Elf;

/// <summary>p_flags permission bits (PF_X, PF_W, PF_R); OS/processor-specific bits are dropped.</summary>
[Flags]
public enum ElfSegmentFlags
{
    None = 0,
    Execute = 1,
    Write = 2,
    Read = 4,
}

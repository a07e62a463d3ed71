namespace HvSim.GuestOs.Elf;

/// <summary>The e_type values HvSim accepts.</summary>
public enum ElfFileType
{
    /// <summary>ET_EXEC: linked at fixed addresses; loaded exactly where its headers say.</summary>
    Executable = 2,

    /// <summary>
    /// ET_DYN without an interpreter: a static-pie. Every address in the headers is relative to
    /// a load bias the loader chooses.
    /// </summary>
    PositionIndependent = 3,
}

namespace HvSim.Tests.Cpu.Emulation;

/// <summary>
/// The address space every differential case runs in, the same for the interpreter (a
/// <see cref="TestMachine"/>) and the engine (a <see cref="PagedView"/>): code at
/// <see cref="Code"/>, four writable data pages, one read-only page after them (a
/// write-protected CDA page, as Emul sees it), and nothing mapped on either side.
/// </summary>
internal static class EmulationLayout
{
    public const ulong PageSize = 4096;

    public const ulong Code = TestMachine.CodeBase;

    /// <summary>Code pages TestMachine.LoadCode maps for one short instruction.</summary>
    public const int CodePages = 2;

    public const ulong Data = TestMachine.DataBase;

    public const int WritablePages = TestMachine.DataPages;

    public const ulong ReadOnly = Data + (WritablePages * PageSize);

    /// <summary>The pages whose bytes are generated and compared: the writable ones and the read-only one.</summary>
    public const int ImagePages = WritablePages + 1;

    public const int ImageSize = ImagePages * (int)PageSize;

    /// <summary>First unmapped byte above the image; <see cref="Data"/> - 1 is unmapped too.</summary>
    public const ulong End = Data + ImageSize;
}

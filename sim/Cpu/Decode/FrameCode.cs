namespace HvSim.Cpu.Decode;

/// <summary>
/// The decoded blocks that start in one physical frame, by page offset. It hangs on the frame
/// (PhysicalFrame.DecodedCode); a write to the frame drops it whole (self-modifying code).
/// </summary>
internal sealed class FrameCode
{
    public readonly Block?[] ByOffset = new Block?[4096];
}

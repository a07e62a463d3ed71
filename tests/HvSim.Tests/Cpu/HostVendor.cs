using System.Runtime.Intrinsics.X86;
using System.Text;
using HvSim.Cpu;

namespace HvSim.Tests.Cpu;

/// <summary>The host CPU's vendor (CPUID leaf 0), for the differential tests whose oracle is the host.</summary>
internal static class HostVendor
{
    public static string Name { get; } = Read();

    /// <summary>Whether the host is of the vendor the interpreter reports (and whose undefined flags it reproduces).</summary>
    public static bool MatchesSimulated => Name == CpuIdentity.Baseline.Vendor;

    private static string Read()
    {
        if (!X86Base.IsSupported)
        {
            return "";
        }
        (_, int ebx, int ecx, int edx) = X86Base.CpuId(0, 0);
        var bytes = new byte[12];
        BitConverter.TryWriteBytes(bytes.AsSpan(0), ebx);
        BitConverter.TryWriteBytes(bytes.AsSpan(4), edx);
        BitConverter.TryWriteBytes(bytes.AsSpan(8), ecx);
        return Encoding.ASCII.GetString(bytes);
    }
}

using System.Text;

namespace HvSim.Cpu;

/// <summary>
/// The cpuid answers of a baseline x86-64 CPU: the ISA level 1 features static glibc requires
/// (FPU, CX8, CMOV, MMX, FXSR, SSE, SSE2), no SSE3+/AVX/OSXSAVE, so libraries choose their
/// baseline code paths; cache geometry through leaf 4 so glibc's memcpy thresholds are sane.
/// </summary>
public static class CpuidLeaves
{
    private const uint MaxBasicLeaf = 7;
    private const uint MaxExtendedLeaf = 0x8000_0008;

    public static (uint Eax, uint Ebx, uint Ecx, uint Edx) Query(CpuIdentity identity, uint leaf, uint subleaf)
    {
        switch (leaf)
        {
            case 0:
            {
                byte[] vendor = Encoding.ASCII.GetBytes(identity.Vendor.PadRight(12)[..12]);
                return (MaxBasicLeaf, BitConverter.ToUInt32(vendor, 0), BitConverter.ToUInt32(vendor, 8), BitConverter.ToUInt32(vendor, 4));
            }
            case 1:
            {
                uint family = identity.Family, model = identity.Model;
                uint eax = ((model >> 4) << 16) | ((family & 0xF) << 8) | ((model & 0xF) << 4) | 1;
                uint ebx = (8u << 8) | (1u << 16); // clflush line 64 bytes, one logical processor, APIC id 0
                uint ecx = identity.Popcnt ? 1u << 23 : 0;
                const uint edx = (1u << 0) | (1u << 4) | (1u << 8) | (1u << 15) | (1u << 19) | (1u << 23) | (1u << 24) | (1u << 25) | (1u << 26);
                return (eax, ebx, ecx, edx); // FPU TSC CX8 CMOV CLFSH MMX FXSR SSE SSE2
            }
            case 2:
                return (0x00FF_0001, 0, 0, 0); // descriptor 0xFF: use leaf 4
            case 4:
                return CacheLeaf(subleaf);
            case 7:
                return subleaf == 0 ? (0u, identity.Bmi1 ? 1u << 3 : 0, 0u, 0u) : (0u, 0u, 0u, 0u);
            case 0x8000_0000:
                return (MaxExtendedLeaf, 0, 0, 0);
            case 0x8000_0001:
                // ECX: LAHF/SAHF, LZCNT (ABM). EDX: SYSCALL, NX, long mode.
                return (0, 0, 1u | (identity.Lzcnt ? 1u << 5 : 0), (1u << 11) | (1u << 20) | (1u << 29));
            case 0x8000_0002:
            case 0x8000_0003:
            case 0x8000_0004:
                return Brand(leaf - 0x8000_0002);
            case 0x8000_0008:
                return (46 | (48 << 8), 0, 0, 0); // physical and virtual address widths
            default:
                return (0, 0, 0, 0);
        }
    }

    private static (uint, uint, uint, uint) CacheLeaf(uint index)
    {
        // (type: 1 data, 2 instruction, 3 unified; level; ways; sets); 64-byte lines.
        (uint type, uint level, uint ways, uint sets) = index switch
        {
            0 => (1u, 1u, 8u, 64u),     // 32 KiB L1d
            1 => (2u, 1u, 8u, 64u),     // 32 KiB L1i
            2 => (3u, 2u, 16u, 1024u),  // 1 MiB L2
            3 => (3u, 3u, 16u, 8192u),  // 8 MiB L3
            _ => (0u, 0u, 0u, 0u),
        };
        if (type == 0)
        {
            return (0, 0, 0, 0);
        }
        uint eax = type | (level << 5) | (1u << 8);
        uint ebx = ((ways - 1) << 22) | 63;
        return (eax, ebx, sets - 1, 0);
    }

    private static (uint, uint, uint, uint) Brand(uint part)
    {
        byte[] text = Encoding.ASCII.GetBytes("HvSim baseline x86-64 CPU".PadRight(48, '\0'));
        int at = (int)part * 16;
        return (BitConverter.ToUInt32(text, at), BitConverter.ToUInt32(text, at + 4), BitConverter.ToUInt32(text, at + 8), BitConverter.ToUInt32(text, at + 12));
    }
}

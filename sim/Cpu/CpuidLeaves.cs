using System.Text;

namespace HvSim.Cpu;

/// <summary>
/// The cpuid answers of the simulated CPU: the features x86-64 always has (FPU, CX8, CMOV, MMX,
/// FXSR, SSE, SSE2) and those of its <see cref="CpuIdentity"/>, so libraries choose the code paths
/// the CPU executes; XSAVE state sizes through leaf 0xD when it has XSAVE; cache geometry through
/// leaf 4 so glibc's memcpy thresholds are sane. Bit positions: SDM Vol. 2A, CPUID, Tables 3-10,
/// 3-11 and the leaf 07H and 0DH descriptions.
/// </summary>
public static class CpuidLeaves
{
    private const uint MaxBasicLeaf = 0xD;

    // XSAVE layout (SDM Vol. 1, 13.4): the 512-byte legacy region, the 64-byte header, then the
    // AVX component (the upper halves of YMM0..15) at 576.
    private const uint XsaveLegacyAndHeader = 576, AvxComponentOffset = 576, AvxComponentSize = 256;
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
                const uint edx = (1u << 0) | (1u << 4) | (1u << 8) | (1u << 15) | (1u << 19) | (1u << 23) | (1u << 24) | (1u << 25) | (1u << 26);
                return (eax, ebx, Leaf1Ecx(identity), edx); // FPU TSC CX8 CMOV CLFSH MMX FXSR SSE SSE2
            }
            case 2:
                return (0x00FF_0001, 0, 0, 0); // descriptor 0xFF: use leaf 4
            case 4:
                return CacheLeaf(subleaf);
            case 7:
                return subleaf == 0 ? (0u, Leaf7Ebx(identity), 0u, 0u) : (0u, 0u, 0u, 0u);
            case 0xD:
                return XsaveLeaf(identity, subleaf);
            case 0x8000_0000:
                return (MaxExtendedLeaf, 0, 0, 0);
            case 0x8000_0001:
                // ECX: LAHF/SAHF, LZCNT (ABM). EDX: SYSCALL, NX, long mode.
                return (0, 0, 1u | (identity.Has(CpuFeatures.Lzcnt) ? 1u << 5 : 0), (1u << 11) | (1u << 20) | (1u << 29));
            case 0x8000_0002:
            case 0x8000_0003:
            case 0x8000_0004:
                return Brand(identity, leaf - 0x8000_0002);
            case 0x8000_0008:
                return (46 | (48 << 8), 0, 0, 0); // physical and virtual address widths
            default:
                return (0, 0, 0, 0);
        }
    }

    private static uint Leaf1Ecx(CpuIdentity identity)
    {
        uint ecx = 0;
        ecx |= Bit(identity, CpuFeatures.Sse3, 0);
        ecx |= Bit(identity, CpuFeatures.Pclmulqdq, 1);
        ecx |= Bit(identity, CpuFeatures.Ssse3, 9);
        ecx |= Bit(identity, CpuFeatures.Fma, 12);
        ecx |= Bit(identity, CpuFeatures.Cx16, 13);
        ecx |= Bit(identity, CpuFeatures.Sse41, 19);
        ecx |= Bit(identity, CpuFeatures.Sse42, 20);
        ecx |= Bit(identity, CpuFeatures.Movbe, 22);
        ecx |= Bit(identity, CpuFeatures.Popcnt, 23);
        ecx |= Bit(identity, CpuFeatures.Xsave, 26) | Bit(identity, CpuFeatures.Xsave, 27); // XSAVE, OSXSAVE
        ecx |= Bit(identity, CpuFeatures.Avx, 28);
        ecx |= Bit(identity, CpuFeatures.F16c, 29);
        return ecx;
    }

    private static uint Leaf7Ebx(CpuIdentity identity) =>
        Bit(identity, CpuFeatures.Bmi1, 3) | Bit(identity, CpuFeatures.Avx2, 5) | Bit(identity, CpuFeatures.Bmi2, 8);

    private static uint Bit(CpuIdentity identity, CpuFeatures feature, int bit) => identity.Has(feature) ? 1u << bit : 0;

    /// <summary>
    /// Leaf 0DH: subleaf 0 gives the XCR0 bits supported and the XSAVE area sizes (for the enabled
    /// features and for all supported ones: the same here, as Linux enables all); subleaf 1 reports
    /// none of XSAVEOPT, XSAVEC, XGETBV with ECX=1 or XSAVES, so software uses plain xsave/xrstor;
    /// subleaf 2 places the AVX component.
    /// </summary>
    private static (uint, uint, uint, uint) XsaveLeaf(CpuIdentity identity, uint subleaf)
    {
        if (!identity.Has(CpuFeatures.Xsave))
        {
            return (0, 0, 0, 0);
        }
        uint size = identity.Has(CpuFeatures.Avx) ? AvxComponentOffset + AvxComponentSize : XsaveLegacyAndHeader;
        return subleaf switch
        {
            0 => ((uint)identity.Xcr0, size, size, 0),
            2 when identity.Has(CpuFeatures.Avx) => (AvxComponentSize, AvxComponentOffset, 0, 0),
            _ => (0, 0, 0, 0),
        };
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

    private static (uint, uint, uint, uint) Brand(CpuIdentity identity, uint part)
    {
        byte[] text = Encoding.ASCII.GetBytes($"HvSim {identity.Name} x86-64 CPU".PadRight(48, '\0')[..48]);
        int at = (int)part * 16;
        return (BitConverter.ToUInt32(text, at), BitConverter.ToUInt32(text, at + 4), BitConverter.ToUInt32(text, at + 8), BitConverter.ToUInt32(text, at + 12));
    }
}

namespace HvSim.GuestOs.Linux;

/// <summary>arch_prctl codes (x86 asm/prctl.h). Static glibc calls ARCH_SET_FS to install its TLS.</summary>
public enum ArchPrctlCode
{
    ARCH_SET_GS = 0x1001,
    ARCH_SET_FS = 0x1002,
    ARCH_GET_FS = 0x1003,
    ARCH_GET_GS = 0x1004,
    ARCH_GET_CPUID = 0x1011,
    ARCH_SET_CPUID = 0x1012,
}

namespace HvSim.GuestOs.Linux;

// Memory-management flag values from asm-generic/mman-common.h, asm-generic/mman.h,
// x86_64 asm/mman.h and linux/mman.h. Members carry the C macro names.

/// <summary>mmap/mprotect protection bits.</summary>
[Flags]
public enum MemoryProtection
{
    PROT_NONE = 0x0,
    PROT_READ = 0x1,
    PROT_WRITE = 0x2,
    PROT_EXEC = 0x4,
    PROT_SEM = 0x8,
    PROT_GROWSDOWN = 0x0100_0000,
    PROT_GROWSUP = 0x0200_0000,
}

/// <summary>mmap flags. The low four bits (MAP_TYPE) are a type, not independent flags.</summary>
[Flags]
public enum MapFlags
{
    MAP_SHARED = 0x01,
    MAP_PRIVATE = 0x02,
    MAP_SHARED_VALIDATE = 0x03,
    MAP_TYPE = 0x0f,
    MAP_FIXED = 0x10,
    MAP_ANONYMOUS = 0x20,
    MAP_32BIT = 0x40,
    MAP_GROWSDOWN = 0x0100,
    MAP_DENYWRITE = 0x0800,
    MAP_EXECUTABLE = 0x1000,
    MAP_LOCKED = 0x2000,
    MAP_NORESERVE = 0x4000,
    MAP_POPULATE = 0x8000,
    MAP_NONBLOCK = 0x1_0000,
    MAP_STACK = 0x2_0000,
    MAP_HUGETLB = 0x4_0000,
    MAP_SYNC = 0x8_0000,
    MAP_FIXED_NOREPLACE = 0x10_0000,
}

/// <summary>mremap flags.</summary>
[Flags]
public enum RemapFlags
{
    None = 0,
    MREMAP_MAYMOVE = 1,
    MREMAP_FIXED = 2,
    MREMAP_DONTUNMAP = 4,
}

/// <summary>msync flags.</summary>
[Flags]
public enum MsyncFlags
{
    MS_ASYNC = 1,
    MS_INVALIDATE = 2,
    MS_SYNC = 4,
}

/// <summary>The madvise advice values a simple kernel may need to recognise.</summary>
public enum MadviseAdvice
{
    MADV_NORMAL = 0,
    MADV_RANDOM = 1,
    MADV_SEQUENTIAL = 2,
    MADV_WILLNEED = 3,
    MADV_DONTNEED = 4,
    MADV_FREE = 8,
}

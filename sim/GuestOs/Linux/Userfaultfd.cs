namespace HvSim.GuestOs.Linux;

/// <summary>
/// userfaultfd's user ABI (include/uapi/linux/userfaultfd.h, Linux 6.7): the API version, the
/// feature bits UFFDIO_API negotiates, the register and write-protect modes, and the ioctl numbers
/// (_IOWR/_IOR of type 0xAA with the struct's size: asm-generic/ioctl.h).
/// </summary>
public static class Userfaultfd
{
    /// <summary>UFFD_API: the only API version.</summary>
    public const ulong Api = 0xAA;

    /// <summary>userfaultfd(2)'s flag: handle faults of user mode only (lets an unprivileged process in; fs/userfaultfd.c new_userfaultfd).</summary>
    public const int UserModeOnly = 1;

    // Features (UFFD_FEATURE_*).
    public const ulong FeaturePagefaultFlagWp = 1UL << 0;
    public const ulong FeatureEventFork = 1UL << 1;
    public const ulong FeatureEventRemap = 1UL << 2;
    public const ulong FeatureEventRemove = 1UL << 3;
    public const ulong FeatureMissingHugetlbfs = 1UL << 4;
    public const ulong FeatureMissingShmem = 1UL << 5;
    public const ulong FeatureEventUnmap = 1UL << 6;
    public const ulong FeatureSigbus = 1UL << 7;
    public const ulong FeatureThreadId = 1UL << 8;
    public const ulong FeatureMinorHugetlbfs = 1UL << 9;
    public const ulong FeatureMinorShmem = 1UL << 10;
    public const ulong FeatureExactAddress = 1UL << 11;
    public const ulong FeatureWpHugetlbfsShmem = 1UL << 12;
    public const ulong FeatureWpUnpopulated = 1UL << 13;
    public const ulong FeaturePoison = 1UL << 14;
    public const ulong FeatureWpAsync = 1UL << 15;

    /// <summary>
    /// The features this kernel reports and accepts: the write-protect ones it implements
    /// (WP_ASYNC, WP_UNPOPULATED, WP_HUGETLBFS_SHMEM: its shared memory is shmem) and the ones that
    /// change nothing without a message to deliver (THREAD_ID, EXACT_ADDRESS). Linux 6.7 reports all
    /// sixteen (UFFD_API_FEATURES); missing and minor faults, events and SIGBUS mode are not simulated.
    /// </summary>
    public const ulong SupportedFeatures = FeatureWpAsync | FeatureWpUnpopulated | FeatureWpHugetlbfsShmem
        | FeatureThreadId | FeatureExactAddress;

    // UFFDIO_REGISTER modes.
    public const ulong RegisterModeMissing = 1;
    public const ulong RegisterModeWp = 2;
    public const ulong RegisterModeMinor = 4;
    public const ulong RegisterModes = RegisterModeMissing | RegisterModeWp | RegisterModeMinor;

    // UFFDIO_WRITEPROTECT modes.
    public const ulong WriteProtectModeWp = 1;
    public const ulong WriteProtectModeDontWake = 2;

    // ioctl numbers (the _UFFDIO_* bits are the ioctl's nr).
    public const int NrRegister = 0x00, NrUnregister = 0x01, NrWake = 0x02, NrWriteProtect = 0x06, NrApi = 0x3F;

    /// <summary>UFFDIO_API: _IOWR(0xAA, 0x3F, struct uffdio_api) (24 bytes).</summary>
    public const ulong IoctlApi = 0xC018_AA3F;

    /// <summary>UFFDIO_REGISTER: _IOWR(0xAA, 0x00, struct uffdio_register) (32 bytes).</summary>
    public const ulong IoctlRegister = 0xC020_AA00;

    /// <summary>UFFDIO_UNREGISTER: _IOR(0xAA, 0x01, struct uffdio_range) (16 bytes).</summary>
    public const ulong IoctlUnregister = 0x8010_AA01;

    /// <summary>UFFDIO_WRITEPROTECT: _IOWR(0xAA, 0x06, struct uffdio_writeprotect) (24 bytes).</summary>
    public const ulong IoctlWriteProtect = 0xC018_AA06;

    /// <summary>UFFD_API_IOCTLS: what UFFDIO_API reports (API, REGISTER, UNREGISTER).</summary>
    public const ulong ApiIoctls = (1UL << NrRegister) | (1UL << NrUnregister) | (1UL << NrApi);

    /// <summary>
    /// What UFFDIO_REGISTER reports for a WP range: UFFDIO_WRITEPROTECT, the one range ioctl this
    /// kernel implements. Linux 6.7 also reports WAKE, COPY, ZEROPAGE and POISON (and MOVE from 6.8)
    /// for any anonymous or shmem range (UFFD_API_RANGE_IOCTLS less CONTINUE).
    /// </summary>
    public const ulong WpRangeIoctls = 1UL << NrWriteProtect;

    /// <summary>sizeof(struct uffd_msg): a read shorter than one message is EINVAL.</summary>
    public const int MessageBytes = 32;
}

/// <summary>
/// The PAGEMAP_SCAN ioctl of /proc/PID/pagemap (include/uapi/linux/fs.h, Linux 6.7): struct
/// pm_scan_arg, the page categories and the flags.
/// </summary>
public static class PagemapScanAbi
{
    /// <summary>PAGEMAP_SCAN: _IOWR('f', 16, struct pm_scan_arg) (96 bytes).</summary>
    public const ulong Ioctl = 0xC060_6610;

    /// <summary>sizeof(struct pm_scan_arg): twelve u64s.</summary>
    public const int ArgBytes = 96;

    /// <summary>sizeof(struct page_region): start, end, categories.</summary>
    public const int RegionBytes = 24;

    /// <summary>Byte offset of walk_end in struct pm_scan_arg (the one field written back).</summary>
    public const int WalkEndOffset = 32;

    // Categories (PAGE_IS_*).
    public const ulong WpAllowed = 1UL << 0;
    public const ulong Written = 1UL << 1;
    public const ulong File = 1UL << 2;
    public const ulong Present = 1UL << 3;
    public const ulong Swapped = 1UL << 4;
    public const ulong PfnZero = 1UL << 5;
    public const ulong Huge = 1UL << 6;
    public const ulong SoftDirty = 1UL << 7;

    /// <summary>PM_SCAN_CATEGORIES: every category 6.7 defines; any other bit in a mask is EINVAL.</summary>
    public const ulong Categories = WpAllowed | Written | File | Present | Swapped | PfnZero | Huge | SoftDirty;

    // Flags.
    public const ulong WpMatching = 1UL << 0;
    public const ulong CheckWpAsync = 1UL << 1;
    public const ulong Flags = WpMatching | CheckWpAsync;
}

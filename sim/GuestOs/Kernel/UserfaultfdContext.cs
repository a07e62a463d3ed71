using HvSim.GuestOs.Linux;

namespace HvSim.GuestOs.Kernel;

/// <summary>
/// One userfaultfd's state (fs/userfaultfd.c struct userfaultfd_ctx): the features UFFDIO_API
/// enabled and the address space it serves. VMAs registered with it point at it
/// (<see cref="Vma.UffdWp"/>).
/// </summary>
public sealed class UserfaultfdContext
{
    public UserfaultfdContext(AddressSpace space, bool userModeOnly)
    {
        Space = space;
        UserModeOnly = userModeOnly;
    }

    /// <summary>The mm the fd was created in (ctx->mm): its ioctls act on it whoever calls them.</summary>
    public AddressSpace Space { get; }

    public bool UserModeOnly { get; }

    /// <summary>UFFDIO_API succeeded once (UFFD_FEATURE_INITIALIZED): every other ioctl needs it, a second API call is EINVAL.</summary>
    public bool Initialized { get; private set; }

    /// <summary>The features UFFDIO_API enabled (WP_ASYNC implies WP_UNPOPULATED, as userfaultfd_api chooses).</summary>
    public ulong Features { get; private set; }

    /// <summary>UFFDIO_API's success: the context serves <paramref name="features"/> from now on (uffd_ctx_features).</summary>
    public void Enable(ulong features)
    {
        Features = features;
        Initialized = true;
    }

    /// <summary>userfaultfd_wp_async: a write-protect fault is resolved by the kernel alone, no message.</summary>
    public bool WpAsync => (Features & Userfaultfd.FeatureWpAsync) != 0;

    /// <summary>userfaultfd_wp_unpopulated: UFFDIO_WRITEPROTECT marks never-populated anonymous pages too (PTE markers).</summary>
    public bool WpUnpopulated => (Features & Userfaultfd.FeatureWpUnpopulated) != 0;
}

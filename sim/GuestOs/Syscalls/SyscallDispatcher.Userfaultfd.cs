using System.Buffers.Binary;
using HvSim.Core;
using HvSim.GuestOs.Files;
using HvSim.GuestOs.Kernel;
using HvSim.GuestOs.Linux;

namespace HvSim.GuestOs.Syscalls;

/// <summary>
/// userfaultfd(2) and its ioctls (fs/userfaultfd.c, Linux 6.7), write-protect mode only, and
/// asynchronous only: UFFDIO_REGISTER with MODE_WP needs UFFD_FEATURE_WP_ASYNC (EINVAL otherwise).
/// A synchronous write-protect fault would block the faulting thread until another thread read the
/// message and resolved it; the guest has one thread, so on Linux it would hang; here it is refused.
/// Missing and minor faults (MODE_MISSING, MODE_MINOR, UFFDIO_COPY, ZEROPAGE, CONTINUE, POISON,
/// MOVE, WAKE) are not simulated: EINVAL. docs/guest-kernel.md lists what is and is not here.
/// </summary>
internal sealed partial class SyscallDispatcher
{
    /// <summary>vm.unprivileged_userfaultfd's default (0): a process without CAP_SYS_PTRACE needs UFFD_USER_MODE_ONLY.</summary>
    private const bool UnprivilegedUserfaultfd = false;

    /// <summary>
    /// userfaultfd(flags) (new_userfaultfd): EPERM for this unprivileged process unless
    /// UFFD_USER_MODE_ONLY (userfaultfd_syscall_allowed, checked first); EINVAL for flags other than
    /// O_CLOEXEC, O_NONBLOCK and UFFD_USER_MODE_ONLY; else a read-write fd on a new context.
    /// </summary>
    private static long UserfaultfdCreate(Process process, int flags)
    {
        if ((flags & Userfaultfd.UserModeOnly) == 0 && !UnprivilegedUserfaultfd)
        {
            return Error(Errno.EPERM);
        }
        if ((flags & ~(FileConstants.O_CLOEXEC | FileConstants.O_NONBLOCK | Userfaultfd.UserModeOnly)) != 0)
        {
            return Error(Errno.EINVAL);
        }
        var file = new UserfaultfdFile(new UserfaultfdContext(process.Space, (flags & Userfaultfd.UserModeOnly) != 0),
            FileConstants.O_RDWR | (flags & FileConstants.O_NONBLOCK));
        long fd = process.Files.Install(file, (flags & FileConstants.O_CLOEXEC) != 0);
        if (fd < 0)
        {
            file.Release();
        }
        return fd;
    }

    /// <summary>userfaultfd_ioctl: every call but UFFDIO_API needs a context UFFDIO_API initialised (EINVAL); unknown calls are EINVAL.</summary>
    private long UserfaultfdIoctl(UserfaultfdContext context, ulong request, ulong argument)
    {
        if (request != Userfaultfd.IoctlApi && !context.Initialized)
        {
            return Error(Errno.EINVAL);
        }
        return request switch
        {
            Userfaultfd.IoctlApi => UffdApi(context, argument),
            Userfaultfd.IoctlRegister => UffdRegister(context, argument),
            Userfaultfd.IoctlUnregister => UffdUnregister(context, argument),
            Userfaultfd.IoctlWriteProtect => UffdWriteProtect(context, argument),
            _ => Error(Errno.EINVAL),
        };
    }

    /// <summary>
    /// UFFDIO_API (userfaultfd_api): api must be UFFD_API; WP_ASYNC brings WP_UNPOPULATED with it;
    /// the features and ioctls this kernel supports are written back; a requested feature it does not
    /// report is EINVAL (the "features &amp; ~uffdio_api.features" check of later kernels; 6.7 checked
    /// against all it knew); a second call is EINVAL. Every failure writes the struct back zeroed.
    /// </summary>
    private long UffdApi(UserfaultfdContext context, ulong argument)
    {
        Span<byte> api = stackalloc byte[24];
        if (!User.CopyFrom(context.Space, argument, api))
        {
            return Error(Errno.EFAULT);
        }
        ulong version = BinaryPrimitives.ReadUInt64LittleEndian(api);
        ulong features = BinaryPrimitives.ReadUInt64LittleEndian(api[8..]);
        if ((features & Userfaultfd.FeatureWpAsync) != 0)
        {
            features |= Userfaultfd.FeatureWpUnpopulated;
        }
        if (version != Userfaultfd.Api || (features & ~Userfaultfd.SupportedFeatures) != 0 || context.Initialized)
        {
            api.Clear();
            return User.CopyTo(context.Space, argument, api) ? Error(Errno.EINVAL) : Error(Errno.EFAULT);
        }
        BinaryPrimitives.WriteUInt64LittleEndian(api[8..], Userfaultfd.SupportedFeatures);
        BinaryPrimitives.WriteUInt64LittleEndian(api[16..], Userfaultfd.ApiIoctls);
        if (!User.CopyTo(context.Space, argument, api))
        {
            return Error(Errno.EFAULT);
        }
        context.Enable(features);
        return 0;
    }

    /// <summary>
    /// UFFDIO_REGISTER (userfaultfd_register): mode must be non-zero and known (EINVAL); only MODE_WP
    /// on a context with WP_ASYNC is simulated (EINVAL otherwise: see the class); the range must pass
    /// validate_range; then the VMAs are registered (EINVAL, EBUSY, ENOMEM) and the ioctls the range
    /// supports are written to the struct's ioctls field.
    /// </summary>
    private long UffdRegister(UserfaultfdContext context, ulong argument)
    {
        Span<byte> register = stackalloc byte[24];
        if (!ReadRangeStruct(context, argument, register, out ulong start, out ulong length))
        {
            return Error(Errno.EFAULT);
        }
        ulong mode = BinaryPrimitives.ReadUInt64LittleEndian(register[16..]);
        if (mode == 0 || (mode & ~Userfaultfd.RegisterModes) != 0)
        {
            return Error(Errno.EINVAL);
        }
        if (mode != Userfaultfd.RegisterModeWp || !context.WpAsync)
        {
            return Error(Errno.EINVAL); // not simulated: missing and minor faults, synchronous write-protect faults
        }
        if (UffdRangeError(start, length) is Errno invalid)
        {
            return Error(invalid);
        }
        if (context.Space.RegisterUffdWp(start, start + length, context) is Errno refused)
        {
            return Error(refused);
        }
        return User.WriteU64(context.Space, argument + 24, Userfaultfd.WpRangeIoctls) ? 0 : Error(Errno.EFAULT);
    }

    /// <summary>UFFDIO_UNREGISTER (userfaultfd_unregister): a struct uffdio_range passing validate_range.</summary>
    private long UffdUnregister(UserfaultfdContext context, ulong argument)
    {
        Span<byte> range = stackalloc byte[16];
        if (!ReadRangeStruct(context, argument, range, out ulong start, out ulong length))
        {
            return Error(Errno.EFAULT);
        }
        if (UffdRangeError(start, length) is Errno invalid)
        {
            return Error(invalid);
        }
        return context.Space.UnregisterUffd(start, start + length) is Errno refused ? Error(refused) : 0;
    }

    /// <summary>
    /// UFFDIO_WRITEPROTECT (userfaultfd_writeprotect): validate_range; mode only WP and DONTWAKE, not
    /// both (EINVAL); then mwriteprotect_range sets (MODE_WP) or clears the protection. The wake that
    /// follows a clear without DONTWAKE has nothing to wake: no thread ever waits here.
    /// </summary>
    private long UffdWriteProtect(UserfaultfdContext context, ulong argument)
    {
        Span<byte> writeProtect = stackalloc byte[24];
        if (!ReadRangeStruct(context, argument, writeProtect, out ulong start, out ulong length))
        {
            return Error(Errno.EFAULT);
        }
        ulong mode = BinaryPrimitives.ReadUInt64LittleEndian(writeProtect[16..]);
        if (UffdRangeError(start, length) is Errno invalid)
        {
            return Error(invalid);
        }
        if ((mode & ~(Userfaultfd.WriteProtectModeWp | Userfaultfd.WriteProtectModeDontWake)) != 0
            || mode == (Userfaultfd.WriteProtectModeWp | Userfaultfd.WriteProtectModeDontWake))
        {
            return Error(Errno.EINVAL);
        }
        bool protect = (mode & Userfaultfd.WriteProtectModeWp) != 0;
        return context.Space.WriteProtectUffd(start, start + length, protect) is Errno refused ? Error(refused) : 0;
    }

    /// <summary>
    /// Copies in a uffdio struct that begins with a struct uffdio_range (start, len), as
    /// UFFDIO_REGISTER, UFFDIO_UNREGISTER and UFFDIO_WRITEPROTECT take it; false when it cannot be read (EFAULT).
    /// </summary>
    private bool ReadRangeStruct(UserfaultfdContext context, ulong argument, Span<byte> buffer, out ulong start, out ulong length)
    {
        start = length = 0;
        if (!User.CopyFrom(context.Space, argument, buffer))
        {
            return false;
        }
        start = BinaryPrimitives.ReadUInt64LittleEndian(buffer);
        length = BinaryPrimitives.ReadUInt64LittleEndian(buffer[8..]);
        return true;
    }

    /// <summary>validate_range (fs/userfaultfd.c): page-aligned start and length, non-empty, inside [mmap_min_addr, TASK_SIZE), no wrap.</summary>
    private static Errno? UffdRangeError(ulong start, ulong length)
    {
        if ((start & PageGeometry.PageMask) != 0 || (length & PageGeometry.PageMask) != 0 || length == 0
            || start < UserRange.MmapMinAddr || start >= UserRange.TaskSize || length > UserRange.TaskSize - start)
        {
            return Errno.EINVAL;
        }
        return null;
    }

    /// <summary>
    /// read of a userfaultfd (userfaultfd_read): EINVAL before UFFDIO_API or for less than one
    /// uffd_msg; otherwise there is never a message (asynchronous write-protect queues none), and the
    /// read reports EAGAIN: non-blocking, as Linux does; blocking, where Linux's only thread would
    /// wait forever, rather than hang.
    /// </summary>
    private static long ReadUserfaultfd(UserfaultfdFile file, ulong count)
    {
        if (!file.Context.Initialized || count < Userfaultfd.MessageBytes)
        {
            return Error(Errno.EINVAL);
        }
        return Error(Errno.EAGAIN);
    }
}

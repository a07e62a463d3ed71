using System.Runtime.InteropServices;

namespace HvSim.HostOracle;

/// <summary>
/// An anonymous private mmap region, read-write, whose leading pages are also executable.
/// Linux x86-64 only (the MAP_ANONYMOUS value and the calling convention are Linux's).
/// </summary>
internal sealed partial class ExecutableMapping : IDisposable
{
    private const int ProtRead = 0x1;
    private const int ProtWrite = 0x2;
    private const int ProtExec = 0x4;
    private const int MapPrivate = 0x02;
    private const int MapAnonymous = 0x20;
    private static readonly nint MapFailed = -1;

    private nint _address;

    public ExecutableMapping(nuint length, nuint executableLength)
    {
        if (executableLength > length)
        {
            throw new ArgumentOutOfRangeException(nameof(executableLength));
        }

        Length = length;
        _address = Mmap(0, length, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (_address == MapFailed)
        {
            _address = 0;
            throw new InvalidOperationException($"mmap failed, errno {Marshal.GetLastPInvokeError()}.");
        }

        // Only the code pages get PROT_EXEC; data and scratch memory stay non-executable.
        if (Mprotect(_address, executableLength, ProtRead | ProtWrite | ProtExec) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            Dispose();
            throw new InvalidOperationException($"mprotect(PROT_EXEC) failed, errno {errno}.");
        }
    }

    public nint Address => _address != 0 ? _address : throw new ObjectDisposedException(nameof(ExecutableMapping));

    public nuint Length { get; }

    public void Dispose()
    {
        if (_address != 0)
        {
            _ = Munmap(_address, Length);
            _address = 0;
        }
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    private static partial int Mprotect(nint address, nuint length, int protection);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(nint address, nuint length);
}

using Microsoft.Win32.SafeHandles;
using HvSim.GuestOs.Linux;

namespace HvSim.GuestOs.Files;

/// <summary>
/// An open regular host file. Reads and writes go straight to the host at an explicit offset
/// (RandomAccess), so nothing is read ahead or held in memory beyond one call's chunk.
/// </summary>
public sealed class HostFile : OpenFile
{
    public HostFile(ResolvedPath path, int statusFlags, SafeFileHandle handle)
        : base(path, statusFlags)
    {
        Handle = handle;
    }

    public SafeFileHandle Handle { get; }

    public bool Readable => (StatusFlags & FileConstants.O_ACCMODE) is FileConstants.O_RDONLY or FileConstants.O_RDWR;

    public bool Writable => (StatusFlags & FileConstants.O_ACCMODE) is FileConstants.O_WRONLY or FileConstants.O_RDWR;

    public bool Appends => (StatusFlags & FileConstants.O_APPEND) != 0;

    public long Length => RandomAccess.GetLength(Handle);

    protected override void Dispose() => Handle.Dispose();
}

using HvSim.GuestOs.Linux;

namespace HvSim.GuestOs.Files;

/// <summary>
/// A process's open files: each slot holds an open file description and its FD_CLOEXEC flag.
/// Slots 0, 1 and 2 are empty while they are the standard streams (which the kernel answers
/// itself, as pipes); only dup2/dup3 put a file there. New descriptors take the lowest free
/// number from 3, as POSIX requires; there are at most <see cref="Limit"/> (RLIMIT_NOFILE's soft
/// limit), beyond which open fails with EMFILE.
/// </summary>
public sealed class FileDescriptorTable
{
    /// <summary>RLIMIT_NOFILE as the guest sees it (prlimit64 reports the same).</summary>
    public const int Limit = 1024;

    /// <summary>The first descriptor this table hands out: 0, 1 and 2 are the standard streams.</summary>
    public const int FirstFree = 3;

    private readonly OpenFile?[] _files = new OpenFile?[Limit];
    private readonly bool[] _closeOnExec = new bool[Limit];

    public OpenFile? Get(int fd) => fd is >= 0 and < Limit ? _files[fd] : null;

    /// <summary>
    /// Installs <paramref name="file"/> at the lowest free fd ≥ <paramref name="lowest"/> (from 3),
    /// or at <paramref name="lowest"/> itself when <paramref name="exactly"/> (dup2; the caller
    /// has closed it); -EMFILE when full.
    /// </summary>
    public long Install(OpenFile file, bool closeOnExec, int lowest = FirstFree, bool exactly = false)
    {
        if (exactly)
        {
            _files[lowest] = file;
            _closeOnExec[lowest] = closeOnExec;
            return lowest;
        }
        for (int fd = Math.Max(lowest, FirstFree); fd < Limit; fd++)
        {
            if (_files[fd] is null)
            {
                _files[fd] = file;
                _closeOnExec[fd] = closeOnExec;
                return fd;
            }
        }
        file.Release();
        return -(long)Errno.EMFILE;
    }

    public bool CloseOnExec(int fd) => Get(fd) is not null && _closeOnExec[fd];

    public void SetCloseOnExec(int fd, bool value)
    {
        if (Get(fd) is not null)
        {
            _closeOnExec[fd] = value;
        }
    }

    /// <summary>Closes <paramref name="fd"/>; false if it was not open.</summary>
    public bool Close(int fd)
    {
        OpenFile? file = Get(fd);
        if (file is null)
        {
            return false;
        }
        _files[fd] = null;
        _closeOnExec[fd] = false;
        file.Release();
        return true;
    }

    /// <summary>At exit: every host handle is released.</summary>
    public void CloseAll()
    {
        for (int fd = 0; fd < Limit; fd++)
        {
            Close(fd);
        }
    }
}

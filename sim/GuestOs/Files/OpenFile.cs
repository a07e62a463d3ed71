namespace HvSim.GuestOs.Files;

/// <summary>
/// An open file description (the kernel's struct file): what an fd refers to, shared by the fds
/// dup makes, with one offset and one set of status flags. Released with its last fd.
/// </summary>
public abstract class OpenFile
{
    private int _references = 1;

    protected OpenFile(ResolvedPath path, int statusFlags)
    {
        Path = path;
        StatusFlags = statusFlags;
    }

    /// <summary>Where it was opened (the base of *at calls given this fd as dirfd).</summary>
    public ResolvedPath Path { get; }

    /// <summary>The open flags F_GETFL reports: access mode, O_APPEND, O_NONBLOCK and so on.</summary>
    public int StatusFlags { get; set; }

    /// <summary>The file position (a directory's: the index of the next entry getdents64 returns).</summary>
    public long Offset { get; set; }

    public OpenFile AddReference()
    {
        _references++;
        return this;
    }

    public void Release()
    {
        if (--_references == 0)
        {
            Dispose();
        }
    }

    protected abstract void Dispose();
}

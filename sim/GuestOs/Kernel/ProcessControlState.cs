using System.Text;

namespace HvSim.GuestOs.Kernel;

/// <summary>
/// The per-task attributes prctl reads and sets, with the values a freshly exec'd Linux process
/// has: its name (comm), dumpable, the parent-death signal, no_new_privs and the timer slack.
/// </summary>
public sealed class ProcessControlState
{
    /// <summary>TASK_COMM_LEN: the name is at most 15 bytes and a NUL.</summary>
    public const int NameSize = 16;

    /// <summary>The timer slack of a task that never set one: 50 µs (init_task's, inherited by every process).</summary>
    public const ulong DefaultTimerSlackNanoseconds = 50_000;

    private readonly byte[] _name = new byte[NameSize];

    /// <param name="executablePath">execve sets comm to the last component of the path it ran.</param>
    public ProcessControlState(string executablePath)
    {
        SetName(Encoding.UTF8.GetBytes(Path.GetFileName(executablePath)));
    }

    /// <summary>comm: up to 15 bytes, NUL-padded to 16 (PR_GET_NAME copies all 16).</summary>
    public ReadOnlySpan<byte> Name => _name;

    /// <summary>PR_SET_NAME: the bytes up to the first NUL, cut to 15.</summary>
    public void SetName(ReadOnlySpan<byte> name)
    {
        int nul = name.IndexOf((byte)0);
        ReadOnlySpan<byte> text = nul >= 0 ? name[..nul] : name;
        Array.Clear(_name);
        text[..Math.Min(text.Length, NameSize - 1)].CopyTo(_name);
    }

    /// <summary>SUID_DUMP_USER (1) after an ordinary exec; PR_SET_DUMPABLE accepts 0 and 1.</summary>
    public int Dumpable { get; set; } = 1;

    /// <summary>PR_SET_PDEATHSIG's signal (0: none). The parent never dies here, so it is only remembered.</summary>
    public int ParentDeathSignal { get; set; }

    /// <summary>PR_SET_NO_NEW_PRIVS: once set it cannot be cleared.</summary>
    public bool NoNewPrivileges { get; set; }

    public ulong TimerSlackNanoseconds { get; set; } = DefaultTimerSlackNanoseconds;
}

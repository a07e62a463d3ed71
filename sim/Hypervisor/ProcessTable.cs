namespace HvSim.Hypervisor;

/// <summary>Processes tracked by CR3 (the hypervisor sees address spaces, not the guest's pids).</summary>
public sealed class ProcessTable
{
    private readonly Dictionary<ulong, HvProcess> _byCr3 = new();
    private int _nextId = 1;

    /// <summary>The process whose address space is loaded, if the hypervisor has seen its CR3.</summary>
    public HvProcess? Current { get; private set; }

    /// <summary>Every process (the collection itself: foreach over it allocates nothing, and xen-pv's PTE filter walks it per PTE write).</summary>
    public Dictionary<ulong, HvProcess>.ValueCollection All => _byCr3.Values;

    /// <summary>A CR3 load: the address space becomes current; the first load of a root makes a new process.</summary>
    public HvProcess OnCr3Load(ulong cr3)
    {
        if (!_byCr3.TryGetValue(cr3, out HvProcess? process))
        {
            process = new HvProcess(_nextId++, cr3);
            _byCr3.Add(cr3, process);
        }
        Current = process;
        return process;
    }

    /// <summary>The guest kernel released the address space: forget it (and its registration).</summary>
    public void OnRelease(ulong cr3)
    {
        if (_byCr3.Remove(cr3, out HvProcess? process) && ReferenceEquals(process, Current))
        {
            Current = null;
        }
    }

    public HvProcess? Find(ulong cr3) => _byCr3.GetValueOrDefault(cr3);
}

namespace HvSim.Mmu;

/// <summary>
/// One TLB entry: a cached translation with its permissions and dirty state. The three tags
/// are the fast path: a tag equals the virtual page number only when that kind of user-mode
/// access may complete with no further check; otherwise it holds <see cref="Tlb.NoTag"/>.
/// </summary>
internal unsafe struct TlbEntry
{
    public ulong ReadTag;        // user read allowed
    public ulong WriteTag;       // user write allowed, D already set, frame holds no decoded code
    public ulong ExecTag;        // user fetch allowed
    public ulong Vpn;            // virtual page number, or NoTag when the entry is empty
    public byte* Host;           // host address of the 4 KiB page
    public PhysicalFrame? Frame; // the frame behind Host
    public bool Writable;        // cached RW (AND over the walk)
    public bool User;            // cached US (AND over the walk)
    public bool Executable;      // cached !NX (OR over the walk)
    public bool Dirty;           // cached leaf D
    public bool Large;           // came from a 2 MiB or 1 GiB page: invlpg must drop every piece
    public ulong LargeBaseVpn;   // first virtual page of that large page
    public ulong LargeVpnCount;  // pages in that large page
    public ulong LastUse;        // the TLB's use clock at the last hit or insert (LRU order in a set)
}

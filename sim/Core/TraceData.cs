namespace HvSim.Core;

/// <summary>
/// What one traced step really has, as typed values: the addresses, entries, names and counts the
/// code at the step held. <see cref="Template"/> words the step for a reader with <c>{field}</c>
/// holes (snake_case field names, e.g. "#PF at {address}"); the trace's renderers (sim/Cli
/// TraceFields) fill the holes from the fields, symbolize code addresses and write the JSON from
/// the same fields, so no output is ever parsed back from prose. Built only while the ledger is
/// tracing (callers check <see cref="EventLedger.IsTracing"/> first). docs/trace.md lists the fields.
/// </summary>
public sealed record TraceData(string Template)
{
    // Code addresses: the renderers name them from the guest's symbol table.

    /// <summary>rip: where the step's instruction is (the faulting store, the first of a run, the one decoded).</summary>
    public ulong? Rip { get; init; }

    /// <summary>next_rip: where execution goes on (the end of a run, the rip a sigreturn or an emulation restores).</summary>
    public ulong? NextRip { get; init; }

    /// <summary>handler: the signal handler a frame was pushed for.</summary>
    public ulong? Handler { get; init; }

    /// <summary>restorer: where the handler returns to (SA_RESTORER, the trampoline that calls rt_sigreturn).</summary>
    public ulong? Restorer { get; init; }

    // Data addresses.

    /// <summary>address: the virtual address accessed, faulted on or written.</summary>
    public ulong? Address { get; init; }

    /// <summary>page: the virtual page an entry maps or an invalidation drops.</summary>
    public ulong? Page { get; init; }

    /// <summary>sigframe: where the kernel pushed the rt_sigframe.</summary>
    public ulong? SigFrame { get; init; }

    /// <summary>alias: Emul's writable alias of a CDA address.</summary>
    public ulong? Alias { get; init; }

    /// <summary>record: the checkpoint record buffer's address.</summary>
    public ulong? Record { get; init; }

    /// <summary>pte_address: the guest-physical address of a page-table entry.</summary>
    public ulong? PteAddress { get; init; }

    /// <summary>cr3: a page-table root loaded.</summary>
    public ulong? Cr3 { get; init; }

    /// <summary>frame: a physical frame number.</summary>
    public ulong? Frame { get; init; }

    // The exception.

    /// <summary>vector: the exception's vector (14 for #PF; Intel SDM Vol. 3A, Table 6-1).</summary>
    public int? Vector { get; init; }

    /// <summary>error_code: the #PF error code's bits (Intel SDM Vol. 3A, 4.7).</summary>
    public uint? ErrorCode { get; init; }

    /// <summary>instruction: the disassembly of the instruction at <see cref="Rip"/>.</summary>
    public string? Instruction { get; init; }

    /// <summary>raised_by_cpu: the CPU itself raised it (an exception, its page walk): drawn in the cpu lane.</summary>
    public bool RaisedByCpu { get; init; }

    // Page-table entries.

    /// <summary>pte_before: the entry before the step changed it (or as the CPU's walk found it).</summary>
    public ulong? PteBefore { get; init; }

    /// <summary>pte_after: the entry the step wrote.</summary>
    public ulong? PteAfter { get; init; }

    // Calls.

    /// <summary>syscall: the system call's Linux name.</summary>
    public string? Syscall { get; init; }

    /// <summary>args: the system call's arguments (as many as it takes).</summary>
    public ulong[]? Args { get; init; }

    /// <summary>result: what a system call or int 0x84 call returned.</summary>
    public long? Result { get; init; }

    /// <summary>hypercall: the Xen hypercall's name (mmu_update, mmuext_op, iret) or the int 0x84 call's.</summary>
    public string? Hypercall { get; init; }

    /// <summary>operation: the hypercall's operation (MMUEXT_TLB_FLUSH_LOCAL, MMUEXT_INVLPG_LOCAL, ...).</summary>
    public string? Operation { get; init; }

    /// <summary>operations: how many operations one hypercall carried.</summary>
    public int? Operations { get; init; }

    /// <summary>batched: the operations were queued by Linux's lazy MMU mode and issued at its end.</summary>
    public bool? Batched { get; init; }

    /// <summary>pid: the process concerned.</summary>
    public int? Pid { get; init; }

    // Signals.

    /// <summary>signal: the signal's name (SIGSEGV).</summary>
    public string? Signal { get; init; }

    /// <summary>signal_code: its si_code's name (SEGV_ACCERR).</summary>
    public string? SignalCode { get; init; }

    // Control transfers.

    /// <summary>entry: what entered the hypervisor, or what it bounces to the guest kernel.</summary>
    public TraceEntry? Entry { get; init; }

    /// <summary>resume: where a return to user mode resumes.</summary>
    public TraceResume? Resume { get; init; }

    // The kernel's memory map.

    /// <summary>vma_start, vma_end: the VMA's range.</summary>
    public ulong? VmaStart { get; init; }

    /// <inheritdoc cref="VmaStart"/>
    public ulong? VmaEnd { get; init; }

    /// <summary>protection: the VMA's protection as /proc/PID/maps writes it (rw-).</summary>
    public string? Protection { get; init; }

    /// <summary>vma_name: what the VMA maps (anon, the program, [stack]).</summary>
    public string? VmaName { get; init; }

    /// <summary>access: the access a fault handler was asked to allow (read, write, execute).</summary>
    public string? Access { get; init; }

    /// <summary>outcome: what a fault handler decided, by name (access_error, page_populated, ...).</summary>
    public string? Outcome { get; init; }

    // Amounts.

    /// <summary>count: how many (instructions retired, bytes copied, pages scanned, D bits cleared, writes logged).</summary>
    public long? Count { get; init; }

    /// <summary>size: a write's size in bytes.</summary>
    public int? Size { get; init; }

    /// <summary>value: the data a write stored.</summary>
    public UInt128? Value { get; init; }

    /// <summary>index: the slot of the record (pages[index], words[index]) an entry went to.</summary>
    public ulong? Index { get; init; }

    /// <summary>pages, words: a commit's dirty pages and logged words.</summary>
    public long? Pages { get; init; }

    /// <inheritdoc cref="Pages"/>
    public long? Words { get; init; }

    /// <summary>tables, entries, dirty: a shadow pool eviction's tables freed, entries dropped and dirty pages reported.</summary>
    public long? Tables { get; init; }

    /// <inheritdoc cref="Tables"/>
    public long? Entries { get; init; }

    /// <inheritdoc cref="Tables"/>
    public long? Dirty { get; init; }
}

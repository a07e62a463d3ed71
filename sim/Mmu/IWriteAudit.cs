namespace HvSim.Mmu;

/// <summary>
/// A ground-truth observer of stores into chosen frames (the checkpoint audit). It watches a frame
/// by setting <see cref="PhysicalFrame.WriteWatch"/> to itself: from then on no TLB entry lets a
/// user write to that frame complete on the fast path (<see cref="Tlb.FastWrite"/> answers null,
/// the same predicate every fast writer uses), so every store into it reaches a writer that calls
/// <see cref="Written"/>: the MMU's checked write, the physical-memory writers (the hypervisor's
/// and the loader's), and the string instructions' slow-path runs. Nothing is checked per
/// instruction: a run without an audit pays nothing beyond a null test on TLB fills.
/// </summary>
public interface IWriteAudit
{
    /// <summary>
    /// Called, while the audit is installed (<see cref="Mmu.WriteAudit"/>, <see cref="PhysicalMemory.WriteAudit"/>)
    /// and the frame is not yet watched, whenever a translation of <paramref name="va"/> reaches
    /// <paramref name="frame"/>: on every TLB fill, before the entry's fast-write tag is decided, and
    /// before the hypervisor writes a frame it found by walking a guest's tables. The audit may start
    /// watching the frame (a page of interest was populated or remapped).
    /// </summary>
    void Reaching(ulong va, PhysicalFrame frame);

    /// <summary>
    /// <paramref name="length"/> bytes at <paramref name="offset"/> in a watched frame were written
    /// (after the bytes changed). The caller is whoever wrote; the audit asks the CPU which
    /// instruction was executing if it wants to name it.
    /// </summary>
    /// <param name="user">True for a store of user code (the CPU running the application); false for the kernel's copy_to_user, the hypervisor's or the loader's physical writes.</param>
    void Written(PhysicalFrame frame, int offset, int length, bool user);
}

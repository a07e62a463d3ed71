namespace HvSim.Core;

/// <summary>Where a return to user mode resumes.</summary>
public enum TraceResume : byte
{
    /// <summary>After a system call, at the instruction that follows it.</summary>
    AfterSyscall,
    /// <summary>Into a signal handler whose frame the kernel just pushed.</summary>
    IntoSignalHandler,
    /// <summary>At the code a signal interrupted (rt_sigreturn's frame).</summary>
    ToInterruptedCode,
    /// <summary>At the faulting instruction, to retry it (the fault was fixed).</summary>
    RetryFault,
    /// <summary>Past the instruction the hypervisor emulated or the page it made writable.</summary>
    PastHandledFault,
    /// <summary>After int 0x84, at the instruction that follows it.</summary>
    AfterUserHypercall,
}

/// <summary>The step a return to user mode records.</summary>
public static class TraceResumes
{
    /// <summary>A return to user mode that resumes as <paramref name="resume"/> says, at <paramref name="nextRip"/>; <paramref name="how"/> is appended to the wording (" (iret from the ring-1 kernel, no hypercall)").</summary>
    public static TraceData Step(TraceResume resume, ulong nextRip, string how) => new(Wording(resume) + how)
    {
        Resume = resume,
        NextRip = nextRip,
    };

    private static string Wording(TraceResume resume) => resume switch
    {
        TraceResume.AfterSyscall => "back to user mode after the system call, at {next_rip}",
        TraceResume.IntoSignalHandler => "into the signal handler {next_rip}",
        TraceResume.ToInterruptedCode => "return to the interrupted instruction at {next_rip}",
        TraceResume.RetryFault => "back to the faulting instruction at {next_rip}",
        TraceResume.PastHandledFault => "back to user mode at {next_rip}",
        _ => "back to user mode after int 0x84, at {next_rip}",
    };
}

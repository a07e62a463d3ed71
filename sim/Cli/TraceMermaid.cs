using System.Text;
using HvSim.Core;
using HvSim.Hypervisor;
using HvSim.Mmu;

namespace HvSim.Cli;

/// <summary>
/// A trace as a Mermaid sequence diagram, drawn the way the paper's Figure 3 is: one lane per
/// layer (User, Kernel and, on Xen, Hypervisor) and one for the CPU's own exceptions, an arrow
/// wherever control passes from one lane to another (labelled with what carried it: #PF,
/// bounce, mprotect(), mmu_update, iret, ...), and a note for each step taken within a lane.
/// Every label and note comes from the steps' kinds and typed data, never from their wording:
/// rewording a step's template cannot change the diagram.
/// </summary>
public static class TraceMermaid
{
    /// <summary>Notes wider than this are broken into lines (at spaces).</summary>
    private const int NoteLineLength = 56;

    public static string Diagram(TraceRecording recording) => new Drawing(recording).Draw();

    private sealed class Drawing
    {
        private readonly TraceRecording _recording;
        private readonly StringBuilder _text = new();
        private Lane _lane = Lane.User;
        private string? _pendingLabel;          // what carries control out of the lane next (a fault)
        private bool _enteredByHypercall;       // how the hypervisor was entered (its way back: return or resume)
        private string? _deliveredSignal;       // the signal whose frame was pushed last

        public Drawing(TraceRecording recording)
        {
            _recording = recording;
        }

        public string Draw()
        {
            bool xen = _recording.Platform.Platform != Platform.Native;
            _text.Append("sequenceDiagram\n");
            _text.Append("    title One write to a write-protected page, technique ")
                .Append(_recording.Technique).Append(", ")
                .Append(Escape(TraceFormats.DescribePlatform(_recording.Platform))).Append('\n');
            _text.Append("    participant User as User (application)\n");
            _text.Append(xen ? "    participant Kernel as Guest kernel\n" : "    participant Kernel\n");
            if (xen)
            {
                _text.Append(_recording.Platform.Platform == Platform.Hvm
                    ? "    participant Hypervisor as Hypervisor (VT-x root)\n"
                    : "    participant Hypervisor as Xen hypervisor\n");
            }
            _text.Append("    participant Cpu as CPU\n");
            foreach (TraceStep step in _recording.Steps)
            {
                Step(step);
            }
            if (_recording.Technique == "none" && _recording.ExitStatus == 139)
            {
                Note(Lane.Kernel, "no SIGSEGV handler: the process is killed (status 139)");
            }
            return _text.ToString();
        }

        private void Step(TraceStep step)
        {
            TraceData data = step.Data;
            switch (step.Kind)
            {
                case EventKind.PageFault when step.Lane == Lane.Cpu:
                    // The access leaves the code that made it for the CPU, which raises the fault.
                    MoveTo(Origin(step.Layer));
                    Arrow(_lane, Lane.Cpu, AccessLabel(data), dashed: false);
                    Note(Lane.Cpu, NoteText(step));
                    _pendingLabel = data.Entry == TraceEntry.PageTableWrite || step.Layer == Layer.Kernel ? "#PF (page-table write)" : "#PF";
                    break;
                case EventKind.TrapToHypervisor:
                    if (_lane == Lane.Hypervisor)
                    {
                        // The hypervisor finished what entered it before; the guest kernel ran on and trapped again.
                        MoveTo(Lane.Kernel);
                    }
                    Arrow(_lane, Lane.Hypervisor, TrapLabel(data), dashed: false);
                    _enteredByHypercall = false;
                    break;
                case EventKind.VmExit:
                    // The hardware leaves the guest for the hypervisor; VM entry is the way back ("resume").
                    if (_lane != Lane.Hypervisor)
                    {
                        Arrow(_lane, Lane.Hypervisor, "VM exit (" + (data.Operation ?? "exit") + ")", dashed: false);
                        _enteredByHypercall = false;
                    }
                    Note(Lane.Hypervisor, NoteText(step));
                    break;
                case EventKind.BounceToGuest:
                    MoveTo(Lane.Hypervisor);
                    Arrow(Lane.Hypervisor, Lane.Kernel, BounceLabel(data), dashed: false);
                    break;
                case EventKind.Hypercall:
                    MoveTo(Lane.Kernel);
                    Arrow(Lane.Kernel, Lane.Hypervisor, HypercallLabel(data), dashed: false);
                    _enteredByHypercall = true;
                    break;
                case EventKind.SyscallEntry when _lane != step.Lane:
                    Arrow(_lane, step.Lane, data.Syscall is null ? "syscall" : data.Syscall + "()", dashed: false);
                    break;
                case EventKind.ReturnToUser:
                    MoveTo(step.Lane);
                    Arrow(step.Lane, Lane.User, ReturnLabel(step), dashed: true);
                    break;
                default:
                    if (step.Kind == EventKind.SignalDelivery)
                    {
                        _deliveredSignal = data.Signal;
                    }
                    MoveTo(step.Lane);
                    Note(step.Lane, NoteText(step));
                    break;
            }
        }

        private string NoteText(TraceStep step)
        {
            string fields = TraceFields.Summary(step.Data, _recording.Symbols);
            return fields.Length == 0 ? step.Kind.ToString() : $"{step.Kind}: {fields}";
        }

        /// <summary>Control reaches <paramref name="lane"/> without an event of its own (a fault taken, a hypercall returning).</summary>
        private void MoveTo(Lane lane)
        {
            if (_lane == lane)
            {
                return;
            }
            bool back = _lane == Lane.Hypervisor && _pendingLabel is null;
            string label = _pendingLabel ?? (back ? (_enteredByHypercall ? "return" : "resume") : "enter");
            Arrow(_lane, lane, label, dashed: back);
        }

        private void Arrow(Lane from, Lane to, string label, bool dashed)
        {
            _text.Append("    ").Append(Participant(from)).Append(dashed ? "-->>" : "->>").Append(Participant(to))
                .Append(": ").Append(Escape(label)).Append('\n');
            _lane = to;
            _pendingLabel = null;
        }

        private void Note(Lane lane, string text)
        {
            _text.Append("    Note over ").Append(Participant(lane)).Append(": ")
                .Append(string.Join("<br/>", Wrap(text).Select(Escape))).Append('\n');
        }

        /// <summary>Whether the kernel leaves a system call with sysret: natively (x86-64); a 32-bit PV kernel always irets from ring 1.</summary>
        private bool Sysret => _recording.Platform.Platform == Platform.Native;

        private string ReturnLabel(TraceStep step)
        {
            // Linux takes sysret only when nothing changed the frame (no signal delivered, no
            // sigreturn): arch/x86/entry/common.c, do_syscall_64's return value.
            string how = step.Layer == Layer.Kernel
                ? (Sysret && step.Data.Resume == TraceResume.AfterSyscall ? "sysret" : "iret")
                : "return";
            return step.Data.Resume switch
            {
                TraceResume.IntoSignalHandler => _deliveredSignal is null ? $"{how} into the signal handler" : $"{how} into the {_deliveredSignal} handler",
                TraceResume.ToInterruptedCode => $"{how} to the interrupted instruction",
                TraceResume.RetryFault => $"{how} to the faulting instruction (retried)",
                TraceResume.PastHandledFault => $"{how} past the handled fault",
                _ => how == "return" ? "return to user" : how,
            };
        }

        private static string TrapLabel(TraceData data) => data.Entry switch
        {
            TraceEntry.PageFault => "#PF",
            TraceEntry.PageTableWrite => "#PF (page-table write)",
            TraceEntry.Syscall => "syscall",
            TraceEntry.Int80 => "int 0x80",
            TraceEntry.UserHypercall => "int 0x84",
            TraceEntry.SoftwareInterrupt => $"int 0x{data.Vector ?? 0:x}",
            TraceEntry.Invlpg => "invlpg",
            TraceEntry.MovCr3 => "mov cr3",
            TraceEntry.Exception => $"exception {data.Vector}",
            _ => "trap",
        };
    }

    /// <summary>The lane whose code made an access the CPU faulted on.</summary>
    private static Lane Origin(Layer layer) => layer switch
    {
        Layer.User => Lane.User,
        Layer.Kernel => Lane.Kernel,
        _ => Lane.Hypervisor,
    };

    /// <summary>What the code did that the CPU faulted on: the instruction, else the access its error code names.</summary>
    private static string AccessLabel(TraceData data) =>
        data.Instruction ?? (((PageFaultErrorCode)(data.ErrorCode ?? 0)).HasFlag(PageFaultErrorCode.Write) ? "store" : "access");

    private static string Participant(Lane lane) => lane switch
    {
        Lane.Cpu => "Cpu",
        Lane.User => "User",
        Lane.Kernel => "Kernel",
        _ => "Hypervisor",
    };

    private static string BounceLabel(TraceData data) => data.Entry switch
    {
        TraceEntry.PageFault => "bounce #PF",
        TraceEntry.Syscall or TraceEntry.Int80 => "bounce syscall",
        _ => "bounce",
    };

    private static string HypercallLabel(TraceData data)
    {
        string name = data.Hypercall ?? "hypercall";
        if (data.Operation is not null)
        {
            return $"{name}({data.Operation})";
        }
        if (data.Operations is int n)
        {
            return $"{name} ({n} operation{(n == 1 ? "" : "s")}{(data.Batched == true ? ", batched" : "")})";
        }
        return name;
    }

    /// <summary>
    /// Text safe inside a Mermaid message or note: '#' starts a comment and ';' ends a statement
    /// in sequence diagrams, and '%%' starts a comment, so these are written as Mermaid's entity
    /// codes (#35; #59; #37;), as are '&lt;' and '&gt;' (the label is rendered as HTML).
    /// </summary>
    public static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            escaped.Append(c switch
            {
                '#' => "#35;",
                ';' => "#59;",
                '%' => "#37;",
                '<' => "#lt;",
                '>' => "#gt;",
                '\n' or '\r' or '\t' => " ",
                _ => c.ToString(),
            });
        }
        return escaped.ToString();
    }

    private static IEnumerable<string> Wrap(string text)
    {
        var line = new StringBuilder();
        foreach (string word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > NoteLineLength)
            {
                yield return line.ToString();
                line.Clear();
            }
            if (line.Length > 0)
            {
                line.Append(' ');
            }
            line.Append(word);
        }
        if (line.Length > 0)
        {
            yield return line.ToString();
        }
    }
}

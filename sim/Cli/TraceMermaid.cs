using System.Text;
using System.Text.RegularExpressions;
using HvSim.Core;
using HvSim.Hypervisor;

namespace HvSim.Cli;

/// <summary>
/// A trace as a Mermaid sequence diagram, drawn the way the paper's Figure 3 is: one lane per
/// layer (User, Kernel and, on Xen, Hypervisor), an arrow wherever control passes from one
/// layer to another (labelled with what carried it: #PF, bounce, mprotect(), mmu_update, iret,
/// ...), and a note for each step taken within a lane.
/// </summary>
public static partial class TraceMermaid
{
    /// <summary>Notes wider than this are broken into lines (at spaces).</summary>
    private const int NoteLineLength = 56;

    public static string Diagram(TraceRecording recording) => new Drawing(recording).Draw();

    private sealed class Drawing
    {
        private readonly TraceRecording _recording;
        private readonly StringBuilder _text = new();
        private Layer _lane = Layer.User;
        private string? _pendingLabel;          // what carries control out of the lane next (a fault)
        private bool _enteredByHypercall;       // how the hypervisor was entered (its way back: return or resume)
        private string? _deliveredSignal;       // a signal frame was pushed since user mode was left
        private bool _signalReturned;           // rt_sigreturn ran since user mode was left

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
                _text.Append("    participant Hypervisor as Xen hypervisor\n");
            }
            foreach (TraceStep step in _recording.Steps)
            {
                Step(step);
            }
            if (_recording.Technique == "none" && _recording.ExitStatus == 139)
            {
                Note(Layer.Kernel, "no SIGSEGV handler: the process is killed (status 139)");
            }
            return _text.ToString();
        }

        private void Step(TraceStep step)
        {
            switch (step.Kind)
            {
                case EventKind.PageFault:
                    MoveTo(step.Layer);
                    Note(step.Layer, $"{step.Kind}: {step.Detail}");
                    _pendingLabel = "#PF";
                    break;
                case EventKind.TrapToHypervisor:
                    if (_lane == Layer.Hypervisor)
                    {
                        // The hypervisor finished what entered it before; the guest kernel ran on and trapped again.
                        MoveTo(Layer.Kernel);
                    }
                    Arrow(_lane, Layer.Hypervisor, TrapLabel(step.Detail), dashed: false);
                    _enteredByHypercall = false;
                    break;
                case EventKind.BounceToGuest:
                    MoveTo(Layer.Hypervisor);
                    Arrow(Layer.Hypervisor, Layer.Kernel, BounceLabel(step.Detail), dashed: false);
                    break;
                case EventKind.Hypercall:
                    MoveTo(Layer.Kernel);
                    Arrow(Layer.Kernel, Layer.Hypervisor, HypercallLabel(step.Detail), dashed: false);
                    _enteredByHypercall = true;
                    break;
                case EventKind.SyscallEntry when _lane != step.Layer:
                    Arrow(_lane, step.Layer, SyscallLabel(step.Detail), dashed: false);
                    break;
                case EventKind.ReturnToUser:
                    MoveTo(step.Layer);
                    Arrow(step.Layer, Layer.User, ReturnLabel(step), dashed: true);
                    _deliveredSignal = null;
                    _signalReturned = false;
                    break;
                default:
                    if (step.Kind == EventKind.SignalDelivery)
                    {
                        _deliveredSignal = step.Detail.Split(' ', 2)[0];
                    }
                    else if (step.Kind == EventKind.SigReturn)
                    {
                        _signalReturned = true;
                    }
                    MoveTo(step.Layer);
                    Note(step.Layer, $"{step.Kind}: {step.Detail}");
                    break;
            }
        }

        /// <summary>Control reaches <paramref name="layer"/> without an event of its own (a fault taken, a hypercall returning).</summary>
        private void MoveTo(Layer layer)
        {
            if (_lane == layer)
            {
                return;
            }
            bool back = _lane == Layer.Hypervisor && _pendingLabel is null;
            string label = _pendingLabel ?? (back ? (_enteredByHypercall ? "return" : "resume") : "enter");
            Arrow(_lane, layer, label, dashed: back);
        }

        private void Arrow(Layer from, Layer to, string label, bool dashed)
        {
            _text.Append("    ").Append(Lane(from)).Append(dashed ? "-->>" : "->>").Append(Lane(to))
                .Append(": ").Append(Escape(label)).Append('\n');
            _lane = to;
            _pendingLabel = null;
        }

        private void Note(Layer layer, string text)
        {
            _text.Append("    Note over ").Append(Lane(layer)).Append(": ")
                .Append(string.Join("<br/>", Wrap(text).Select(Escape))).Append('\n');
        }

        /// <summary>Whether the kernel leaves a system call with sysret: natively (x86-64); a 32-bit PV kernel always irets from ring 1.</summary>
        private bool Sysret => _recording.Platform.Platform == Platform.Native;

        private string ReturnLabel(TraceStep step)
        {
            string how = step.Layer == Layer.Kernel
                ? (Sysret && _deliveredSignal is null && !_signalReturned && step.Detail.Contains("system call", StringComparison.Ordinal) ? "sysret" : "iret")
                : "return";
            if (_deliveredSignal is not null)
            {
                return $"{how} into the {_deliveredSignal} handler";
            }
            if (_signalReturned)
            {
                return $"{how} to the interrupted store";
            }
            if (step.Detail.Contains("faulting instruction", StringComparison.Ordinal))
            {
                return $"{how} to the faulting store (retried)";
            }
            return how == "return" ? "return to user" : how;
        }

        private string TrapLabel(string detail)
        {
            if (detail.StartsWith("#PF", StringComparison.Ordinal))
            {
                _pendingLabel = null;
                return detail.Contains("page table", StringComparison.Ordinal) || detail.Contains("page-table", StringComparison.Ordinal)
                    ? "#PF (page-table write)"
                    : "#PF";
            }
            foreach (string what in new[] { "syscall", "invlpg", "mov cr3", "int 0x" })
            {
                if (detail.StartsWith(what, StringComparison.Ordinal))
                {
                    return what == "int 0x" ? detail.Split(' ', 3)[0] + " " + detail.Split(' ', 3)[1] : what;
                }
            }
            return _pendingLabel ?? "trap";
        }
    }

    private static string Lane(Layer layer) => layer switch
    {
        Layer.User => "User",
        Layer.Kernel => "Kernel",
        _ => "Hypervisor",
    };

    private static string SyscallLabel(string detail)
    {
        Match call = SyscallName().Match(detail);
        return call.Success ? call.Groups[1].Value + "()" : "syscall";
    }

    private static string BounceLabel(string detail) =>
        detail.StartsWith("#PF", StringComparison.Ordinal) ? "bounce #PF"
        : detail.Contains("syscall", StringComparison.Ordinal) ? "bounce syscall"
        : "bounce";

    private static string HypercallLabel(string detail) =>
        detail.Replace("HYPERVISOR_", "", StringComparison.Ordinal).Replace("MMUEXT_", "", StringComparison.Ordinal);

    [GeneratedRegex(@"system call (\w+)\(")]
    private static partial Regex SyscallName();

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

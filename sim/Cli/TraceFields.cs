using System.Globalization;
using System.Text;
using System.Text.Json;
using HvSim.Core;
using HvSim.GuestOs.Elf;
using HvSim.Mmu;

namespace HvSim.Cli;

/// <summary>
/// The typed fields of a trace step (<see cref="TraceData"/>) under their stable snake_case
/// names, and the one place that turns them into text: a step's detail (its template's
/// <c>{field}</c> holes filled), its JSON fields, and the compact "field value" list a diagram's
/// note shows. Code addresses (rip, next_rip, handler, restorer) are named from the guest's
/// symbol table when one is given; the data itself stays numeric.
/// </summary>
public static class TraceFields
{
    private enum Form
    {
        /// <summary>An address in the guest's code: a symbol when one covers it, else hex.</summary>
        Code,
        /// <summary>Any other address or raw value: hex.</summary>
        Hex,
        /// <summary>A page-table entry: its frame address and flag letters.</summary>
        Pte,
        /// <summary>A #PF error code: its bits in words.</summary>
        ErrorCode,
        Number,
        Text,
        Flag,
        /// <summary>A system call's arguments: hex, comma-separated.</summary>
        Args,
        /// <summary>An enum member, written in snake_case.</summary>
        Name,
        /// <summary>An interrupt or exception vector: hex in text (int 0x80), a number in JSON.</summary>
        Vector,
    }

    private sealed record Field(string Name, Form Form, Func<TraceData, object?> Get);

    /// <summary>Every field, in the order JSON and notes list them: names first, then addresses, entries and amounts.</summary>
    private static readonly Field[] s_fields =
    {
        new("signal", Form.Text, d => d.Signal),
        new("signal_code", Form.Text, d => d.SignalCode),
        new("syscall", Form.Text, d => d.Syscall),
        new("args", Form.Args, d => d.Args),
        new("hypercall", Form.Text, d => d.Hypercall),
        new("operation", Form.Text, d => d.Operation),
        new("operations", Form.Number, d => d.Operations),
        new("batched", Form.Flag, d => d.Batched),
        new("entry", Form.Name, d => d.Entry),
        new("resume", Form.Name, d => d.Resume),
        new("vector", Form.Vector, d => d.Vector),
        new("error_code", Form.ErrorCode, d => d.ErrorCode),
        new("address", Form.Hex, d => d.Address),
        new("rip", Form.Code, d => d.Rip),
        new("instruction", Form.Text, d => d.Instruction),
        new("next_rip", Form.Code, d => d.NextRip),
        new("handler", Form.Code, d => d.Handler),
        new("restorer", Form.Code, d => d.Restorer),
        new("sigframe", Form.Hex, d => d.SigFrame),
        new("alias", Form.Hex, d => d.Alias),
        new("page", Form.Hex, d => d.Page),
        new("pte_address", Form.Hex, d => d.PteAddress),
        new("pte_before", Form.Pte, d => d.PteBefore),
        new("pte_after", Form.Pte, d => d.PteAfter),
        new("frame", Form.Hex, d => d.Frame),
        new("cr3", Form.Hex, d => d.Cr3),
        new("record", Form.Hex, d => d.Record),
        new("pid", Form.Number, d => d.Pid),
        new("vma_start", Form.Hex, d => d.VmaStart),
        new("vma_end", Form.Hex, d => d.VmaEnd),
        new("protection", Form.Text, d => d.Protection),
        new("vma_name", Form.Text, d => d.VmaName),
        new("access", Form.Text, d => d.Access),
        new("outcome", Form.Name, d => d.Outcome),
        new("result", Form.Number, d => d.Result),
        new("count", Form.Number, d => d.Count),
        new("size", Form.Number, d => d.Size),
        new("value", Form.Hex, d => d.Value),
        new("index", Form.Number, d => d.Index),
        new("pages", Form.Number, d => d.Pages),
        new("words", Form.Number, d => d.Words),
        new("tables", Form.Number, d => d.Tables),
        new("entries", Form.Number, d => d.Entries),
        new("dirty", Form.Number, d => d.Dirty),
    };

    private static readonly Dictionary<string, Field> s_byName = s_fields.ToDictionary(f => f.Name, StringComparer.Ordinal);

    /// <summary>The field names a step's JSON object may carry beyond layer, lane, event and detail (docs/trace.md lists them).</summary>
    public static IEnumerable<string> Names => s_fields.Select(f => f.Name);

    /// <summary>The names of the fields <paramref name="data"/> has (non-null), in table order.</summary>
    public static IEnumerable<string> Present(TraceData data) => s_fields.Where(f => f.Get(data) is not null).Select(f => f.Name);

    /// <summary>
    /// The step's detail: its template with every <c>{field}</c> hole filled. Composite holes:
    /// {fault} ("#PF at 0x... (protection, write, user)"), {call} ("mprotect(0x..., 0x1000, 0x3)"),
    /// {vma} ("7fffeffff000-7ffff0000000 rw- anon").
    /// </summary>
    public static string Detail(TraceData data, ElfSymbolizer? symbols = null)
    {
        string template = data.Template;
        var text = new StringBuilder(template.Length + 32);
        int at = 0;
        while (at < template.Length)
        {
            int open = template.IndexOf('{', at);
            if (open < 0)
            {
                text.Append(template, at, template.Length - at);
                break;
            }
            int close = template.IndexOf('}', open);
            if (close < 0)
            {
                throw new InvalidOperationException($"trace template '{template}': '{{' without '}}'");
            }
            text.Append(template, at, open - at);
            text.Append(Hole(data, template[(open + 1)..close], symbols, template));
            at = close + 1;
        }
        return text.ToString();
    }

    /// <summary>
    /// The fields <paramref name="data"/> has, as "name value" pairs (a diagram's note), a system
    /// call as one "syscall mprotect(0x..., 0x1000, 0x3)" and a VMA as one "vma 7fffeffff000-7ffff0000000 rw- anon":
    /// never the template's wording.
    /// </summary>
    public static string Summary(TraceData data, ElfSymbolizer? symbols = null) => string.Join(", ", s_fields
        .Where(f => f.Get(data) is not null && !PartOfComposite(f.Name, data))
        .Select(f => f.Name switch
        {
            "syscall" => $"syscall {Hole(data, "call", symbols, "")}",
            "vma_start" when data.VmaEnd is not null => $"vma {Hole(data, "vma", symbols, "")}",
            _ => $"{f.Name.Replace('_', ' ')} {Render(f, f.Get(data)!, symbols)}",
        }));

    /// <summary>Whether a note shows the field inside a composite (the call's arguments, the VMA's end, protection and name).</summary>
    private static bool PartOfComposite(string name, TraceData data) => name switch
    {
        "args" => data.Syscall is not null,
        "vma_end" or "protection" or "vma_name" => data.VmaStart is not null && data.VmaEnd is not null,
        _ => false,
    };

    /// <summary>Writes the fields <paramref name="data"/> has, each code address also as NAME_symbol when the symbol table names it.</summary>
    public static void WriteJson(Utf8JsonWriter writer, TraceData data, ElfSymbolizer? symbols)
    {
        foreach (Field field in s_fields)
        {
            object? value = field.Get(data);
            if (value is null)
            {
                continue;
            }
            switch (field.Form)
            {
                case Form.Number:
                case Form.Vector:
                    writer.WriteNumber(field.Name, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                    break;
                case Form.ErrorCode:
                    writer.WriteNumber(field.Name, (uint)value);
                    break;
                case Form.Flag:
                    writer.WriteBoolean(field.Name, (bool)value);
                    break;
                case Form.Args:
                    writer.WriteStartArray(field.Name);
                    foreach (ulong arg in (ulong[])value)
                    {
                        writer.WriteStringValue(Hex(arg));
                    }
                    writer.WriteEndArray();
                    break;
                case Form.Code:
                    writer.WriteString(field.Name, Hex(value));
                    if (symbols?.Name((ulong)value) is string symbol)
                    {
                        writer.WriteString(field.Name + "_symbol", symbol);
                    }
                    break;
                case Form.Pte:
                case Form.Hex:
                    writer.WriteString(field.Name, Hex(value));
                    break;
                default:
                    writer.WriteString(field.Name, Render(field, value, symbols));
                    break;
            }
        }
    }

    private static string Hole(TraceData data, string name, ElfSymbolizer? symbols, string template)
    {
        switch (name)
        {
            case "fault":
                ulong address = data.Address ?? throw Missing(template, "address");
                return data.Vector == TraceFault.PageFaultVector
                    ? new MemoryFault(FaultKind.PageFault, address, (PageFaultErrorCode)(data.ErrorCode ?? 0)).ToString()
                    : new MemoryFault(FaultKind.GeneralProtection, address, PageFaultErrorCode.None).ToString();
            case "call":
                string call = data.Syscall ?? throw Missing(template, "syscall");
                return $"{call}({string.Join(", ", (data.Args ?? Array.Empty<ulong>()).Select(a => Hex(a)))})";
            case "vma":
                return $"{data.VmaStart ?? throw Missing(template, "vma_start"):x}-{data.VmaEnd ?? throw Missing(template, "vma_end"):x} {data.Protection} {data.VmaName}".TrimEnd();
        }
        if (!s_byName.TryGetValue(name, out Field? field))
        {
            throw new InvalidOperationException($"trace template '{template}': no field '{name}'");
        }
        return Render(field, field.Get(data) ?? throw Missing(template, name), symbols);
    }

    private static InvalidOperationException Missing(string template, string field) =>
        new($"trace template '{template}': field '{field}' not set");

    private static string Render(Field field, object value, ElfSymbolizer? symbols) => field.Form switch
    {
        Form.Code => symbols?.Name((ulong)value) ?? Hex(value),
        Form.Hex or Form.Vector => Hex(value),
        Form.Pte => PteFormat.Describe((ulong)value),
        Form.ErrorCode => $"0x{(uint)value:x} ({MemoryFault.Describe((PageFaultErrorCode)(uint)value)})",
        Form.Args => string.Join(", ", ((ulong[])value).Select(a => Hex(a))),
        Form.Name => SnakeCase(value.ToString()!),
        Form.Flag => (bool)value ? "yes" : "no",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };

    private static string Hex(object value) => value switch
    {
        ulong u => $"0x{u:x}",
        UInt128 w => $"0x{w:x}",
        _ => $"0x{Convert.ToUInt64(value, CultureInfo.InvariantCulture):x}",
    };

    /// <summary>"IntoSignalHandler" as "into_signal_handler".</summary>
    public static string SnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    text.Append('_');
                }
                text.Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c);
            }
        }
        return text.ToString();
    }
}

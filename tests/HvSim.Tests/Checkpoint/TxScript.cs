using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace HvSim.Tests.Checkpoint;

/// <summary>One write of a transaction: txprog's form, destination offset in the CDA, operand.</summary>
public sealed record TxWrite(int Form, ulong Offset, ulong Value);

/// <summary>
/// A transaction program for guests/bin/txprog: a CDA of <see cref="CdaPages"/> pages and a list
/// of transactions, each a list of writes between ckpt_begin and ckpt_end. Printed disassembled
/// (FsCheck shows a shrunk counterexample this way).
/// </summary>
public sealed record TxScript(ulong CdaPages, IReadOnlyList<IReadOnlyList<TxWrite>> Transactions)
{
    private const ulong Magic = 0x3152435358545648UL; // "HVTXSCR1"

    /// <summary>The binary script txprog reads on stdin.</summary>
    public byte[] Encode()
    {
        int ops = Transactions.Sum(t => t.Count + 2);
        var bytes = new byte[24 + (ops * 24)];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, Magic);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), CdaPages);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16), (ulong)ops);
        int at = 24;
        void Op(uint kind, TxWrite? write)
        {
            Span<byte> s = bytes.AsSpan(at, 24);
            BinaryPrimitives.WriteUInt32LittleEndian(s, kind);
            BinaryPrimitives.WriteUInt32LittleEndian(s[4..], (uint)(write?.Form ?? 0));
            BinaryPrimitives.WriteUInt64LittleEndian(s[8..], write?.Offset ?? 0);
            BinaryPrimitives.WriteUInt64LittleEndian(s[16..], write?.Value ?? 0);
            at += 24;
        }
        foreach (IReadOnlyList<TxWrite> transaction in Transactions)
        {
            Op(0, null);
            foreach (TxWrite write in transaction)
            {
                Op(2, write);
            }
            Op(1, null);
        }
        return bytes;
    }

    /// <summary>Pages (CDA-relative indexes) transaction <paramref name="index"/> writes, as txprog places its writes.</summary>
    public HashSet<ulong> PagesWritten(int index)
    {
        var pages = new HashSet<ulong>();
        foreach (TxWrite write in Transactions[index])
        {
            (ulong offset, ulong size) = TxForms.Extent(write.Form, write.Offset, write.Value, CdaPages);
            for (ulong page = offset / 4096; size > 0 && page <= (offset + size - 1) / 4096; page++)
            {
                if (page < CdaPages)
                {
                    pages.Add(page);
                }
            }
        }
        return pages;
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"CDA of {CdaPages} page(s) at rdi:");
        for (int t = 0; t < Transactions.Count; t++)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  transaction {t + 1}:");
            foreach (TxWrite w in Transactions[t])
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"    form {w.Form,2}: {TxForms.Disassemble(w.Form, w.Offset)}  value 0x{w.Value:x}");
            }
        }
        return text.ToString();
    }
}
